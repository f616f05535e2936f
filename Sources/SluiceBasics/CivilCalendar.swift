/// Conversions between proleptic-Gregorian calendar dates and day numbers
/// (days since 1970-01-01), after Howard Hinnant's `days_from_civil` and
/// `civil_from_days`: pure integer arithmetic with floor division, so dates
/// before 1970 are right, the same on every platform, and cheap in a loop.
/// The one calendar of Sluice: Arrow dates and timestamps, journal times and
/// run ids, `{{ run.date }}`, cron schedules.
public enum CivilCalendar {
    public static let microsecondsPerSecond: Int64 = 1_000_000
    public static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Days since 1970-01-01 for a valid year/month/day.
    @inlinable
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day number.
    @inlinable
    public static func date(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Microseconds since the epoch as a day number and the microseconds
    /// into that day (never negative), without overflow at `Int64.min`.
    @inlinable
    public static func split(microseconds: Int64) -> (days: Int64, microsecondOfDay: Int64) {
        let days = floorDivide(microseconds, microsecondsPerDay)
        var inDay = microseconds % microsecondsPerDay  // not `- days * perDay`: that overflows at Int64.min
        if inDay < 0 { inDay += microsecondsPerDay }
        return (days, inDay)
    }

    /// 0 for Sunday … 6 for Saturday (cron's numbering); day 0 was a Thursday.
    @inlinable
    public static func weekday(fromDays days: Int64) -> Int {
        Int(((days % 7) + 11) % 7)
    }

    @inlinable
    public static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inlinable
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Division rounding toward negative infinity (Swift's `/` truncates).
    @inlinable
    public static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
