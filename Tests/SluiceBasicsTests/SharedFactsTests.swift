import SluiceBasics
import Testing

/// The calendar, the topological order and the name shapes: one copy each,
/// checked here against what their callers relied on.
@Suite("Shared facts")
struct SharedFactsTests {
    @Test(arguments: [
        (Int64(1970), Int64(1), Int64(1), Int64(0)), (1969, 12, 31, -1), (2000, 2, 29, 11_016), (2026, 11, 21, 20_778),
        (1900, 3, 1, -25_508), (1, 1, 1, -719_162), (-1, 12, 31, -719_529), (9999, 12, 31, 2_932_896),
    ])
    func civilDatesAndDayNumbers(_ year: Int64, _ month: Int64, _ day: Int64, _ days: Int64) {
        #expect(CivilCalendar.days(year: year, month: month, day: day) == days)
        let date = CivilCalendar.date(fromDays: days)
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test func everyDayOfFourHundredYearsRoundTrips() {
        var expected = (year: Int64(1600), month: Int64(1), day: Int64(1))
        let first = CivilCalendar.days(year: 1600, month: 1, day: 1)
        for days in first..<(first + 146_097) {
            let date = CivilCalendar.date(fromDays: days)
            #expect(date == expected, "day \(days)")
            if date != expected { return }
            if expected.day < CivilCalendar.daysInMonth(year: expected.year, month: expected.month) {
                expected.day += 1
            } else if expected.month < 12 {
                expected = (expected.year, expected.month + 1, 1)
            } else {
                expected = (expected.year + 1, 1, 1)
            }
        }
    }

    @Test func weekdaysAndTheDaySplit() {
        #expect(CivilCalendar.weekday(fromDays: 0) == 4)  // 1970-01-01, a Thursday
        #expect(CivilCalendar.weekday(fromDays: -4) == 0)  // 1969-12-28, a Sunday
        #expect(CivilCalendar.split(microseconds: -1) == (-1, CivilCalendar.microsecondsPerDay - 1))
        #expect(CivilCalendar.split(microseconds: .min).microsecondOfDay >= 0)
    }

    /// 0 → 2, 1 → 2, 2 → 3; nodes 0 and 1 are ready together.
    static let diamond: (up: [[Int]], down: [[Int]]) = ([[], [], [0, 1], [2], []], [[2], [2], [3], [], []])

    @Test func tieBreaksDecideAmongReadyNodes() {
        let (up, down) = Self.diamond
        #expect(TopologicalOrder.sorted(upstream: up, downstream: down, ready: ReadyInArrivalOrder()) == [0, 1, 4, 2, 3])
        #expect(TopologicalOrder.sorted(upstream: up, downstream: down, ready: ReadyHeap(ByIndex())) == [0, 1, 2, 3, 4])
        let names = ["load", "extract", "join", "report", "audit"]
        #expect(TopologicalOrder.sorted(upstream: up, downstream: down, ready: ReadyHeap(ByKey(names))) == [4, 1, 0, 2, 3])
        #expect(TopologicalOrder.positions(of: [2, 0, 1]) == [1, 2, 0])
    }

    @Test func aCycleLeavesItsNodesOut() {
        let order = TopologicalOrder.sorted(upstream: [[], [2], [1], [2]], downstream: [[], [2], [1, 3], []],
                                            ready: ReadyHeap(ByIndex()))
        #expect(order == [0])
    }

    @Test(arguments: [
        ("daily", true, true, true), ("Daily", false, true, true), ("load-2", false, true, false), ("_x", false, true, true),
        ("2x", false, false, false), ("a.b", false, false, false), ("", false, false, false), ("é", false, false, false),
        ("../x", false, false, false), (String(repeating: "a", count: 251), false, false, false),
    ])
    func nameShapes(_ name: String, _ pipeline: Bool, _ task: Bool, _ variable: Bool) {
        #expect(IdentifierRule.pipeline.accepts(name) == pipeline)
        #expect(IdentifierRule.task.accepts(name) == task)
        #expect(IdentifierRule.variable.accepts(name) == variable)
    }

    /// The lookup table `accepts` reads agrees with `mayStart`/`mayFollow` for every byte and shape.
    @Test func theByteTableAgreesWithTheRulesForEveryByte() {
        for rule in [IdentifierRule.pipeline, .task, .variable] {
            let disagreeing = (UInt8.min...UInt8.max).filter { byte in
                let alone = [byte].withUnsafeBufferPointer { rule.accepts(utf8: $0) }
                let second = [UInt8(ascii: "a"), byte].withUnsafeBufferPointer { rule.accepts(utf8: $0) }
                return alone != IdentifierRule.mayStart(byte, in: rule.shape) || second != IdentifierRule.mayFollow(byte, in: rule.shape)
            }
            #expect(disagreeing.isEmpty, "\(rule.shape): \(disagreeing)")
        }
    }
}
