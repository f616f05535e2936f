import Foundation
@testable import SluiceCompiler
import SluicePlan
import SluiceSpec
import SluiceTestSupport
import Testing

/// A plan lowered on two threads and its JSON written on two threads
/// (`WorkThreads`) must be byte for byte what one thread makes.
struct ParallelPlanTests {
    /// A spec past `WorkThreads.minimumTasks` using most of what a task
    /// lowers to (descriptions, templates reading params and outputs, typed
    /// and table outputs with paths, env templates, deps, foreach with a
    /// label, pools, retries, timeouts, trigger rules, branches left out),
    /// so each half of the tasks has every kind of field to write.
    static let large: String = {
        var text = """
            pipeline: big
            description: "A plan split \\"in two\\"."
            pools: { warehouse: 3 }
            params:
              cities: [Oslo, Lima, "Zürich"]
              s: { k: 2, name: "tab\\tand quote\\"" }
            tasks:

            """
        for index in 0..<1200 {
            let name = "t\(index)", previous = "t\(max(0, index - 1))"
            let needs = index == 0 ? "" : "    needs: [\(previous)]\n"
            let reads = index == 0 ? "" : " --in {{ \(previous).n }}"
            switch index % 5 {
            case 0:
                text += "  \(name):\n    description: Step \(index), “quoted” \\ back.\n\(needs)"
                text += "    run: python3 step.py\(reads) --k {{ params.s.k }} --name '{{ params.s.name }}'\n"
                text += "    outputs: { n: int, t: \"table(ts: timestamp, v: float64)\" }\n    pool: warehouse\n    retries: 3\n    timeout: 45m\n"
            case 1:
                text += "  \(name):\n\(needs)    run: echo \(index)\(reads)\n    outputs: { n: int }\n"
                text += "    env:\n      LEVEL: info\n      RUN: \"{{ run.id }}-{{ params.s.k }}\"\n    deps: [step.py]\n"
            case 2:
                text += "  \(name):\n\(needs)    foreach: params.cities\n    label: \"{{ item }}\"\n"
                text += "    run: echo {{ item }} {{ index }}\(reads)\n    outputs: { n: int }\n    retry_delay: 5s\n    retry_backoff: exponential\n"
            case 3:
                text += "  \(name):\n\(needs)    run: echo {{ \(previous).n }} {{ run.date }}\n    outputs: { n: int }\n    cache: false\n"
            default:
                text += "  \(name):\n\(needs)    run: 'printf \"%s\\n\" done'\n    outputs: { n: int }\n"
            }
        }
        return text
    }()

    static func build(_ path: String, files: any ProjectFiles, _ threads: WorkThreads) throws -> Plan {
        let result = PlanBuilder.build(specPath: path, files: files, threads: threads)
        #expect(result.errorCount == 0, "\(result.diagnostics.filter { $0.severity == .error })")
        return try #require(result.plan)
    }

    /// The plan's JSON as `sluice plan` writes it, on `threads` threads, joined.
    static func streamed(_ plan: Plan, threads: Int) throws -> [UInt8] {
        var joined: [UInt8] = []
        try plan.writeJSONPieces(of: 1 << 16, threads: threads) { joined.append(contentsOf: $0) }
        return joined
    }

    @Test func aLargePlanIsTheSameFromTwoThreads() throws {
        let files = MemoryFiles(files: ["big.yaml": Self.large, "step.py": "print(1)\n"])
        let one = try Self.build("big.yaml", files: files, .one)
        let two = try Self.build("big.yaml", files: files, .two)
        #expect(one.tasks.count == 1200)
        #expect(one == two)
        let serial = one.encodedUTF8()
        #expect(try Self.streamed(two, threads: 2) == serial)
        // The written bytes are still the plan's one JSON shape.
        #expect(serial == Array(one.encoded().utf8))
        #expect(try Plan(jsonText: String(decoding: serial, as: UTF8.self)) == one)
    }

    /// `plan -o`'s streamed JSON: the pieces joined are `encodedUTF8()`'s
    /// bytes, each but the last exactly the piece size and none empty, for
    /// pieces smaller than a task, about a task, many tasks and the whole plan.
    @Test func thePlanStreamedInPiecesIsTheSameText() throws {
        let files = MemoryFiles(files: ["big.yaml": Self.large, "step.py": "print(1)\n"])
        let plan = try Self.build("big.yaml", files: files, .one)
        let whole = plan.encodedUTF8()
        for threads in [1, 2] {
            for pieceSize in [1, 7, 1000, 4096, 1 << 16, whole.count / 2, whole.count - 1, whole.count, whole.count + 1] {
                var pieces: [[UInt8]] = []
                try plan.writeJSONPieces(of: pieceSize, threads: threads) { pieces.append(Array($0)) }
                let label = "pieces of \(pieceSize), \(threads) threads"
                #expect(pieces.joined().elementsEqual(whole), "\(label)")
                #expect(pieces.dropLast().allSatisfy { $0.count == pieceSize }, "\(label)")
                #expect(pieces.last.map { !$0.isEmpty && $0.count <= pieceSize } == true, "\(label)")
            }
        }
        // Plans of one to four small tasks (one each side at two), in one piece and in many.
        for count in 1...4 {
            var text = "pipeline: p\ntasks:\n"
            for index in 0..<count { text += "  t\(index):\n    run: echo \(index)\n" }
            let small = try Self.build("small.yaml", files: MemoryFiles(files: ["small.yaml": text]), .one)
            for threads in [1, 2] {
                for pieceSize in [3, 1 << 22] {
                    var joined: [UInt8] = []
                    try small.writeJSONPieces(of: pieceSize, threads: threads) { joined.append(contentsOf: $0) }
                    #expect(joined == small.encodedUTF8(), "\(count) tasks, \(threads) threads, pieces of \(pieceSize)")
                }
            }
        }
    }

    /// `plan`'s JSON with the tasks lowered a chunk at a time as they are
    /// written (`PlanBuilder.buildLowering`, `TakingTurns` on two threads):
    /// the same bytes as the whole plan's, for chunks of one task, a few, the
    /// default and more than the plan, in small pieces and in one.
    @Test func theTasksLoweredAsTheyAreWrittenGiveTheSameText() throws {
        let files = MemoryFiles(files: ["big.yaml": Self.large, "step.py": "print(1)\n"])
        let plan = try Self.build("big.yaml", files: files, .one)
        let whole = plan.encodedUTF8()
        let (result, lowering) = PlanBuilder.buildLowering(specPath: "big.yaml", files: files)
        #expect(result.errorCount == 0 && result.plan == nil && result.failure == nil)
        let lazy = try #require(lowering)
        #expect(lazy.count == plan.tasks.count)
        var head = lazy.head()
        #expect(head.tasks.isEmpty)
        head.tasks = lazy.tasks(0..<lazy.count)
        #expect(head == plan)
        for threads in [1, 2] {
            for tasksPerChunk in [1, 3, 128, 5_000] {
                for pieceSize in [4096, whole.count + 1] {
                    var joined: [UInt8] = []
                    try Plan.writeJSONPieces(of: pieceSize, threads: threads, head: lazy.head(), tasks: lazy,
                                             tasksPerChunk: tasksPerChunk) { joined.append(contentsOf: $0) }
                    #expect(joined == whole, "\(threads) threads, chunks of \(tasksPerChunk), pieces of \(pieceSize)")
                }
            }
        }
        // One to four tasks in chunks of one: the helper's first chunk is the second task.
        for count in 1...4 {
            var text = "pipeline: p\ntasks:\n"
            for index in 0..<count { text += "  t\(index):\n    run: echo \(index)\n" }
            let small = MemoryFiles(files: ["small.yaml": text])
            let expected = try Self.build("small.yaml", files: small, .one).encodedUTF8()
            let tasks = try #require(PlanBuilder.buildLowering(specPath: "small.yaml", files: small).1)
            var joined: [UInt8] = []
            try Plan.writeJSONPieces(of: 5, threads: 2, head: tasks.head(), tasks: tasks, tasksPerChunk: 1) { joined.append(contentsOf: $0) }
            #expect(joined == expected, "\(count) tasks")
        }
        // A bad override fails the build as it fails `build`'s.
        let overridden = PlanBuilder.buildLowering(specPath: "big.yaml", paramOverrides: ["nope.k=1"], files: files)
        #expect(overridden.1 == nil)
        #expect(overridden.0.failure == PlanBuilder.build(specPath: "big.yaml", paramOverrides: ["nope.k=1"], files: files).failure)
        #expect(overridden.0.failure != nil)
    }

    /// A failing `emit` (a full disk under `plan -o`) stops the writing and
    /// its error comes out, on one thread and on two.
    @Test func aFailingPieceStopsTheStream() throws {
        struct Full: Error {}
        let files = MemoryFiles(files: ["big.yaml": Self.large, "step.py": "print(1)\n"])
        let plan = try Self.build("big.yaml", files: files, .one)
        for threads in [1, 2] {
            var pieces = 0
            #expect(throws: Full.self) {
                try plan.writeJSONPieces(of: 4096, threads: threads) { _ in
                    pieces += 1
                    if pieces == 3 { throw Full() }
                }
            }
            #expect(pieces == 3, "\(threads) threads")
            // In chunks of one task, the helper making every other one: it stops too (the call returns).
            pieces = 0
            #expect(throws: Full.self) {
                try Plan.writeJSONPieces(of: 4096, threads: threads, head: plan, tasks: plan.tasks, tasksPerChunk: 1) { _ in
                    pieces += 1
                    if pieces == 3 { throw Full() }
                }
            }
            #expect(pieces == 3, "\(threads) threads, chunks of one task")
        }
    }

    @Test func twoThreadsWriteTheSameBytesForAnyTaskCount() throws {
        // Odd and even counts, and the smallest split (one task each side).
        for count in [2, 3, 4, 7] {
            var text = "pipeline: small\ntasks:\n"
            for index in 0..<count { text += "  t\(index):\n    run: echo \(index)\n" }
            let plan = try Self.build("small.yaml", files: MemoryFiles(files: ["small.yaml": text]), .one)
            #expect(try Self.streamed(plan, threads: 2) == plan.encodedUTF8(), "\(count) tasks")
        }
    }

    @Test(arguments: RepositorySpecs.yamlFiles())
    func everyRepositoryPlanIsTheSameFromTwoThreads(_ url: URL) throws {
        // From disk, as `sluice plan` reads it; specs with errors have no plan to compare.
        let one = PlanBuilder.build(specPath: url.path, threads: .one)
        let two = PlanBuilder.build(specPath: url.path, threads: .two)
        #expect(one.plan == two.plan)
        #expect(one.failure == two.failure)
        guard let plan = one.plan, let other = two.plan else { return }
        #expect(try Self.streamed(other, threads: 2) == plan.encodedUTF8())
    }

    @Test func theThreadPolicyFollowsTheChecks() {
        #expect(WorkThreads.one.count(forTasks: 100_000) == 1)
        #expect(WorkThreads.two.count(forTasks: 0) == 2)
        #expect(WorkThreads.automatic.count(forTasks: WorkThreads.minimumTasks - 1) == 1)
        #expect(WorkThreads.automatic.count(forTasks: WorkThreads.minimumTasks) == (CPUAffinity.mayUseTwoCPUs() ? 2 : 1))
    }
}
