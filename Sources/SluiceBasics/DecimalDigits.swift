/// An integer's decimal text (`String(value)`'s bytes), written in place
/// without making the string: the plan's JSON, journal lines and cache keys
/// write many numbers, and `String(value)` goes through the generic radix
/// conversion and an allocation for each. One definition for `ByteBuffer`
/// and `[UInt8]` alike.
public enum DecimalDigits {
    /// A sign and at most 19 digits (Int64.min's magnitude is 9223372036854775808).
    public static let maximumCount = 20

    /// Writes `value`'s digits at `out`, which has room for `maximumCount`
    /// bytes, and returns how many it wrote.
    @inlinable
    public static func write(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 0
        if value < 0 {
            out.initialize(to: UInt8(ascii: "-"))
            count = 1
        }
        // The magnitude as UInt64, so Int64.min has one too; its digits come out last first.
        var rest = value.magnitude
        let first = count
        repeat {
            (out + count).initialize(to: UInt8(ascii: "0") + UInt8(rest % 10))
            count += 1
            rest /= 10
        } while rest > 0
        var digits = UnsafeMutableBufferPointer(start: out + first, count: count - first)
        digits.reverse()
        return count
    }
}

extension Array where Element == UInt8 {
    /// Appends `value`'s decimal digits (`DecimalDigits`).
    public mutating func appendDecimal(_ value: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalDigits.maximumCount) { digits in
            guard let base = digits.baseAddress else { return }
            append(contentsOf: UnsafeBufferPointer(start: base, count: DecimalDigits.write(value, to: base)))
        }
    }
}
