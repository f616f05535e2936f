import Foundation
@testable import SluiceCompiler
import SluiceDiagnostics
import SluiceSpec
import SluiceTestSupport
import Testing

/// One spec's checks on two threads (`ParallelChecks`) must find exactly
/// what one thread finds: the same diagnostics, in the same order.
struct ParallelChecksTests {
    /// A spec past `WorkThreads.minimumTasks` with findings of many
    /// rules, spread over every task, so both threads have work that reports.
    static let large: String = {
        var text = "pipeline: big\nsecrets: [API_KEY]\nparams: { n: 3, s: three }\ntasks:\n"
        for index in 0..<1200 {
            let previous = "t\(max(0, index - 1))"
            switch index % 6 {
            case 0: text += "  t\(index):\n    run: echo $(( {{ params.s }} + 1 ))\n    needs: [\(previous), nowhere\(index)]\n"
            case 1: text += "  t\(index):\n    needs: [\(previous)]\n    env:\n      API_KEY: abc\(index)\n      LABEL: \"${{ params.n }}\"\n"
            case 2: text += "  t\(index):\n    run: python3 x.py\n    deps: [missing\(index % 7).py]\n    timeout: 5y\n    needs: [\(previous)]\n"
            case 3: text += "  t\(index):\n    run: python3 y.py\n    needs: [t\(index)]\n    outputs: { rows: int, unused: string }\n    pool: nopool\n"
            case 4: text += "  t\(index):\n    needs: [\(previous)]\n    run: echo {{ \(previous).rows }} {{ \(previous).absent }} {{ params.nope }}\n"
            default: text += "  t\(index):\n    needs: [\(previous)]\n    run: cat data/../../etc/passwd\n    deps: [../outside.txt]\n"
            }
        }
        return text
    }()

    static func lint(_ text: String, path: String, files: any ProjectFiles = MemoryFiles(files: [:]), _ threads: WorkThreads)
        -> [Diagnostic] {
        Linter.lint([SpecSource(path: path, text: text)], files: files, ignoring: [], checkThreads: threads).diagnostics
    }

    @Test func aLargeSpecGivesTheSameDiagnosticsOnTwoThreads() {
        let one = Self.lint(Self.large, path: "big.yaml", .one)
        let two = Self.lint(Self.large, path: "big.yaml", .two)
        // The spec reports through many rules, or the comparison shows little.
        #expect(Set(one.map(\.rule)).count >= 8)
        #expect(one.count > 2000)
        #expect(one == two)
        #expect(Self.rendered(one) == Self.rendered(two))
    }

    /// The joined list itself, before `Linter` sorts it: the same on one
    /// thread and two, though on two the checks without contracts ran
    /// beside their build and `unsafe-reference` ran in two halves.
    @Test func theJoinedDiagnosticsAreInRegistryOrderOnTwoThreads() {
        let files = MemoryFiles(files: [:])
        let spec = SpecParser.parse(Self.large, file: "big.yaml").spec
        let graph = TaskGraph(spec)
        let base = SpecContext(spec: spec, graph: graph, project: Project(specs: [spec]), flow: BranchFlow(spec, graph: graph),
                               pipelines: PipelineIndex(project: [spec], files: files), files: files)
        func joined(_ threads: Int) -> [Diagnostic] {
            ParallelChecks.run(base, threads: threads) { PipelineContracts.build(spec, graph: graph, files: files) }.1
        }
        let one = joined(1)
        // Unsafe references in both halves of the tasks, so the halves' order shows.
        let unsafeLines = one.filter { $0.rule == .unsafeReference }.map(\.range.start.line)
        #expect(unsafeLines.count >= 150)
        #expect(unsafeLines.min().map { $0 < spec.source.lineCount / 4 } == true)
        #expect(unsafeLines.max().map { $0 > spec.source.lineCount * 3 / 4 } == true)
        #expect(one != DiagnosticSink.normalize(one), "already sorted, the comparison would not see the join's order")
        #expect(Self.rendered(joined(2)) == Self.rendered(one))
    }

    @Test(arguments: RepositorySpecs.yamlFiles())
    func everyRepositorySpecGivesTheSameDiagnosticsOnTwoThreads(_ url: URL) throws {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        // From disk, so `deps` and params files are read as `sluice lint` reads them.
        #expect(Self.lint(text, path: url.path, files: DiskFiles(), .one) == Self.lint(text, path: url.path, files: DiskFiles(), .two))
    }

    /// The registry says how each check may run; a check it runs whole
    /// after the contracts could have run earlier, or in parts.
    @Test func everyCheckIsScheduledAsItsTypeAllows() {
        for scheduled in CheckRegistry.scheduled {
            guard case .whole(let check) = scheduled else { continue }
            #expect(!(check is any SpecCheck), "\(type(of: check)) reads no contracts: schedule it .withoutContracts")
            #expect(!(check is any TaskRangeCheck), "\(type(of: check)) divides by task: schedule it .byTasks")
        }
    }

    @Test func theThreadPolicyFollowsTheParse() {
        #expect(WorkThreads.one.count(forTasks: 100_000) == 1)
        #expect(WorkThreads.two.count(forTasks: 0) == 2)
        #expect(WorkThreads.automatic.count(forTasks: WorkThreads.minimumTasks - 1) == 1)
        // Two threads only where the parse would use two (`taskset -c 0` gives one).
        #expect(WorkThreads.automatic.count(forTasks: WorkThreads.minimumTasks) == (CPUAffinity.mayUseTwoCPUs() ? 2 : 1))
    }

    /// Every field a renderer prints, so a difference shows as text.
    static func rendered(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map {
            "\($0.file):\($0.range) \($0.severity) \($0.rule.id) \($0.message) \($0.notes) \($0.help ?? "")"
        }
    }
}
