import SluiceDiagnostics
@testable import SluiceSpec
import Testing

/// `OutputSpec` keeps `path` and `description` out of line; it must still
/// behave as a plain value.
@Suite("Output spec storage")
struct OutputSpecStorageTests {
    static let range = SourceRange(at: SourceLocation(line: 1, column: 1))

    @Test func pathAndDescriptionReadBackAndCopiesStayApart() {
        var output = OutputSpec(name: Spanned("n", Self.range), type: YAMLNode(.scalar(YAMLScalar(text: "int", style: .plain)), range: Self.range))
        #expect(output.path == nil && output.description == nil && output.details == nil)
        output.path = Spanned("out/n.txt", Self.range)
        let copy = output
        output.description = Spanned("the count", Self.range)
        output.path = nil
        #expect(output.path == nil && output.description?.value == "the count")
        #expect(copy.path?.value == "out/n.txt" && copy.description == nil)
        output.description = nil
        #expect(output.details == nil)
    }

    @Test func longFormOutputsKeepTheirFields() {
        let text = """
        pipeline: p
        tasks:
          a:
            run: echo
            outputs:
              n: int
              f: { type: file, path: out/f.csv, description: the file }
        """
        let outputs = SpecParser.parse(text, file: "p.yaml").spec.tasks[0].outputs
        #expect(outputs.map(\.name.value) == ["n", "f"])
        #expect(outputs[0].path == nil && outputs[0].description == nil)
        #expect(outputs[1].path?.value == "out/f.csv" && outputs[1].description?.value == "the file")
        #expect(outputs[1].path?.range.start.line == 7)
    }
}
