/// A JSON value as found on a line, before it meets a column type. String
/// and number tokens refer to bytes of the line (strings already unescaped).
enum JSONToken {
    case null
    case bool(Bool)
    case number(Range<Int>)
    case string(Range<Int>)
    /// An object or array: never a valid cell.
    case nested(String)
}

/// A syntax problem on one JSON line.
struct JSONSyntaxError: Error {
    let problem: String
}

/// Parses one line holding a flat JSON object (`{"col": scalar, ...}`).
/// Strings are unescaped in place, which is safe because the unescaped form
/// is never longer than the escaped one.
struct JSONLineParser {
    let bytes: UnsafeMutableBufferPointer<UInt8>
    private var index: Int
    private let end: Int

    init(bytes: UnsafeMutableBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        index = range.lowerBound
        end = range.upperBound
    }

    /// Calls `body` with each key's bytes and its value, in line order.
    mutating func parseObject(_ body: (UnsafeBufferPointer<UInt8>, JSONToken) throws -> Void) throws {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { throw JSONSyntaxError(problem: "expected a JSON object") }
        skipSpace()
        if !take(UInt8(ascii: "}")) {
            repeat {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw JSONSyntaxError(problem: "expected a quoted key") }
                let key = try stringToken()
                skipSpace()
                guard take(UInt8(ascii: ":")) else { throw JSONSyntaxError(problem: "expected ':' after a key") }
                skipSpace()
                try body(UnsafeBufferPointer(rebasing: bytes[key]), try valueToken())
                skipSpace()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { throw JSONSyntaxError(problem: "expected ',' or '}'") }
        }
        skipSpace()
        guard index == end else { throw JSONSyntaxError(problem: "unexpected text after the object") }
    }

    private mutating func valueToken() throws -> JSONToken {
        guard let first = peek else { throw JSONSyntaxError(problem: "a key without a value") }
        switch first {
        case UInt8(ascii: "\""): return .string(try stringToken())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return .nested(first == UInt8(ascii: "{") ? "a JSON object" : "a JSON array")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(numberToken())
        default:
            if takeWord("null") { return .null }
            if takeWord("true") { return .bool(true) }
            if takeWord("false") { return .bool(false) }
            throw JSONSyntaxError(problem: "invalid JSON value")
        }
    }

    private mutating func numberToken() -> Range<Int> {
        let start = index
        while let byte = peek, isNumberCharacter(byte) { index += 1 }
        return start..<index
    }

    private func isNumberCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
    }

    /// Unescapes a string token in place; returns where its bytes now are.
    private mutating func stringToken() throws -> Range<Int> {
        index += 1  // opening quote
        let start = index
        var write = index
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\"") { return start..<write }
            guard byte >= 0x20 else { throw JSONSyntaxError(problem: "a control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                for decoded in try escapeSequence() {
                    bytes[write] = decoded
                    write += 1
                }
            } else {
                bytes[write] = byte
                write += 1
            }
        }
        throw JSONSyntaxError(problem: "a string is never closed")
    }

    /// The bytes an escape stands for (the backslash already consumed).
    private mutating func escapeSequence() throws -> [UInt8] {
        guard let letter = peek else { throw JSONSyntaxError(problem: "a string is never closed") }
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [letter]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "u"): return Array(String(try unicodeEscape()).utf8)
        default: throw JSONSyntaxError(problem: "an invalid escape sequence in a string")
        }
    }

    /// `\uXXXX`, combining a surrogate pair when one follows.
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        let high = try hexQuad()
        if (0xD800...0xDBFF).contains(high) {
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) else { throw invalidEscape }
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low),
                  let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else { throw invalidEscape }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw invalidEscape }
        return scalar
    }

    private var invalidEscape: JSONSyntaxError { JSONSyntaxError(problem: "an invalid \\u escape in a string") }

    private mutating func hexQuad() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Self.hexValue(byte) else { throw invalidEscape }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private var peek: UInt8? { index < end ? bytes[index] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func takeWord(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard length <= end - index else { return false }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: length)
        guard zip(bytes[index..<(index + length)], expected).allSatisfy(==) else { return false }
        index += length
        return true
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A { index += 1 }
    }
}
