import Foundation
import SluicePlan
import Testing
@testable import SluiceGraph

/// The built-in SVG drawing (the UI's and the report's graph): golden files,
/// and every drawing read by a real XML parser (Python's xml.etree).
struct SVGRendererTests {
    static let failedRun: RunOverlay = {
        var fetch = TaskRunStatus(state: .failed, done: 3, total: 5)
        fetch.instanceCounts = [.success: 3, .failed: 1, .running: 1]
        fetch.failedInstances = ["GOOG"]
        var combine = TaskRunStatus(state: .upstreamFailed)
        combine.failedChecks = ["unique(id)"]
        return RunOverlay(runID: "20261121T060000Z-3f9a", runState: "failed", tasks: ["fetch_ohlcv": fetch, "combine_bars": combine])
    }()

    @Test func goldenPipelineAndRunDrawings() throws {
        try Golden.check(SVGRenderer.render(GraphSubject(plan: Plans.dailyOperations)), "daily_ops.svg")
        try Golden.check(SVGRenderer.render(GraphSubject(plan: Plans.ohlcv, overlay: Self.failedRun)), "ohlcv_run.svg")
    }

    @Test func nodesCarryStateCountsAndATitle() {
        let svg = SVGRenderer.render(GraphSubject(plan: Plans.ohlcv, overlay: Self.failedRun))
        #expect(svg.contains(#"<g class="node" data-task="fetch_ohlcv" data-state="failed"><title>fetch_ohlcv (foreach params.tickers): failed, 3/5 done (1 failed, 1 running, 3 success); failed: GOOG</title>"#), "\(svg)")
        #expect(svg.contains(##"fill="#f28b82""##), "the failed fill of graph --run")
        #expect(svg.contains(">failed · 3/5 done</text>") && svg.contains(">1 failed, 1 running</text>"))
        #expect(svg.contains(#"class="box stack""#), "a mapped task is a stack")
        #expect(svg.contains(">check failed: unique(id)</text>"))
        #expect(svg.contains(#"data-task="summarize" data-state="not_run""#))
        #expect(Graphviz.count("node", in: svg) == 3)
        #expect(svg.components(separatedBy: "<path class=\"edge").count - 1 == 2)
        #expect(svg.contains("prefers-color-scheme: dark"))
    }

    @Test func layersFollowTheEdges() {
        let svg = SVGRenderer.render(GraphSubject(plan: Plans.dailyOperations))
        // Each task's box top (y), read back: a task sits below everything it needs.
        func top(_ task: String) -> Int? {
            guard let node = svg.range(of: "data-task=\"\(task)\""),
                  let rect = svg[node.upperBound...].range(of: "<rect class=\"box"),
                  let y = svg[rect.upperBound...].range(of: " y=\""),
                  let end = svg[y.upperBound...].firstIndex(of: "\"") else { return nil }
            return Int(svg[y.upperBound..<end])
        }
        let order = ["score_recent", "monitor", "decide", "retrain", "report"].map(top)
        #expect(order.allSatisfy { $0 != nil } && order.compactMap { $0 } == order.compactMap { $0 }.sorted() && Set(order.compactMap { $0 }).count == 5, "\(order)")
        // all_good shares retrain's layer: below decide, above report.
        #expect((top("decide") ?? .max) < (top("all_good") ?? 0) && (top("all_good") ?? .max) < (top("report") ?? 0))
    }

    /// Python's xml.etree parses every drawing, hostile names included, and finds each task's title.
    @Test func aRealXMLParserReadsEveryDrawing() throws {
        let python = ProcessInfo.processInfo.environment["SLUICE_PYTHON"] ?? "/usr/bin/python3"
        let subjects = [
            GraphSubject(plan: Plans.dailyOperations), GraphSubject(plan: Plans.ohlcv, overlay: Self.failedRun),
            GraphSubject(plan: HostileTextTests.plan("p\"<&>"), overlay: HostileTextTests.overlay),
            GraphSubject(plan: HostileTextTests.plan("plain")),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (i, subject) in subjects.enumerated() {
            let file = directory.appendingPathComponent("\(i).svg")
            try Data(SVGRenderer.render(subject).utf8).write(to: file)
            let script = """
                import sys, xml.etree.ElementTree as ET
                root = ET.parse(sys.argv[1]).getroot()
                ns = '{http://www.w3.org/2000/svg}'
                assert root.tag == ns + 'svg', root.tag
                for g in root.iter(ns + 'g'):
                    if g.get('class') == 'node':
                        title = g.find(ns + 'title')
                        assert title is not None and title.text, g.attrib
                        print(repr(g.get('data-task')))
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script, file.path]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "drawing \(i): \(errors)")
            let tasks = printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(tasks.count == subject.plan.tasks.count, "drawing \(i): \(printed)")
        }
    }
}
