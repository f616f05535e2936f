import SluiceBasics

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

    /// The bytes an escape stands for (the backslash already consumed),
    /// read by `JSONString.unescape`, the one reader of JSON escapes.
    private mutating func escapeSequence() throws -> [UInt8] {
        let scalar: Unicode.Scalar
        do {
            scalar = try JSONString.unescape(UnsafeBufferPointer(bytes), at: &index, end: end)
        } catch {
            switch error {
            case .truncated: throw JSONSyntaxError(problem: "a string is never closed")
            case .unknownLetter: throw JSONSyntaxError(problem: "an invalid escape sequence in a string")
            case .shortUnicode, .invalidHexDigit, .loneSurrogate, .badSurrogatePair, .notAScalar:
                throw JSONSyntaxError(problem: "an invalid \\u escape in a string")
            }
        }
        return scalar.isASCII ? [UInt8(scalar.value)] : Array(String(scalar).utf8)
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
