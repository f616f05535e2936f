@testable import SluiceCompiler
import SluicePlan
import SluiceSpec
import SluiceTestSupport
import Testing

/// The contracts keep a value scanned on the common path as the value itself
/// (its literal text is the bytes around its references) and resolve its
/// references as the scanner finds them. Whatever path a value took, what the
/// contracts answer must be what a scan of the value alone answers.
struct TaskTemplatesTests {
    /// `run` and `env` values of every kind: the common case, text with a
    /// `{` but no reference, non-ASCII text, `{{ "{{" }}`, malformed
    /// references, and values where the common path reads some references
    /// before it meets what it does not read (which must not be kept twice).
    static let values: [String] = [
        "python3 step.py --in {{ t0.n }} --k {{ params.s.k }}",
        "echo {{ params.s.k }}{{ t0.n }}",
        "awk '{print $1}' data.csv",
        "echo 'x' \"{{ t0.n }}\" # {{ params.s.k }}",
        "echo $(( {{ params.s.k }} + 1 )) `{{ t0.n }}`",
        "eval {{ t0.n }}; sh -c {{ params.s.k }}",
        "cat <<EOF\n{{ t0.n }}\nEOF\necho {{ params.s.k }}",
        "echo {{ t0.n }} 'üñí' {{ params.s.k }}",
        "echo {{ t0.n }} {{ \"{{\" }} {{ params.s.k }}",
        "echo {{ t0.n }} {{ params.s | upper }} {{ params.s.k }}",
        "echo {{ t0.n }} {{ unclosed",
        "echo {{ t0.n }} {{ 'quoted' }} tail",
        "echo \"{{ t0.n }}",
        "{{ params.s.k }}",
    ]

    static func spec() -> String {
        var text = "pipeline: p\nparams: { s: { k: 1 } }\ntasks:\n  t0:\n    run: echo 1\n    outputs: { n: int }\n"
        for (index, value) in values.enumerated() {
            text += "  u\(index):\n    needs: [t0]\n    run: \(quoted(value))\n    env:\n      A: \(quoted(value))\n      B: plain\n"
        }
        return text
    }

    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    @Test func everyValueReadsAsItsOwnScan() throws {
        let files = MemoryFiles(files: [:])
        let spec = SpecParser.parse(Self.spec(), file: "p.yaml").spec
        let contracts = PipelineContracts.build(spec, graph: TaskGraph(spec), files: files)
        for (index, value) in Self.values.enumerated() {
            let task = try #require(spec.tasks.firstIndex { $0.name.value == "u\(index)" })
            let alone = TemplateScanner.scanTemplate(value)
            for slot in [TaskTemplates.Slot.run, .env(0)] {
                let template = try #require(contracts.templates.template(slot, of: task, in: contracts.references), "\(value)")
                #expect(Array(template.texts) == alone.texts, "\(value.debugDescription)")
                #expect(template.references.map(\.scanned) == alone.references, "\(value.debugDescription)")
            }
            #expect(contracts.templates.template(.env(1), of: task, in: contracts.references) == nil)
            // Each value's references once for `run`, once for env A: none kept twice.
            #expect(contracts.references[task].count == 2 * alone.references.count, "\(value.debugDescription)")
            #expect(contracts.scanErrors[task].map(\.error) == alone.errors + alone.errors, "\(value.debugDescription)")
            var classifier = ShellSpots.Classifier()
            let spots = try #require(contracts.templates.runSpots(of: task, in: contracts.references, using: &classifier))
            #expect(spots.spots == ShellSpots.classify(alone.texts), "\(value.debugDescription)")
            #expect(spots.references.map(\.scanned) == alone.references)
        }
    }

    /// Literal spans around references whose spans overlap, run backwards or
    /// past the end are clamped to the value, never a trap.
    @Test func literalTextAroundStrayReferenceSpansIsClamped() {
        var text = "echo {{ a }} b"
        let spots = text.withUTF8 { bytes in
            [5..<12, 3..<20, -4..<2].withUnsafeBufferPointer { ShellSpots.classify(bytes, around: $0) }
        }
        #expect(spots.count == 3)
        #expect(spots.first == .word)
    }
}
