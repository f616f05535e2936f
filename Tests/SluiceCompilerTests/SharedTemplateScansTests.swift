import SluiceBasics
@testable import SluiceCompiler
import SluicePlan
import SluiceSpec
import SluiceTestSupport
import Testing

/// The contracts built with template scans made ahead (`SharedTemplateScans`,
/// by the helper check thread) must be the contracts built without them,
/// whoever scanned each chunk.
struct SharedTemplateScansTests {
    /// Every kind of templated value, with and without references, malformed
    /// ones, non-ASCII text and `{{ "{{" }}`: the body of a task after its
    /// `needs`, given the task it needs.
    static let kinds: [@Sendable (_ previous: String) -> String] = [
        { "    run: echo {{ params.n }} {{ \($0).rows }}\n    outputs: { rows: int, t: \"table(ts: timestamp, v: float64)\" }\n" },
        { "    run: echo no references here\n    env: { A: \"{{ params.s.k }}\", B: \"{{ \($0).rows }}\", C: \"{{ unclosed\", D: plain }\n" },
        { _ in "    run: \"echo é {{ params.n }} ü {{ \\\"{{\\\" }}\"\n    outputs: { a: string, b: \"list(int)\", c: float64, d: bool, e: json, f: nosuchtype }\n" },
        { _ in "    foreach: [a, b]\n    label: \"{{ item }}-{{ index }}\"\n    run: echo {{ item }} {{ params.nope }}\n" },
        { "    run: echo {{ bad | filter }} {{ }} {{ \($0).rows }}\n" },
        { _ in "    trigger: { pipeline: other, params: { x: \"{{ params.n }}\", y: plain } }\n" },
        { _ in "    run: |\n      echo {{ params.s.k }}\n      echo {{ run.id }}\n" },
    ]

    /// 700 tasks, each of the next kind; no chunk size tried below is a
    /// multiple of seven, so chunks start on every kind of task.
    static let spec = "pipeline: big\nparams: { n: 3, s: { k: one } }\ntasks:\n" + (0..<700).map { index in
        let previous = "t\(max(0, index - 1))"
        return "  t\(index):\n    needs: [\(previous)]\n" + kinds[index % kinds.count](previous)
    }.joined()

    /// Everything the contracts hold about templates, references and types, as text.
    static func described(_ contracts: PipelineContracts) -> String {
        var text = ""
        dump(contracts.outputs.map { $0.map { "\($0.name) \($0.type)" } }, to: &text)
        dump(contracts.references.storage.map { "\($0.site) \($0.scanned) \($0.resolution)" }, to: &text)
        dump(contracts.references.owners, to: &text)
        dump(contracts.references.ranges, to: &text)
        dump(contracts.templates.entries.map { "\($0.slot) \($0.texts) \($0.references)" }, to: &text)
        dump(contracts.templates.ranges, to: &text)
        dump(contracts.scanErrors.map { $0.map { "\($0.site) \($0.error)" } }, to: &text)
        return text
    }

    @Test func contractsAreTheSameWhoeverScansTheTemplates() {
        let spec = SpecParser.parse(Self.spec, file: "big.yaml").spec
        let graph = TaskGraph(spec)
        let files = MemoryFiles(files: [:])
        let alone = Self.described(PipelineContracts.build(spec, graph: graph, files: files))
        // The spec shows what it should: references, templates and scan errors.
        #expect(alone.contains("unclosed") || alone.contains("never closed"))
        #expect(alone.contains("output(producer:"))

        // The helper scanned every chunk before the build.
        let ahead = SharedTemplateScans(spec: spec, chunkSize: 64)
        ahead.scanChunks()
        #expect(Self.described(PipelineContracts.build(spec, graph: graph, files: files, sharedScans: ahead)) == alone)

        // The helper never ran: the builder takes every chunk itself.
        let never = SharedTemplateScans(spec: spec, chunkSize: 64)
        #expect(Self.described(PipelineContracts.build(spec, graph: graph, files: files, sharedScans: never)) == alone)
        never.scanChunks()

        // Both at once, as in a lint, with chunks small enough that they interleave.
        for chunkSize in [1, 5, 64, 10_000] {
            let both = SharedTemplateScans(spec: spec, chunkSize: chunkSize)
            let (built, _) = SecondThread.run({ PipelineContracts.build(spec, graph: graph, files: files, sharedScans: both) },
                                              beside: { both.scanChunks() })
            #expect(Self.described(built) == alone, "chunks of \(chunkSize)")
        }
    }
}
