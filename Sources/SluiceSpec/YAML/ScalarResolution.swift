/// The value a plain scalar denotes under YAML's core schema. Quoted and block
/// scalars are always strings. YAML 1.1's `yes`/`no`/`on`/`off` booleans are
/// deliberately not recognised: they surprise people (the "Norway problem").
public enum ResolvedScalar: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
}

extension YAMLScalar {
    public var resolved: ResolvedScalar {
        guard style == .plain else { return .string(text) }
        // Dispatch on the first byte: most plain scalars are words, and only
        // a few bytes can start a null, a bool or a number.
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return number ?? .string(text)
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            return ["~", "null", "Null", "NULL"].contains(text) ? .null : .string(text)
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            return text.utf8.count == 4 && ["true", "True", "TRUE"].contains(text) ? .bool(true) : .string(text)
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return text.utf8.count == 5 && ["false", "False", "FALSE"].contains(text) ? .bool(false) : .string(text)
        default:
            return .string(text)
        }
    }

    private var number: ResolvedScalar? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if let i = Self.integer(text) { return .int(i) }
        if Self.looksNumeric(text), let d = Double(text) { return .float(d) }
        return nil
    }

    private static func integer(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let first = body.first, first == "-" || first == "+" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let value: Int?
        if body.hasPrefix("0x") { value = Int(body.dropFirst(2), radix: 16) }
        else if body.hasPrefix("0o") { value = Int(body.dropFirst(2), radix: 8) }
        else if body.allSatisfy({ $0.isASCII && $0.isNumber }) { value = Int(body) }
        else { value = nil }
        guard let magnitude = value else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Core-schema float shape: `[-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)?`.
    /// `Double(_:)` alone would also accept words such as `infinity` and `nan`.
    private static func looksNumeric(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        func skipDigits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        func skipSign() {
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        }
        skipSign()
        var mantissaDigits = skipDigits()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            mantissaDigits += skipDigits()
        }
        guard mantissaDigits > 0 else { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            skipSign()
            guard skipDigits() > 0 else { return false }
        }
        return i == bytes.count
    }
}
