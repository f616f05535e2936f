import Foundation
import Testing
import SluiceDiagnostics

/// Positions are stored in 32 bits: out-of-range values saturate, never trap,
/// and everything a real input can hold (under 4 GiB) round-trips exactly.
@Suite("Source locations")
struct SourceLocationTests {
    @Test func positionsUnder4GiBRoundTrip() {
        let big = Int(UInt32.max)
        let location = SourceLocation(line: big, column: big - 1, offset: 4_000_000_000)
        #expect(location.line == big && location.column == big - 1 && location.offset == 4_000_000_000)
        #expect(MemoryLayout<SourceRange>.size == 24)
    }

    @Test func hugeAndNegativePositionsSaturate() {
        var location = SourceLocation(line: Int.max / 2, column: Int.max, offset: 1 << 40)
        #expect(location.line == Int(UInt32.max) && location.column == Int(UInt32.max) && location.offset == Int(UInt32.max))
        location.line = -5
        location.column += 1
        #expect(location.line == 0 && location.column == Int(UInt32.max))
        let range = SourceRange(start: SourceLocation(line: 3, column: Int(UInt32.max) - 1), end: SourceLocation(line: 3, column: Int(UInt32.max)))
        let sliced = range.slice(columnOffset: 10, count: 1 << 40, byteOffset: 7, byteCount: 1)
        #expect(sliced.start.column == Int(UInt32.max) && sliced.end.column == Int(UInt32.max) && sliced.start.line == 3)
    }

    @Test func orderAndCodingAreByLineAndColumn() throws {
        let a = SourceLocation(line: 2, column: 9, offset: 50), b = SourceLocation(line: 3, column: 1, offset: 10)
        #expect(a < b && !(b < a))
        #expect(SourceRange(start: b, end: a).end == b) // end never precedes start
        let data = try JSONEncoder().encode(a)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Int]
        #expect(object == ["line": 2, "column": 9, "offset": 50])
        #expect(try JSONDecoder().decode(SourceLocation.self, from: data) == a)
    }
}
