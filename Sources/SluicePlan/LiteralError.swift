#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where a literal (a duration, a cron schedule) is wrong, relative to the
/// literal's own text, counted in Unicode scalars: the checker adds `offset` to
/// the column of the YAML scalar that holds the literal, so the diagnostic
/// underlines exactly the bad part. Messages follow the rustc wording rules:
/// lowercase, no trailing period, user text quoted.
public struct LiteralError: Error, Equatable, Sendable {
    public var message: String
    /// Unicode scalars from the start of the literal's text to the bad part.
    public var offset: Int
    /// How many Unicode scalars the bad part spans (0 for "something is missing here").
    public var length: Int

    public init(message: String, offset: Int, length: Int) {
        self.message = message
        self.offset = offset
        self.length = length
    }
}

/// The literal's text split into Unicode scalars, so offsets are scalar counts
/// (what libyaml's columns count) and indexing never traps on user data.
///
/// Nearly every literal is ASCII, where a byte is a scalar: such text is kept
/// as its UTF-8 bytes (one copy, no decoding), and only other text is split
/// into scalars. Offsets, slices and answers are the same either way.
struct ScalarText {
    /// The text's bytes when it is all ASCII; empty otherwise.
    private let bytes: [UInt8]
    /// The text's scalars when it is not all ASCII; empty otherwise.
    private let wide: [Unicode.Scalar]
    private let isASCII: Bool
    let count: Int

    init(_ text: String) {
        var text = text
        let ascii = text.withUTF8 { utf8 -> [UInt8]? in
            for byte in utf8 where byte >= 0x80 { return nil }
            return Array(utf8)
        }
        if let ascii {
            bytes = ascii
            wide = []
            isASCII = true
            count = ascii.count
        } else {
            bytes = []
            wide = Array(text.unicodeScalars)
            isASCII = false
            count = wide.count
        }
    }

    /// The scalar at `index`, or nil past either end.
    subscript(safe index: Int) -> Unicode.Scalar? {
        guard index >= 0 && index < count else { return nil }
        return isASCII ? Unicode.Scalar(bytes[index]) : wide[index]
    }

    /// The index of the first `byte` (an ASCII character) at or after `start`, or `count`.
    func index(ofASCII byte: UInt8, from start: Int) -> Int {
        let from = max(0, start)
        guard from < count else { return count }
        if isASCII {
            return bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, let hit = memchr(base + from, Int32(byte), count - from) else { return count }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
        }
        let scalar = Unicode.Scalar(byte)
        return wide[from...].firstIndex(of: scalar) ?? count
    }

    /// The text of `[start, end)`, clamped to the bounds.
    func slice(_ start: Int, _ end: Int) -> String {
        let lo = max(0, min(start, count)), hi = max(lo, min(end, count))
        if isASCII {
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[lo..<hi]), as: UTF8.self) }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: wide[lo..<hi])
        return String(result)
    }

    /// `[start, end)` with leading and trailing whitespace removed.
    func trimmedBounds() -> (start: Int, end: Int) {
        var start = 0, end = count
        while start < end, let s = self[safe: start], isWhitespace(s) { start += 1 }
        while end > start, let s = self[safe: end - 1], isWhitespace(s) { end -= 1 }
        return (start, end)
    }
}

/// Unicode's White_Space property, answered without a property lookup for
/// ASCII (where it holds for tab, line feed, vertical tab, form feed,
/// carriage return and space).
func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.value < 0x80 { return scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D) }
    return scalar.properties.isWhitespace
}

extension String {
    /// The text in double quotes with quotes, backslashes and control
    /// characters escaped, so a message quoting user input stays on one line
    /// and cannot smuggle terminal escapes.
    var literalQuoted: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Unicode's Alphabetic property, answered without a property lookup for
/// ASCII (where it holds for the letters A-Z and a-z only).
func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.value < 0x80 { return (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A }
    return scalar.properties.isAlphabetic
}

/// Decimal digits only (no signs, no `_`), so `Int("+5")`-style leniency
/// never lets a sign slip through a literal.
func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
    guard let scalar else { return false }
    return scalar.value >= 0x30 && scalar.value <= 0x39
}
