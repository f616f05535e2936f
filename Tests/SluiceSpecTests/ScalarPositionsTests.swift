import SluiceDiagnostics
import SluiceSpec
import Testing

struct ScalarPositionsTests {
    /// (YAML, offset, length) -> expected (line, column) of the start.
    static let cases: [(String, Int, Int, Int)] = [
        ("v: 0 25 * * *\n", 2, 1, 6),            // plain
        ("v: \"0 25 * * *\"\n", 2, 1, 7),        // double-quoted: one past the quote
        ("v: '0 25 * * *'\n", 2, 1, 7),          // single-quoted
        ("v: |\n  echo one\n  echo two\n", 14, 3, 8), // literal block, second line
    ]

    @Test(arguments: cases)
    func mapsValueOffsetsToSource(_ yaml: String, _ offset: Int, _ line: Int, _ column: Int) throws {
        let (spec, _) = SpecParser.parse(yaml, file: "t.yaml")
        let node = try #require(spec.root?["v"])
        let range = ScalarPositions(node, in: spec.source).range(offset: offset, length: 2)
        #expect(range.start.line == line)
        #expect(range.start.column == column)
        #expect(range.end.column == column + 2)
    }

    @Test func escapedScalarFallsBackToWholeValue() throws {
        let (spec, _) = SpecParser.parse("v: \"a\\tb c\"\n", file: "t.yaml")
        let node = try #require(spec.root?["v"])
        #expect(ScalarPositions(node, in: spec.source).range(offset: 3, length: 1) == node.range)
    }
}
