#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceBasics

/// Time as the executor sees it; tests substitute a fake that only moves when told.
public protocol Clock: AnyObject, Sendable {
    /// Nanoseconds on a clock that never goes backwards.
    func monotonicNanoseconds() -> Int64
    /// Microseconds since 1970-01-01T00:00:00Z.
    func wallMicroseconds() -> Int64
}

public final class SystemClock: Clock {
    public init() {}

    public func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public func wallMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}

/// Wall-clock times for one run, derived from the monotonic clock and the
/// wall time at the start, so recorded times never go backwards even if the
/// system clock is stepped: a pool check on start/end times stays sound.
struct RunClock: Sendable {
    let clock: any Clock
    let startWall: Int64
    let startMono: Int64

    init(_ clock: any Clock) {
        self.clock = clock
        self.startMono = clock.monotonicNanoseconds()
        self.startWall = clock.wallMicroseconds()
    }

    /// Microseconds since the epoch, now.
    func now() -> Int64 { startWall + (clock.monotonicNanoseconds() - startMono) / 1000 }
    func mono() -> Int64 { clock.monotonicNanoseconds() }
}

/// UTC timestamps as the journal and `show` write them.
public enum Timestamp {
    /// `2026-11-21T06:00:00.123Z` (milliseconds, truncated: truncation keeps order).
    public static func iso(_ micros: Int64) -> String {
        let fixed = String(unsafeUninitializedCapacity: isoCount) { out in writeISO(micros, into: out) ? isoCount : 0 }
        if !fixed.isEmpty { return fixed }
        let (days, micro) = CivilCalendar.split(microseconds: micros)
        let (y, m, d) = CivilCalendar.date(fromDays: days)
        let seconds = micro / 1_000_000
        let millis = (micro % 1_000_000) / 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(millis, 3))Z"
    }

    /// The length of `iso`'s text for a year of four digits.
    static let isoCount = 24

    /// Writes `iso(micros)` into the first `isoCount` bytes of `out` and
    /// returns true, or writes nothing and returns false when the year is
    /// outside 0...9999 (which `iso` spells its slower way). Every journal
    /// line carries a time: its digits and separators are written in place,
    /// not seven padded strings interpolated (17,000 instructions each), and
    /// a journal line takes them without a `String` made for them.
    static func writeISO(_ micros: Int64, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        let (days, micro) = CivilCalendar.split(microseconds: micros)
        let (y, m, d) = CivilCalendar.date(fromDays: days)
        guard (0...9999).contains(y), out.count >= isoCount else { return false }
        let seconds = micro / 1_000_000
        let millis = (micro % 1_000_000) / 1000
        func put(_ value: Int64, _ width: Int, at start: Int) {
            var rest = value
            var i = start + width
            while i > start {
                i -= 1
                out[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
        }
        put(y, 4, at: 0); out[4] = UInt8(ascii: "-"); put(m, 2, at: 5); out[7] = UInt8(ascii: "-"); put(d, 2, at: 8)
        out[10] = UInt8(ascii: "T"); put(seconds / 3600, 2, at: 11); out[13] = UInt8(ascii: ":")
        put(seconds / 60 % 60, 2, at: 14); out[16] = UInt8(ascii: ":"); put(seconds % 60, 2, at: 17)
        out[19] = UInt8(ascii: "."); put(millis, 3, at: 20); out[23] = UInt8(ascii: "Z")
        return true
    }

    /// `2026-11-21`, the value of `{{ run.date }}`.
    public static func date(_ micros: Int64) -> String {
        let (y, m, d) = CivilCalendar.date(fromDays: CivilCalendar.split(microseconds: micros).days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// `20261121T060000.123Z`, the time part of a run id (sorts as it reads).
    public static func compact(_ micros: Int64) -> String {
        let (days, micro) = CivilCalendar.split(microseconds: micros)
        let (y, m, d) = CivilCalendar.date(fromDays: days)
        let seconds = micro / 1_000_000
        let millis = (micro % 1_000_000) / 1000
        return "\(pad(y, 4))\(pad(m, 2))\(pad(d, 2))T\(pad(seconds / 3600, 2))\(pad(seconds / 60 % 60, 2))\(pad(seconds % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Reads `iso` output back (microseconds); nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.last == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int64(b[i] - 48)
            }
            return value
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
        var fraction: Int64 = 0
        if b.count > 21, b[19] == UInt8(ascii: ".") {
            let digits = b.count - 21
            guard digits <= 6, let f = number(20, digits) else { return nil }
            fraction = f
            for _ in digits..<6 { fraction *= 10 }
        }
        let days = CivilCalendar.days(year: y, month: mo, day: d)
        return ((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000) + fraction
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
