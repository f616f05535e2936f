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

    /// An edge that skips layers goes around the boxes of the layers between
    /// (through a gap the layout keeps for it, as Graphviz's virtual nodes do),
    /// never through them: every point along every edge lies outside every box
    /// but its own two.
    @Test func edgesThatSkipLayersGoAroundTheBoxesBetween() throws {
        let skipping = Plans.plan("skip", [
            Plans.task("extract"), Plans.task("clean", needs: ["extract"]), Plans.task("model", needs: ["clean"]),
            Plans.task("publish", needs: ["model", "extract"]),
        ])
        for plan in [skipping, Plans.dailyOperations] {
            let svg = SVGRenderer.render(GraphSubject(plan: plan))
            let boxes = Self.boxes(in: svg)
            #expect(boxes.count == plan.tasks.count)
            let edges = Self.edges(in: svg)
            #expect(edges.count > 0)
            for edge in edges {
                for point in edge.points {
                    for (task, box) in boxes where task != edge.from && task != edge.to {
                        let inside = point.x > box.x - 2 && point.x < box.x + box.width + 2 && point.y > box.y - 2 && point.y < box.y + box.height + 2
                        #expect(!inside, "\(plan.pipeline): edge \(edge.from) → \(edge.to) crosses \(task)'s box at \(point)")
                    }
                }
            }
        }
        try Golden.check(SVGRenderer.render(GraphSubject(plan: skipping)), "skip_layers.svg")
    }

    /// Each node's box (its front rectangle), by task.
    static func boxes(in svg: String) -> [String: (x: Double, y: Double, width: Double, height: Double)] {
        var boxes: [String: (x: Double, y: Double, width: Double, height: Double)] = [:]
        let pattern = #"<g class="node" data-task="([^"]*)"[^>]*>.*?<rect class="box(?: branch| empty)?" x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)""#
        for match in matches(pattern, in: svg) {
            boxes[match[0]] = (Double(match[1]) ?? 0, Double(match[2]) ?? 0, Double(match[3]) ?? 0, Double(match[4]) ?? 0)
        }
        return boxes
    }

    /// Each edge's ends (from its title) and points along its path (every segment sampled).
    static func edges(in svg: String) -> [(from: String, to: String, points: [(x: Double, y: Double)])] {
        let pattern = #"<path class="edge[^"]*" d="([^"]*)"[^>]*><title>([^<]*?) → ([^ <]*)"#
        return matches(pattern, in: svg).map { match in
            (from: match[1], to: match[2], points: sample(path: match[0]))
        }
    }

    /// Points along an SVG path of M, L and C commands with absolute coordinates.
    static func sample(path: String) -> [(x: Double, y: Double)] {
        var tokens: [String] = []
        var current = ""
        for character in path {
            if character.isLetter || character == "," || character == " " {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                if character.isLetter { tokens.append(String(character)) }
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        var points: [(x: Double, y: Double)] = []
        var at = (x: 0.0, y: 0.0)
        var i = 0
        func number() -> Double {
            defer { i += 1 }
            return i < tokens.count ? Double(tokens[i]) ?? 0 : 0
        }
        while i < tokens.count {
            let command = tokens[i]
            i += 1
            switch command {
            case "M":
                at = (number(), number())
                points.append(at)
            case "L":
                let end = (x: number(), y: number())
                for step in 1...20 {
                    let t = Double(step) / 20
                    points.append((at.x + (end.x - at.x) * t, at.y + (end.y - at.y) * t))
                }
                at = end
            case "C":
                let c1 = (x: number(), y: number()), c2 = (x: number(), y: number()), end = (x: number(), y: number())
                for step in 1...40 {
                    let t = Double(step) / 40, u = 1 - t
                    points.append((u * u * u * at.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * end.x,
                                   u * u * u * at.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * end.y))
                }
                at = end
            default:
                break
            }
        }
        return points
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let whole = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: whole).map { match in
            (1..<match.numberOfRanges).map { Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
        }
    }
}
