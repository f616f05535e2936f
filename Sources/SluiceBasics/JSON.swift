/// A JSON value whose objects keep their members in order, so a plan printed,
/// parsed and printed again is byte-identical, and params appear in the order
/// the spec wrote them. The one JSON value, writer (`pretty`, `compact`, with
/// `JSONString` for strings) and parser of Sluice; the plan, journals, run
/// records, outputs and the lint formats all use it. Why not Foundation's JSONSerialization: it forgets key
/// order and cannot tell `1` from `1.0` or `true` on every platform alike.
public indirect enum JSON: Equatable, Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .array(let items): hasher.combine(items)
        case .object(let members):
            for (key, value) in members { hasher.combine(key); hasher.combine(value) }
        }
    }

    /// The member named `key` of an object (first occurrence), else nil.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [(String, JSON)]? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// A number as a Double, whichever way it was written.
    public var numberValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

// MARK: - Writing

extension JSON {
    /// Two-space indented text with a trailing newline; `[]` and `{}` for
    /// empty containers. Deterministic: the same value always prints the same bytes.
    public func pretty() -> String { String(decoding: prettyUTF8(), as: UTF8.self) }

    /// `pretty()` as UTF-8 bytes, for callers that write it out (a 10,000-task
    /// plan is megabytes: built as bytes it is never copied into a `String`).
    public func prettyUTF8() -> [UInt8] {
        var writer = JSONBytesWriter(pretty: true)
        writer.value(self)
        writer.endLine()
        return writer.bytes
    }

    /// One line, no spaces: for journals and one-value-per-line records.
    public func compact() -> String {
        // A mapped instance's item is compacted for its key, its command and
        // `SLUICE_ITEM`: an integer, boolean or null is spelled directly (an
        // integer's digits written as `int(_:)` writes them, into a string
        // short enough to need no allocation), and any other value is decoded
        // from the writer's own bytes, with no byte array made between them.
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value):
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalDigits.maximumCount) { digits in
                guard let base = digits.baseAddress else { return String(value) }
                return String(decoding: UnsafeBufferPointer(start: base, count: DecimalDigits.write(value, to: base)), as: UTF8.self)
            }
        default:
            var writer = JSONBytesWriter(pretty: false)
            writer.value(self)
            return writer.withBytes { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// `compact()` as UTF-8 bytes.
    public func compactUTF8() -> [UInt8] {
        var writer = JSONBytesWriter(pretty: false)
        writer.value(self)
        return writer.bytes
    }

    /// Shortest text that reads back as the same Double, always with a `.` or
    /// an exponent so it stays a float on the way back. JSON has no NaN or
    /// infinity: those print as null (the compiler refuses them in params).
    static func formatDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        let text = d.description
        if text.contains(".") || text.contains("e") || text.contains("E") { return text }
        return text + ".0"
    }
}

// MARK: - Parsing

/// Why a JSON text did not parse, with the byte offset where it went wrong.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    /// The key of the top-level object's member whose value failed, so a
    /// caller can name it (an output, a param).
    public var memberKey: String? = nil
    public var description: String { "\(message) at byte \(offset)" }
}

extension JSON {
    /// Parses one JSON value (RFC 8259) with surrounding whitespace. Integers
    /// stay integers and must fit in Int64; other numbers must be finite
    /// doubles; nesting is bounded so hostile input cannot exhaust the stack.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var copy = text
        let result = copy.withUTF8 { bytes -> Result<JSON, JSONParseError> in
            var parser = JSONParser(bytes: bytes)
            return Result { () throws(JSONParseError) -> JSON in
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.position == bytes.count else { throw parser.error("unexpected text after the value") }
                return value
            }
        }
        return try result.get()
    }
}

private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: position) }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    mutating func expect(_ literal: StaticString, _ value: JSON) throws(JSONParseError) -> JSON {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] { throw error("invalid literal") }
        position += count
        return value
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSON {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSON {
        position += 1
        var members: [(String, JSON)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            do { members.append((key, try value(depth: depth + 1))) } catch {
                var located = error
                if depth == 0 { located.memberKey = key }
                throw located
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSON {
        position += 1
        var items: [JSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    mutating func string() throws(JSONParseError) -> String {
        position += 1
        // UTF-8 gathered and decoded once at the end: appending each run to a
        // `String.UnicodeScalarView` copied all of it so far, so a long string
        // with many escapes (a whole document sent by an editor) was quadratic.
        // Invalid bytes are repaired as before: an escape never continues a sequence.
        var utf8: [UInt8] = []
        var runStart = position
        func flush(_ end: Int) {
            if end > runStart { utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end])) }
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                // No escape met (an escape always adds bytes): decoded straight from the text, no buffer of its own.
                if utf8.isEmpty {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                flush(position)
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                flush(position)
                position += 1
                do {
                    UTF8.encode(try JSONString.unescape(bytes, at: &position, end: bytes.count)) { utf8.append($0) }
                } catch {
                    throw self.error(Self.message(error))
                }
                runStart = position
            default:
                guard byte >= 0x20 else { throw error("control character in string") }
                position += 1
            }
        }
        throw error("unterminated string")
    }

    static func message(_ problem: JSONString.EscapeProblem) -> String {
        switch problem {
        case .truncated: "unterminated escape"
        case .unknownLetter: "invalid escape"
        case .shortUnicode: "short \\u escape"
        case .invalidHexDigit: "invalid hex digit"
        case .loneSurrogate: "lone surrogate"
        case .badSurrogatePair: "bad surrogate pair"
        case .notAScalar: "invalid \\u escape"
        }
    }

    mutating func number() throws(JSONParseError) -> JSON {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw error("invalid number") }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { position += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { throw error("invalid number") }
            while let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { throw error("invalid number") }
            while let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        // A number that cannot keep its kind is an error: an integer beyond
        // Int64 must not become an inexact float, nor 1e999 an infinity
        // (which JSON writes as null). The message leaves the digits out: they
        // may be a secret, and the offset locates them.
        if isInteger {
            guard let int = Int64(text) else {
                throw JSONParseError(message: "integer out of range (beyond 64 bits; write it as a string)", offset: start)
            }
            return .int(int)
        }
        guard let double = Double(text) else { throw JSONParseError(message: "invalid number", offset: start) }
        guard double.isFinite else { throw JSONParseError(message: "number out of range (beyond a 64-bit float)", offset: start) }
        return .double(double)
    }
}
