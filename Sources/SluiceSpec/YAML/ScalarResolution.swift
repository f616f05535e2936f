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

/// What a scalar denotes, as `YAMLScalar.resolved` decides, without the
/// text of a string (the decoder builds it once, through its interner).
enum ScalarMeaning: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string
}

extension TapeView {
    /// `YAMLScalar.resolved` for a scalar on the tape (nil for collections),
    /// deciding from the bytes where it can.
    func meaning(_ ref: NodeRef) -> ScalarMeaning? {
        let node = nodes[ref.index]
        guard node.kind == .scalar else { return nil }
        let text = self.text(ref)
        guard node.style == .plain, let first = text.first else { return node.style == .plain ? .null : .string }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let value = Self.smallDecimal(text) { return .int(value) }
            return Self.meaning(of: YAMLScalar(text: string(ref), style: .plain).resolved)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return Self.meaning(of: YAMLScalar(text: string(ref), style: .plain).resolved)
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            return Self.isAny(text, of: Self.nullWords) ? .null : .string
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            return Self.isAny(text, of: Self.trueWords) ? .bool(true) : .string
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return Self.isAny(text, of: Self.falseWords) ? .bool(false) : .string
        default:
            return .string
        }
    }

    private static func meaning(of resolved: ResolvedScalar) -> ScalarMeaning {
        switch resolved {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .float(let value): .float(value)
        case .string: .string
        }
    }

    /// A plain scalar that denotes null (empty, `~`, `null`), without building its text.
    func isNull(_ ref: NodeRef) -> Bool {
        let node = nodes[ref.index]
        guard node.kind == .scalar, node.style == .plain else { return false }
        return node.count == 0 || Self.isAny(text(ref), of: Self.nullWords)
    }

    /// Digits only, at most 18 of them (so no overflow): what `retries: 3`
    /// and pool sizes look like. Anything else takes the general path.
    private static func smallDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard text.count <= 18 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    // The same words `YAMLScalar.resolved` knows. They are ASCII and no
    // non-ASCII text is canonically equivalent to them, so comparing bytes
    // agrees with comparing `String`s.
    private static let nullWords = ["~", "null", "Null", "NULL"].map { Array($0.utf8) }
    private static let trueWords = ["true", "True", "TRUE"].map { Array($0.utf8) }
    private static let falseWords = ["false", "False", "FALSE"].map { Array($0.utf8) }

    private static func isAny(_ text: UnsafeBufferPointer<UInt8>, of words: [[UInt8]]) -> Bool {
        guard text.count <= 5 else { return false }
        return words.contains { word in word.withUnsafeBufferPointer { TapeView.equal($0, text) } }
    }
}
