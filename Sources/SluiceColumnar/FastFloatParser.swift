/// Clinger's fast path for decimal text: when the digits fit exactly in a
/// double (at most 2^53) and the power of ten is at most 22, one IEEE
/// multiplication or division gives the correctly rounded result. Typical
/// data (prices, measurements) takes this path; everything else returns nil
/// and goes to `strtod`.
enum FastFloatParser {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }  // exact: every 10^k up to 10^22 is representable
        return value
    }

    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative || text.first == UInt8(ascii: "+") { index = 1 }
        var mantissa: UInt64 = 0
        var digitCount = 0
        var exponent = 0
        let integerDigits = scanDigits(text, &index, into: &mantissa, count: &digitCount)
        var fractionDigits = 0
        if index < text.count && text[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = scanDigits(text, &index, into: &mantissa, count: &digitCount)
            exponent -= fractionDigits
        }
        guard integerDigits + fractionDigits > 0, digitCount <= 19 else { return nil }
        if index < text.count && text[index] | 0x20 == UInt8(ascii: "e") {
            guard let explicit = scanExponent(text, &index) else { return nil }
            exponent += explicit
        }
        guard index == text.count, mantissa <= 1 << 53, (-22...22).contains(exponent) else { return nil }
        let magnitude = exponent >= 0 ? Double(mantissa) * powersOfTen[exponent] : Double(mantissa) / powersOfTen[-exponent]
        return negative ? -magnitude : magnitude
    }

    /// Accumulates decimal digits; returns how many there were. Leading
    /// zeros do not count toward the 19 significant digits a UInt64 holds.
    private static func scanDigits(
        _ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, into mantissa: inout UInt64, count: inout Int
    ) -> Int {
        let start = index
        while index < text.count {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            if mantissa != 0 || digit != 0 { count += 1 }
            if count <= 19 { mantissa = mantissa &* 10 &+ UInt64(digit) }
            index += 1
        }
        return index - start
    }

    private static func scanExponent(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int? {
        index += 1
        var negative = false
        if index < text.count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var value = 0
        let start = index
        while index < text.count, case let digit = text[index] &- UInt8(ascii: "0"), digit < 10 {
            value = min(value * 10 + Int(digit), 100_000)
            index += 1
        }
        guard index > start else { return nil }
        return negative ? -value : value
    }
}
