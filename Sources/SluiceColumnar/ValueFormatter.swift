import SluiceBasics

/// Text forms of values, chosen so that parsing them back with `ValueParser`
/// gives the identical value: this is what makes `sluice cat --format csv`
/// re-ingest to the same Arrow file.
enum ValueFormatter {
    /// The canonical text of a value; nil for null.
    static func text(_ value: ColumnValue) -> String? {
        switch value {
        case .null: return nil
        case .int64(let v): return String(v)
        case .float64(let v): return float(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        case .date(let v): return date(days: Int64(v))
        case .timestamp(let v): return timestamp(microseconds: v)
        }
    }

    /// Shortest text that reads back to the same bits (Swift's own
    /// `description` guarantees this); NaN and infinities as words.
    static func float(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }

    /// `YYYY-MM-DD`; years outside 0...9999 get a sign, as ISO 8601 allows.
    static func date(days: Int64) -> String {
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        return year4(year) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` when there are microseconds.
    static func timestamp(microseconds: Int64) -> String {
        let (days, inDay) = CivilCalendar.split(microseconds: microseconds)
        let seconds = inDay / CivilCalendar.microsecondsPerSecond
        let fraction = inDay % CivilCalendar.microsecondsPerSecond
        var text = date(days: days) + "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2)
        text += ":" + pad(seconds % 60, 2)
        if fraction != 0 { text += "." + pad(fraction, 6) }
        return text + "Z"
    }

    private static func year4(_ year: Int64) -> String {
        if (0...9999).contains(year) { return pad(year, 4) }
        return (year < 0 ? "-" : "+") + pad(year.magnitude, 4)
    }

    private static func pad<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
