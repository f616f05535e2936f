import Foundation
import SluiceBasics

/// A schedule: 5-field cron (`minute hour day-of-month month day-of-week`,
/// each a comma list of `*`, `N`, `A-B`, `*/S`, `A-B/S` or `N/S`, with
/// case-insensitive `JAN`-`DEC` / `SUN`-`SAT` names and `7` as Sunday) or an
/// alias (`@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`,
/// `@quarterly`, `@yearly`, `@annually`, and Airflow's `@once`). Day-of-month
/// and day-of-week combine as in Vixie cron: when both are restricted (neither
/// starts with `*`) a day matching either fires.
public struct CronSchedule: Equatable, Sendable {
    /// The schedule as given, normalised: whitespace collapsed to single spaces,
    /// aliases lower-cased. This is what the Airflow exporter writes.
    public var text: String
    /// `@once`: one run, no recurrence (`nextFire` returns nil).
    public var isOnce: Bool
    // Bit i set = value i allowed; why masks: matching is one AND per field.
    var minutes: UInt64 = 0, hours: UInt64 = 0, daysOfMonth: UInt64 = 0, months: UInt64 = 0, daysOfWeek: UInt64 = 0
    var dayOfMonthIsStar = true, dayOfWeekIsStar = true

    /// Parses `text`; never traps. Errors point at the offending field or token.
    public static func parse(_ text: String) -> Result<CronSchedule, LiteralError> {
        let scalars = ScalarText(text)
        let fields = CronToken.split(scalars)
        do {
            if let first = fields.first, first.text.hasPrefix("@") {
                return .success(try alias(first, rest: fields.dropFirst()))
            }
            return .success(try fiveFields(fields, in: scalars))
        } catch {
            return .failure(error)
        }
    }

    private static let aliases: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@quarterly": "0 0 1 */3 *",
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    private static func alias(_ token: CronToken, rest: ArraySlice<CronToken>) throws(LiteralError) -> CronSchedule {
        let name = token.text.lowercased()
        if let extra = rest.first, let last = rest.last {
            throw LiteralError(message: "unexpected \(extra.text.literalQuoted) after \(token.text): an alias stands alone",
                               offset: extra.offset, length: last.end - extra.offset)
        }
        if name == "@once" { return CronSchedule(text: name, isOnce: true) }
        guard let expansion = aliases[name], case .success(var schedule) = parse(expansion) else {
            throw LiteralError(
                message: "unknown schedule alias \(token.text.literalQuoted) (expected @hourly, @daily, @midnight, "
                    + "@weekly, @monthly, @quarterly, @yearly, @annually or @once)",
                offset: token.offset, length: token.length)
        }
        schedule.text = name
        return schedule
    }

    private static func fiveFields(_ fields: [CronToken], in text: ScalarText) throws(LiteralError) -> CronSchedule {
        guard fields.count == 5 else { throw fieldCountError(fields, in: text) }
        var schedule = CronSchedule(text: fields.map(\.text).joined(separator: " "), isOnce: false)
        schedule.minutes = try CronField.minute.parse(fields[0])
        schedule.hours = try CronField.hour.parse(fields[1])
        schedule.daysOfMonth = try CronField.dayOfMonth.parse(fields[2])
        schedule.months = try CronField.month.parse(fields[3])
        let dow = try CronField.dayOfWeek.parse(fields[4])
        schedule.daysOfWeek = (dow & 0x7F) | (dow >> 7) // 7 is Sunday too: fold it onto 0
        schedule.dayOfMonthIsStar = fields[2].text.hasPrefix("*")
        schedule.dayOfWeekIsStar = fields[4].text.hasPrefix("*")
        return schedule
    }

    /// Too few fields: the whole text is wrong. Too many: the extra ones are.
    private static func fieldCountError(_ fields: [CronToken], in text: ScalarText) -> LiteralError {
        let expected = "5 cron fields (minute hour day-of-month month day-of-week)"
        guard fields.count > 5, let last = fields.last else {
            let bounds = text.trimmedBounds()
            let found = fields.isEmpty ? "an empty schedule" : "\(fields.count)"
            return LiteralError(message: "expected \(expected) or an alias such as @daily, found \(found)",
                                offset: bounds.start, length: bounds.end - bounds.start)
        }
        let extra = fields[5]
        return LiteralError(message: "expected \(expected), found \(fields.count) (seconds and years are not supported)",
                            offset: extra.offset, length: last.end - extra.offset)
    }

    /// Whether the schedule fires at `date`'s minute (UTC).
    public func matches(_ date: Date) -> Bool {
        guard !isOnce, let minute = CivilMinute(date) else { return false }
        return dayMatches(minute.day) && has(hours, minute.hour) && has(minutes, minute.minute)
    }

    /// The first firing strictly after `after` (UTC, whole minutes), or nil
    /// for `@once` and for schedules that never fire (`0 0 30 2 *`) within
    /// 400 years (one full Gregorian cycle: if it has not fired by then it never will).
    public func nextFire(after: Date) -> Date? {
        guard !isOnce, let start = CivilMinute(after, plusMinutes: 1) else { return nil }
        var day = start.day
        var fromMinute = start.hour * 60 + start.minute
        while day < start.day + 146_097 {
            let (year, month, _) = CivilCalendar.date(fromDays: day)
            if !has(months, Int(month)) {
                // Skip the whole month rather than testing each of its days.
                day = CivilCalendar.days(year: month == 12 ? year + 1 : year, month: month % 12 + 1, day: 1)
            } else if dayMatches(day), let minuteOfDay = firstMinute(from: fromMinute) {
                return Date(timeIntervalSince1970: Double(day * 86_400 + Int64(minuteOfDay) * 60))
            } else {
                day += 1
            }
            fromMinute = 0
        }
        return nil
    }

    private func dayMatches(_ day: Int64) -> Bool {
        let (_, month, dayOfMonth) = CivilCalendar.date(fromDays: day)
        let dom = has(daysOfMonth, Int(dayOfMonth)), dow = has(daysOfWeek, CivilCalendar.weekday(fromDays: day))
        guard has(months, Int(month)) else { return false }
        return dayOfMonthIsStar || dayOfWeekIsStar ? dom && dow : dom || dow
    }

    /// The first allowed minute of the day at or after `minuteOfDay`.
    private func firstMinute(from minuteOfDay: Int) -> Int? {
        var hour = minuteOfDay / 60, minute = minuteOfDay % 60
        while hour < 24 {
            if has(hours, hour), let found = Self.nextBit(minutes, from: minute) { return hour * 60 + found }
            hour += 1
            minute = 0
        }
        return nil
    }

    private func has(_ mask: UInt64, _ value: Int) -> Bool {
        value >= 0 && value < 64 && mask & (1 << UInt64(value)) != 0
    }

    private static func nextBit(_ mask: UInt64, from value: Int) -> Int? {
        guard value < 64 else { return nil }
        let rest = mask & ~((1 << UInt64(value)) &- 1)
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }
}

/// One whitespace-separated piece of the schedule, with its scalar offset.
struct CronToken {
    var text: String
    var offset: Int
    var length: Int { text.unicodeScalars.count }
    var end: Int { offset + length }

    static func split(_ text: ScalarText) -> [CronToken] {
        var tokens: [CronToken] = [], index = 0
        while index < text.count {
            while let s = text[safe: index], s.properties.isWhitespace { index += 1 }
            let start = index
            while let s = text[safe: index], !s.properties.isWhitespace { index += 1 }
            if index > start { tokens.append(CronToken(text: text.slice(start, index), offset: start)) }
        }
        return tokens
    }

    /// Splits on `separator`, keeping each piece's offset (empty pieces included).
    func split(on separator: Character) -> [CronToken] {
        var pieces: [CronToken] = [], start = offset, current = ""
        for scalar in text.unicodeScalars {
            if Character(scalar) == separator {
                pieces.append(CronToken(text: current, offset: start))
                start += current.unicodeScalars.count + 1
                current = ""
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        pieces.append(CronToken(text: current, offset: start))
        return pieces
    }
}

/// One of the five cron fields: its name for messages, bounds and value names.
struct CronField {
    var name: String
    var min: Int
    var max: Int
    var names: [String] = []

    static let minute = CronField(name: "minute", min: 0, max: 59)
    static let hour = CronField(name: "hour", min: 0, max: 23)
    static let dayOfMonth = CronField(name: "day-of-month", min: 1, max: 31)
    static let month = CronField(name: "month", min: 1, max: 12, names: [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
    static let dayOfWeek = CronField(name: "day-of-week", min: 0, max: 7, names: [
        "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])

    /// The allowed values of a whole field (a comma list) as a bit mask.
    func parse(_ field: CronToken) throws(LiteralError) -> UInt64 {
        var mask: UInt64 = 0
        for (index, item) in field.split(on: ",").enumerated() {
            guard !item.text.isEmpty else {
                // Point at the comma that leaves the item empty.
                let comma = index == 0 ? item.offset : item.offset - 1
                throw LiteralError(message: "\(name) has an empty list item", offset: comma, length: 1)
            }
            mask |= try parseItem(item)
        }
        return mask
    }

    private func parseItem(_ item: CronToken) throws(LiteralError) -> UInt64 {
        let parts = item.split(on: "/")
        guard parts.count <= 2, let base = parts.first else { throw malformed(item) }
        let step = parts.count == 2 ? try parseStep(parts[1]) : 1
        let (low, high) = try parseBase(base, stepped: parts.count == 2, item: item)
        var mask: UInt64 = 0
        for value in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(value) }
        return mask
    }

    private func parseBase(_ base: CronToken, stepped: Bool, item: CronToken) throws(LiteralError) -> (Int, Int) {
        if base.text == "*" { return (min, max) }
        let ends = base.split(on: "-")
        guard ends.count <= 2, ends.allSatisfy({ !$0.text.isEmpty && $0.text != "*" }) else { throw malformed(item) }
        let low = try value(ends[0])
        guard ends.count == 2 else { return (low, stepped ? max : low) }
        let high = try value(ends[1])
        guard low <= high else {
            throw LiteralError(message: "\(name) range \(base.text) must ascend", offset: base.offset, length: base.length)
        }
        return (low, high)
    }

    private func parseStep(_ step: CronToken) throws(LiteralError) -> Int {
        let number = Self.number(step.text)
        guard let number, number >= 1, number <= max else {
            let shown = number == nil ? step.text.literalQuoted : step.text
            let problem = number == nil ? "is not a number" : "is out of range 1-\(max)"
            throw LiteralError(message: "\(name) step \(shown) \(problem)", offset: step.offset, length: step.length)
        }
        return number
    }

    private func value(_ token: CronToken) throws(LiteralError) -> Int {
        if let number = Self.number(token.text) {
            guard number >= min, number <= max else {
                throw LiteralError(message: "\(name) \(token.text) is out of range \(min)-\(max)",
                                   offset: token.offset, length: token.length)
            }
            return number
        }
        if let index = names.firstIndex(of: token.text.uppercased()) { return index + min }
        let nameHint = names.first.map { first in " or a name (\(first)-\(names.last ?? first))" } ?? ""
        throw LiteralError(message: "\(name) \(token.text.literalQuoted) is not a number (\(min)-\(max))\(nameHint)",
                           offset: token.offset, length: token.length)
    }

    private func malformed(_ item: CronToken) -> LiteralError {
        LiteralError(message: "\(name) \(item.text.literalQuoted) is not a value, range or step (e.g. 5, 1-5, */15)",
                     offset: item.offset, length: item.length)
    }

    /// ASCII digits only, capped so a 40-digit number is "out of range", not a trap.
    private static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy(isDigit) else { return nil }
        let digits = text.drop { $0 == "0" }
        return digits.count > 6 ? 1_000_000 : Int(digits.isEmpty ? "0" : String(digits))
    }
}

/// A UTC minute as a day number (days since 1970-01-01), hour and minute.
/// Why not `Calendar`: `CivilCalendar`'s formulas are exact, cheap in a loop,
/// and give the same answer on every platform.
struct CivilMinute {
    var day: Int64
    var hour: Int
    var minute: Int

    /// Nil for dates no schedule can meaningfully reach (NaN, ±millions of years).
    init?(_ date: Date, plusMinutes: Int64 = 0) {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e13 else { return nil }
        let total = Int64((seconds / 60).rounded(.down)) + plusMinutes
        let minuteOfDay = ((total % 1440) + 1440) % 1440
        day = (total - minuteOfDay) / 1440
        hour = Int(minuteOfDay / 60)
        minute = Int(minuteOfDay % 60)
    }
}
