#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses the text conventions of ingest, straight from bytes (no `String`
/// per field, which matters at millions of rows). Each parser returns nil on
/// any malformed or out-of-range input; `CellConverter` words the error.
enum ValueParser {
    /// Optional sign and decimal digits, nothing else (no spaces, no `1e3`).
    static func int64(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative || text.first == UInt8(ascii: "+") { index = 1 }
        guard index < text.count else { return nil }
        var magnitude: UInt64 = 0
        while index < text.count {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Decimal or scientific notation, or NaN / inf / infinity in any case
    /// with an optional sign. Hex floats and surrounding spaces are refused.
    static func float64(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        if let fast = FastFloatParser.parse(text) { return fast }
        if let special = specialFloat(text) { return special }
        guard !text.isEmpty, text.count < 512, text.allSatisfy(isDecimalFloatCharacter) else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { cString -> Double? in
            for (index, byte) in text.enumerated() { cString[index] = CChar(bitPattern: byte) }
            cString[text.count] = 0
            guard let start = cString.baseAddress else { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(start, &end)
            return end == start + text.count ? value : nil
        }
    }

    /// `true`/`false` in any case, or `1`/`0`.
    static func bool(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        if text.count == 1 {
            if text[0] == UInt8(ascii: "1") { return true }
            if text[0] == UInt8(ascii: "0") { return false }
            return nil
        }
        if equalsIgnoringCase(text, "true") { return true }
        if equalsIgnoringCase(text, "false") { return false }
        return nil
    }

    /// `YYYY-MM-DD` (a sign and more year digits allowed) as days since 1970.
    static func date(_ text: UnsafeBufferPointer<UInt8>) -> Int32? {
        var cursor = TextCursor(text)
        guard let days = cursor.calendarDate(), cursor.isAtEnd else { return nil }
        return Int32(exactly: days)
    }

    /// ISO 8601 date-time as microseconds since the epoch, UTC. See
    /// `TextCursor.timestamp()` for the accepted shapes.
    static func timestamp(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = TextCursor(text)
        guard let value = cursor.timestamp(), cursor.isAtEnd else { return nil }
        return value
    }

    private static func specialFloat(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let first = text.first else { return nil }
        let hasSign = first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        let word = UnsafeBufferPointer(rebasing: text[(hasSign ? 1 : 0)...])
        let sign: Double = first == UInt8(ascii: "-") ? -1 : 1
        if equalsIgnoringCase(word, "nan") { return .nan }
        if equalsIgnoringCase(word, "inf") || equalsIgnoringCase(word, "infinity") { return sign * .infinity }
        return nil
    }

    private static func isDecimalFloatCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
             UInt8(ascii: "+"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func equalsIgnoringCase(_ text: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard text.count == word.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (actual, wanted) in zip(text, expected) where actual | 0x20 != wanted {
            return false
        }
        return true
    }
}
