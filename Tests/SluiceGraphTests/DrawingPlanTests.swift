import Foundation
import SluiceCompiler
import SluicePlan
import SluiceTestSupport
import Testing
@testable import SluiceGraph

/// `graph` lowers only what a drawing reads (`PlanDetail.drawing`); every
/// format must draw from that plan exactly what it draws from the full one.
struct DrawingPlanTests {
    /// A spec past the two-thread threshold with what a node or edge shows:
    /// descriptions needing escapes, `foreach` with labels, data edges from
    /// transitive upstreams, empty tasks, branches and a trigger.
    static func largeSpec(_ count: Int) -> String {
        var text = """
            pipeline: big
            params:
              cities: [Oslo, Lima]
              s: { k: 2 }
            defaults: { retries: 1, timeout: 5m }
            tasks:

            """
        for i in 0..<count {
            let name = "t\(i)", previous = "t\(max(0, i - 1))"
            text += "  \(name):\n"
            if i % 3 == 0 { text += "    description: \"Step \(i): \\\"quoted\\\" & <b>\\r\\nsecond line\"\n" }
            if i > 0 { text += "    needs: [\(previous)]\n" }
            if i % 50 == 25 {
                text += "    trigger: child\n"
                continue
            }
            if i % 13 == 6 { continue }  // empty
            if i % 40 == 20 { text += "    branch: [t\(i + 1)]\n" }
            var run = "echo {{ params.s.k }}"
            if i > 0, (i - 1) % 13 != 6, (i - 1) % 50 != 25 { run += " {{ \(previous).n }}" }
            if i > 30, i % 5 == 0, (i - 30) % 13 != 6, (i - 30) % 50 != 25 { run += " {{ t\(i - 30).n }}" }
            if i % 9 == 0 {
                text += "    foreach: params.cities\n    label: \"{{ item }}-{{ params.s.k }}\"\n"
                run += " {{ item }}"
            }
            text += "    run: \(run)\n    outputs: { n: int }\n    env: { LEVEL: \"{{ params.s.k }}\" }\n    timeout: 1m\n"
        }
        return text
    }

    static func drawings(_ plan: Plan) -> [String] {
        var overlay = TwoThreadDOTTests.overlay(plan)
        overlay.tasks[plan.tasks.first?.id ?? ""] = nil
        let subjects = [GraphSubject(plan: plan), GraphSubject(plan: plan, overlay: overlay)]
        return subjects.flatMap { subject in
            [DOTRenderer.render([subject]), String(decoding: DOTRenderer.renderUTF8([subject], threads: 2), as: UTF8.self),
             MermaidRenderer.render([subject]), ASCIIRenderer.render([subject]), SVGRenderer.render(subject)]
        }
    }

    /// Both lowerings of one spec: the same diagnostics and failure, and the same drawings.
    static func expectSameDrawings(_ path: String) {
        let full = PlanBuilder.build(specPath: path)
        let drawing = PlanBuilder.build(specPath: path, detail: .drawing)
        #expect(drawing.diagnostics.map(\.message) == full.diagnostics.map(\.message), "\(path)")
        #expect(drawing.failure == full.failure, "\(path)")
        #expect((drawing.plan == nil) == (full.plan == nil), "\(path)")
        guard let fullPlan = full.plan, let drawingPlan = drawing.plan else { return }
        #expect(drawings(drawingPlan) == drawings(fullPlan), "\(path)")
    }

    @Test(arguments: RepositorySpecs.yamlFiles())
    func everyRepositorySpecDrawsTheSameFromTheDrawingPlan(_ url: URL) {
        Self.expectSameDrawings(url.path)
    }

    @Test func aLargeSpecDrawsTheSameFromTheDrawingPlan() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drawing-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "pipeline: child\ntasks:\n  only:\n    run: echo child\n".write(to: directory.appendingPathComponent("child.yaml"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("big.yaml").path
        try Self.largeSpec(1_200).write(toFile: path, atomically: true, encoding: .utf8)

        let full = PlanBuilder.build(specPath: path)
        #expect(full.errorCount == 0, "\(full.diagnostics.filter { $0.severity == .error }.map(\.message))")
        let fullPlan = try #require(full.plan)
        #expect(fullPlan.tasks.count == 1_200)
        #expect(fullPlan.tasks.contains { $0.trigger?.pipeline == "child" } && fullPlan.tasks.contains { $0.branch != nil })
        Self.expectSameDrawings(path)

        // What the drawing plan leaves out, so the saving is real: no digest, templates or settings.
        let drawingPlan = try #require(PlanBuilder.build(specPath: path, detail: .drawing).plan)
        #expect(fullPlan.sourceSHA256.count == 64 && drawingPlan.sourceSHA256.isEmpty)
        #expect(drawingPlan.tasks.allSatisfy { $0.run == nil && $0.label == nil && $0.env.isEmpty && $0.timeoutMilliseconds == nil && $0.reads.params.isEmpty })
        #expect(drawingPlan.tasks.map(\.reads.outputs) == fullPlan.tasks.map(\.reads.outputs))
    }
}
