import SluiceBasics

/// A forward reader over ASCII date/time text. Every accessor checks bounds
/// and returns nil instead of trapping.
struct TextCursor {
    private let text: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ text: UnsafeBufferPointer<UInt8>) {
        self.text = text
    }

    var isAtEnd: Bool { index == text.count }

    /// `[+-]YYYY-MM-DD` → days since 1970-01-01, nil unless a real date.
    mutating func calendarDate() -> Int64? {
        let negative = take("-")
        if !negative { _ = take("+") }
        let sign: Int64 = negative ? -1 : 1
        guard let year = digits(min: 4, max: 7), take("-"),
              let month = digits(min: 2, max: 2), take("-"),
              let day = digits(min: 2, max: 2),
              (1...12).contains(month),
              (1...CivilCalendar.daysInMonth(year: sign * year, month: month)).contains(day)
        else { return nil }
        return CivilCalendar.days(year: sign * year, month: month, day: day)
    }

    /// `DATE[(T|t|space)HH:MM[:SS[(.|,)fraction]]][Z|z|±HH[:]MM|±HH]` →
    /// microseconds since the epoch in UTC. No zone means UTC. Digits past
    /// the microsecond must be zeros: nothing is silently rounded away.
    mutating func timestamp() -> Int64? {
        guard let days = calendarDate() else { return nil }
        var secondsInDay: Int64 = 0
        var fraction: Int64 = 0
        if take("T") || take("t") || take(" ") {
            guard let time = timeOfDay() else { return nil }
            (secondsInDay, fraction) = time
        }
        guard let offsetSeconds = zoneOffset() else { return nil }
        let rest = (secondsInDay - offsetSeconds) * CivilCalendar.microsecondsPerSecond + fraction
        // Before 1970, shift one day into `rest` so the earliest instants
        // (down to Int64.min) do not overflow in the multiplication.
        let wholeDays = days < 0 ? days + 1 : days
        let (dayMicros, overflow) = wholeDays.multipliedReportingOverflow(by: CivilCalendar.microsecondsPerDay)
        guard !overflow else { return nil }
        let (total, overflow2) = dayMicros.addingReportingOverflow(days < 0 ? rest - CivilCalendar.microsecondsPerDay : rest)
        return overflow2 ? nil : total
    }

    private mutating func timeOfDay() -> (seconds: Int64, micros: Int64)? {
        guard let hour = digits(min: 2, max: 2), hour < 24, take(":"),
              let minute = digits(min: 2, max: 2), minute < 60 else { return nil }
        var second: Int64 = 0
        var micros: Int64 = 0
        if take(":") {
            guard let value = digits(min: 2, max: 2), value < 60 else { return nil }
            second = value
            if take(".") || take(",") {
                guard let value = fractionMicros() else { return nil }
                micros = value
            }
        }
        return (hour * 3600 + minute * 60 + second, micros)
    }

    /// Up to 6 significant digits; further digits must be 0.
    private mutating func fractionMicros() -> Int64? {
        var micros: Int64 = 0
        var count = 0
        while let digit = peekDigit() {
            index += 1
            if count < 6 {
                micros = micros * 10 + digit
            } else if digit != 0 {
                return nil
            }
            count += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 6) { micros *= 10 }
        return micros
    }

    /// Seconds east of UTC; 0 when there is no zone.
    private mutating func zoneOffset() -> Int64? {
        if isAtEnd { return 0 }
        if take("Z") || take("z") { return 0 }
        let sign: Int64
        if take("+") { sign = 1 } else if take("-") { sign = -1 } else { return nil }
        guard let hours = digits(min: 2, max: 2), hours < 24 else { return nil }
        var minutes: Int64 = 0
        if !isAtEnd {
            _ = take(":")
            guard let value = digits(min: 2, max: 2), value < 60 else { return nil }
            minutes = value
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    private mutating func digits(min: Int, max: Int) -> Int64? {
        var value: Int64 = 0
        var count = 0
        while count < max, let digit = peekDigit() {
            value = value * 10 + digit
            index += 1
            count += 1
        }
        return count >= min ? value : nil
    }

    private func peekDigit() -> Int64? {
        guard index < text.count else { return nil }
        let digit = text[index] &- UInt8(ascii: "0")
        return digit < 10 ? Int64(digit) : nil
    }

    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < text.count, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }
}
