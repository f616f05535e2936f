import Foundation
import SluiceBasics
import SluiceCompiler
import SluicePlan
import Testing
@testable import SluiceGraph

/// A large pipeline's DOT lines are written on two threads (`DOTBody`); the
/// bytes must be those one thread writes, wherever the lines are cut.
struct TwoThreadDOTTests {
    /// A generated plan of `count` tasks with every kind of line: chains and
    /// fan-ins, mapped producers, data edges, branches, empty and trigger
    /// tasks, descriptions, and text that needs escaping.
    static func largePlan(_ count: Int) -> Plan {
        var tasks: [PlanTask] = []
        for i in 0..<count {
            let name = String(format: "t%05d", i)
            var needs: [String] = []
            var reads: [OutputReference] = []
            if i > 0 { needs.append(String(format: "t%05d", i - 1)); reads.append(Plans.read(needs[0], "n", .int, mapped: (i - 1) % 9 == 0)) }
            if i > 7, i % 4 == 0 { needs.append(String(format: "t%05d", i - 7)) }
            // A read of a transitive upstream it does not need: a dotted data edge.
            if i > 30, i % 5 == 0 { reads.append(Plans.read(String(format: "t%05d", i - 30), "t", .table([TableColumn(name: "ts", type: .timestamp)]))) }
            let kind: PlanTask.Kind = i % 13 == 6 ? .empty : .command
            tasks.append(Plans.task(name, needs: needs, kind: kind,
                                    description: i % 3 == 0 ? "Step \(i): \"quoted\" & <b>\\n</b>\r\nsecond line" : nil,
                                    foreach: i % 9 == 0 ? .param(["s\(i % 4)"]) : nil, branch: i % 17 == 2 ? [name] : nil,
                                    trigger: i % 101 == 50 ? "child\"\(i % 2)" : nil, reads: reads))
        }
        return Plans.plan("large", tasks)
    }

    static func overlay(_ plan: Plan) -> RunOverlay {
        RunOverlay(runID: "r1", runState: "failed", tasks: Dictionary(uniqueKeysWithValues: plan.tasks.enumerated().map { i, task in
            (task.id, TaskRunStatus(state: StatePalette.drawn[i % StatePalette.drawn.count], done: i % 3, total: 3))
        }))
    }

    static func dot(_ subjects: [GraphSubject], threads: Int, splitFrom: Int = DOTWriter.minimumTasksForTwoThreads) -> [UInt8] {
        var writer = DOTWriter(subjects, threads: threads, splitFrom: splitFrom)
        return writer.write().array
    }

    @Test(arguments: [false, true])
    func aLargePlanDrawsTheSameBytesOnTwoThreads(withRun: Bool) {
        let plan = Self.largePlan(2_000)
        let subject = GraphSubject(plan: plan, overlay: withRun ? Self.overlay(plan) : nil)
        let one = Self.dot([subject], threads: 1)
        #expect(one.count > 200_000)
        #expect(Self.dot([subject], threads: 2) == one)
        #expect(DOTRenderer.renderUTF8([subject], threads: 2) == one)
        // Several pipelines: clusters, qualified ids, each split on its own.
        let small = GraphSubject(plan: Plans.dailyOperations)
        #expect(Self.dot([subject, small, subject], threads: 2) == Self.dot([subject, small, subject], threads: 1))
    }

    /// Any cut of the lines, written as two parts, gives the whole.
    @Test func everyCutOfTheLinesJoinsToTheWhole() {
        let plan = Self.largePlan(300)
        let body = DOTBody(graph: PipelineGraph(plan: plan), ids: plan.tasks.map(\.id), overlay: Self.overlay(plan), indent: "  ")
        var whole = ByteBuffer()
        body.write(lines: 0..<body.lineCount, to: &whole)
        for cut in [0, 1, 150, 299, 300, 301, body.middleLine, body.lineCount - 1, body.lineCount] {
            var parts = ByteBuffer()
            body.write(lines: 0..<cut, to: &parts)
            body.write(lines: cut..<body.lineCount, to: &parts)
            #expect(parts.array == whole.array, "cut at line \(cut)")
        }
    }

    /// The repository's example pipelines, each split even though it is small.
    @Test func theExamplePipelinesDrawTheSameBytesOnTwoThreads() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines")
        let specs = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(specs.count >= 8)
        var subjects: [GraphSubject] = []
        for spec in specs {
            let plan = try #require(PlanBuilder.build(specPath: directory.appendingPathComponent(spec).path).plan, "\(spec)")
            let subject = GraphSubject(plan: plan)
            subjects.append(subject)
            #expect(Self.dot([subject], threads: 2, splitFrom: 1) == Self.dot([subject], threads: 1), "\(spec)")
        }
        #expect(Self.dot(subjects, threads: 2, splitFrom: 1) == Self.dot(subjects, threads: 1))
    }
}
