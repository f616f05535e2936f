import Foundation
import Testing
@testable import SluicePlan

@Suite("CronSchedule")
struct CronScheduleTests {
    @Test(arguments: [
        ("0 6 * * 1-5", "0 6 * * 1-5"), ("*/15 * * * *", "*/15 * * * *"),
        ("0 0 1 JAN,jul *", "0 0 1 JAN,jul *"), ("0 9-17/2 * * MON-fri", "0 9-17/2 * * MON-fri"),
        ("5/10 * * * *", "5/10 * * * *"), ("0 0 * * 7", "0 0 * * 7"), ("0 0 * * 5-7", "0 0 * * 5-7"),
        ("  0   6 *\t* *  ", "0 6 * * *"), ("0,30 0-23/1 1-31 1-12 0-6", "0,30 0-23/1 1-31 1-12 0-6"),
        ("@daily", "@daily"), ("@DAILY", "@daily"), (" @hourly ", "@hourly"), ("@midnight", "@midnight"),
        ("@weekly", "@weekly"), ("@monthly", "@monthly"), ("@quarterly", "@quarterly"),
        ("@yearly", "@yearly"), ("@annually", "@annually"), ("@once", "@once"),
    ])
    func parsesValid(text: String, normalized: String) throws {
        let schedule = try CronSchedule.parse(text).get()
        #expect(schedule.text == normalized)
        #expect(schedule.isOnce == (normalized == "@once"))
    }

    static let fieldNames = "5 cron fields (minute hour day-of-month month day-of-week)"

    @Test(arguments: [
        BadLiteral("61 * * * *", "minute 61 is out of range 0-59", 0, 2),
        BadLiteral("  61 * * * *", "minute 61 is out of range 0-59", 2, 2),
        BadLiteral("0 24 * * *", "hour 24 is out of range 0-23", 2, 2),
        BadLiteral("0 0 0 * *", "day-of-month 0 is out of range 1-31", 4, 1),
        BadLiteral("0 0 * 13 *", "month 13 is out of range 1-12", 6, 2),
        BadLiteral("0 0 * * 8", "day-of-week 8 is out of range 0-7", 8, 1),
        BadLiteral("1-99999999999999999999 * * * *", "minute 99999999999999999999 is out of range 0-59", 2, 20),
        BadLiteral("0 0 * * FRI-MON", "day-of-week range FRI-MON must ascend", 8, 7),
        BadLiteral("0 0 * * 1,5-2/2", "day-of-week range 5-2 must ascend", 10, 3),
        BadLiteral("0 0 Mon-Fri * *", "day-of-month \"Mon\" is not a number (1-31)", 4, 3),
        BadLiteral("0 0 * FOO *", "month \"FOO\" is not a number (1-12) or a name (JAN-DEC)", 6, 3),
        BadLiteral("0 0 * * MONDAY", "day-of-week \"MONDAY\" is not a number (0-7) or a name (SUN-SAT)", 8, 6),
        BadLiteral("0 \u{00E9} * * *", "hour \"\u{00E9}\" is not a number (0-23)", 2, 1),
        BadLiteral("e\u{301} 0 * * 9", "minute \"e\u{301}\" is not a number (0-59)", 0, 2),
        BadLiteral("0 e\u{301} * * 9", "hour \"e\u{301}\" is not a number (0-23)", 2, 2),
        BadLiteral("0 0 * * e\u{301}", "day-of-week \"e\u{301}\" is not a number (0-7) or a name (SUN-SAT)", 8, 2),
        BadLiteral("*/0 * * * *", "minute step 0 is out of range 1-59", 2, 1),
        BadLiteral("0 */24 * * *", "hour step 24 is out of range 1-23", 4, 2),
        BadLiteral("*/x * * * *", "minute step \"x\" is not a number", 2, 1),
        BadLiteral("*/ * * * *", "minute step \"\" is not a number", 2, 0),
        BadLiteral("1-2-3 * * * *", "minute \"1-2-3\" is not a value, range or step (e.g. 5, 1-5, */15)", 0, 5),
        BadLiteral("5-* * * * *", "minute \"5-*\" is not a value, range or step (e.g. 5, 1-5, */15)", 0, 3),
        BadLiteral("1/2/3 * * * *", "minute \"1/2/3\" is not a value, range or step (e.g. 5, 1-5, */15)", 0, 5),
        BadLiteral("/5 * * * *", "minute \"/5\" is not a value, range or step (e.g. 5, 1-5, */15)", 0, 2),
        BadLiteral("1,,2 * * * *", "minute has an empty list item", 1, 1),
        BadLiteral(",1 * * * *", "minute has an empty list item", 0, 1),
        BadLiteral("0 1, * * *", "hour has an empty list item", 3, 1),
        BadLiteral("0 6 * *", "expected \(fieldNames) or an alias such as @daily, found 4", 0, 7),
        BadLiteral(" 0 6 * * \n", "expected \(fieldNames) or an alias such as @daily, found 4", 1, 7),
        BadLiteral("", "expected \(fieldNames) or an alias such as @daily, found an empty schedule", 0, 0),
        BadLiteral("0 0 6 * * * 2026", "expected \(fieldNames), found 7 (seconds and years are not supported)", 10, 6),
        BadLiteral("@hourlyy", "unknown schedule alias \"@hourlyy\" (expected @hourly, @daily, @midnight, @weekly, @monthly, @quarterly, @yearly, @annually or @once)", 0, 8),
        BadLiteral("@daily 5", "unexpected \"5\" after @daily: an alias stands alone", 7, 1),
        BadLiteral("@daily 5 6", "unexpected \"5\" after @daily: an alias stands alone", 7, 3),
    ])
    func rejectsInvalid(bad: BadLiteral) {
        #expect(CronSchedule.parse(bad.text) == .failure(LiteralError(message: bad.message, offset: bad.offset, length: bad.length)))
    }

    @Test(arguments: [
        ("0 6 * * 1-5", "2026-11-21T06:00:00Z", "2026-11-23T06:00:00Z"),  // Saturday -> Monday
        ("*/15 * * * *", "2026-11-21T10:07:30Z", "2026-11-21T10:15:00Z"),
        ("@hourly", "2026-11-21T10:00:00Z", "2026-11-21T11:00:00Z"),          // strictly after
        ("0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),       // leap day
        ("0 0 1,15 * 1", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"),     // both restricted: either
        ("0 0 1,15 * *", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z"),
        ("0 0 */2 * 1", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"),      // `*/2` counts as a star
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"),
        ("@quarterly", "2026-02-10T08:00:00Z", "2026-04-01T00:00:00Z"),
        ("0 0 * * 7", "2026-11-21T12:00:00Z", "2026-11-22T00:00:00Z"),       // 7 is Sunday
        ("0 0 * * sun", "2026-11-21T12:00:00Z", "2026-11-22T00:00:00Z"),
        ("30 4 * FEB-MAR/1 *", "1969-12-31T23:59:59Z", "1970-02-01T04:30:00Z"),
    ])
    func nextFire(text: String, after: String, expected: String) throws {
        let schedule = try CronSchedule.parse(text).get()
        #expect(schedule.nextFire(after: try Self.date(after)) == (try Self.date(expected)))
    }

    @Test(arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "@once"])
    func neverFires(text: String) throws {
        #expect(try CronSchedule.parse(text).get().nextFire(after: Date(timeIntervalSince1970: 0)) == nil)
    }

    /// `nextFire` skips months and hours; a minute-by-minute walk with
    /// `matches` must land on the same minute.
    @Test func nextFireAgreesWithBruteForce() throws {
        let texts = ["*/7 */5 * * *", "0 12 * * MON", "15,45 3-5 1-10 * 0,6", "0 0 13 * 5", "*/20 * 28-31 * *"]
        for text in texts {
            let schedule = try CronSchedule.parse(text).get()
            for _ in 0..<20 {
                let after = Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000))
                var probe = (after.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
                while !schedule.matches(Date(timeIntervalSince1970: probe)) { probe += 60 }
                #expect(schedule.nextFire(after: after) == Date(timeIntervalSince1970: probe), "\(text) after \(after)")
            }
        }
    }

    /// Weekday arithmetic checked against Foundation's calendar.
    @Test func weekdayMatchesFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let wednesdays = try CronSchedule.parse("0 0 * * WED").get()
        for _ in 0..<500 {
            let day = Double(Int.random(in: -40_000...40_000)) * 86_400
            let date = Date(timeIntervalSince1970: day)
            #expect(wednesdays.matches(date) == (calendar.component(.weekday, from: date) == 4), "\(date)")
        }
    }

    @Test func neverTrapsOnRandomInput() {
        let alphabet = Array("0123456789*/-, @JANmonsun\t\u{00E9}")
        for text in FuzzStrings.make(count: 3_000, alphabet: alphabet) + ["@", "*", "- - - - -", "/ / / / /"] {
            switch CronSchedule.parse(text) {
            case .failure(let error):
                let count = text.unicodeScalars.count
                #expect(error.offset >= 0 && error.length >= 0 && error.offset + error.length <= count, "\(text.debugDescription)")
            case .success(let schedule):
                let after = Date(timeIntervalSince1970: 1_700_000_000)
                if let next = schedule.nextFire(after: after) { #expect(next > after) }
            }
        }
    }

    @Test func extremeDatesDoNotTrap() throws {
        let schedule = try CronSchedule.parse("* * * * *").get()
        #expect(schedule.nextFire(after: .distantFuture) != nil)
        #expect(schedule.nextFire(after: .distantPast) != nil)
        #expect(schedule.nextFire(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(schedule.nextFire(after: Date(timeIntervalSince1970: .nan)) == nil)
    }

    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }
}
