import Foundation
import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceTestSupport
import Testing

/// The repository's `pipelines/` folder, found from this file.
let pipelinesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("pipelines")

func examplePipelines() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: pipelinesDirectory.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
}

/// Specs held in memory, so tests need no files.
struct MemoryFiles: ProjectFiles {
    var files: [String: String]
    func read(_ path: String) -> String? { files[path] }
    func yamlFiles(in directory: String) -> [String] {
        files.keys.filter { SpecPaths.directory(of: $0) == directory && $0.hasSuffix(".yaml") }.sorted()
    }
}

@Suite("Plan lowering")
struct PlanLoweringTests {
    @Test(arguments: examplePipelines())
    func examplePlansRoundTripByteForByte(name: String) throws {
        let path = pipelinesDirectory.appendingPathComponent(name).path
        let result = PlanBuilder.build(specPath: path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let plan = try #require(result.plan)
        let text = plan.encoded()
        let decoded = try Plan(jsonText: text)
        #expect(decoded == plan)
        #expect(decoded.encoded() == text)
        // A second build of the same input gives the same bytes.
        #expect(PlanBuilder.build(specPath: path).plan?.encoded() == text)
    }

    /// `sluice plan` writes the JSON straight from the plan into bytes; the
    /// run record and other callers take the value tree. Both come from one
    /// description of the shape and must print the same text.
    @Test(arguments: examplePipelines())
    func planBytesWrittenFromTheModelMatchItsValueTree(name: String) throws {
        let path = pipelinesDirectory.appendingPathComponent(name).path
        let plan = try #require(PlanBuilder.build(specPath: path).plan)
        let bytes = plan.encodedUTF8()
        #expect(bytes == plan.json().prettyUTF8())
        #expect(String(decoding: bytes, as: UTF8.self) == plan.encoded())
        #expect(try Plan(json: plan.json()) == plan)
    }

    @Test func recordsReferencesReadsAndSettings() throws {
        let files = MemoryFiles(files: [
            "p/spec.yaml": """
                pipeline: demo
                params_file: params.yaml
                params: { tickers: [A, B], forecast: { horizon: 24 } }
                secrets: [API_KEY]
                defaults: { retries: 2, retry_delay: 30s, retry_backoff: exponential, timeout: 5m }
                pools: { api: 2 }
                tasks:
                  fetch:
                    foreach: params.tickers
                    pool: api
                    run: fetch {{ item }} --seed {{ params.seed }}
                    outputs: { rows: int, bars: "table(d: date, close: float64)" }
                  combine:
                    needs: [fetch]
                    run: combine {{ fetch.bars }} --h {{ params.forecast.horizon }} --run {{ run.id }}
                    env: { TOTAL: "{{ fetch.rows }}" }
                    deps: [scripts/combine.py]
                    timeout: 1m
                    cache: false

                """,
            "p/params.yaml": "seed: 7\nforecast: { horizon: 12, alpha: 0.5 }\n",
        ])
        let result = PlanBuilder.build(specPath: "p/spec.yaml", files: files)
        let plan = try #require(result.plan, "\(result.diagnostics)")
        #expect(plan.workspace == "p")
        #expect(plan.secrets == ["API_KEY"])
        #expect(plan.params["forecast"] == .object([("horizon", .int(24)), ("alpha", .double(0.5))]), "inline params override the file, key by key")
        #expect(plan.params["seed"] == .int(7))
        #expect(plan.tasks.map(\.id) == ["fetch", "combine"])
        let fetch = try #require(plan.task("fetch")), combine = try #require(plan.task("combine"))
        #expect(fetch.foreach == .param(["tickers"]))
        #expect(fetch.pool == "api")
        #expect(fetch.retries == 2 && fetch.retryDelayMilliseconds == 30_000 && fetch.retryBackoff == .exponential)
        #expect(fetch.timeoutMilliseconds == 300_000)
        #expect(combine.timeoutMilliseconds == 60_000 && combine.cache == false)
        let bars = OutputReference(task: "fetch", output: "bars", type: .list(.table([TableColumn(name: "d", type: .date), TableColumn(name: "close", type: .float64)])), mapped: true)
        let rows = OutputReference(task: "fetch", output: "rows", type: .list(.int), mapped: true)
        #expect(combine.run == Template([
            .text("combine "), .reference(.output(bars)), .text(" --h "), .reference(.param(["forecast", "horizon"])),
            .text(" --run "), .reference(.runID),
        ]))
        #expect(combine.env == [EnvVariable(name: "TOTAL", value: Template([.reference(.output(rows))]))])
        #expect(combine.reads == Reads(params: ["forecast.horizon"], outputs: [bars, rows]))
        #expect(fetch.reads.params == ["seed", "tickers"])
        #expect(combine.deps == ["scripts/combine.py"])
    }

    @Test func paramOverridesAreTyped() throws {
        let files = MemoryFiles(files: ["s.yaml": "pipeline: p\nparams: { n: 3 }\ntasks:\n  a:\n    run: echo {{ params.n }}\n"])
        #expect(PlanBuilder.build(specPath: "s.yaml", paramOverrides: ["n=5"], files: files).plan?.params["n"] == .int(5))
        let bad = PlanBuilder.build(specPath: "s.yaml", paramOverrides: ["n=five"], files: files)
        #expect(bad.plan == nil)
        #expect(bad.failure?.contains("is an integer") == true)
    }

    @Test func errorsMeanNoPlan() {
        let files = MemoryFiles(files: ["s.yaml": "pipeline: p\ntasks:\n  a:\n    run: echo {{ params.n }}\n"])
        let result = PlanBuilder.build(specPath: "s.yaml", files: files)
        #expect(result.plan == nil)
        #expect(result.diagnostics.map(\.rule) == [.unknownParam])
    }

    @Test func triggerTargetIsRelativeToTheWorkspace() throws {
        let files = MemoryFiles(files: [
            "ops/daily.yaml": "pipeline: daily\nworkdir: ..\ntasks:\n  kick: { trigger: retrain }\n",
            "ops/retrain.yaml": "pipeline: retrain\ntasks:\n  fit: { run: echo fit }\n",
        ])
        let plan = try #require(PlanBuilder.build(specPath: "ops/daily.yaml", files: files).plan)
        #expect(plan.workspace == ".")
        #expect(plan.tasks.first?.trigger == PlanTrigger(pipeline: "retrain", spec: "ops/retrain.yaml"))
    }
}

@Suite("Random DAGs")
struct RandomGraphTests {
    /// Random graphs of up to 500 tasks: `cycle` is reported exactly when an
    /// independent DFS finds one, and otherwise the plan order respects `needs`.
    @Test(arguments: 0..<40)
    func cycleReportedExactlyWhenOneExists(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed &* 7919 &+ 1)
        let count = Int.random(in: 1...500, using: &rng)
        let edgesPerTask = Double.random(in: 0...3, using: &rng)
        // Mostly forward edges (a DAG); a few graphs get one or more backward edges.
        let backward = seed % 3 == 0 ? Int.random(in: 1...3, using: &rng) : 0
        var needs = [[Int]](repeating: [], count: count)
        for task in 1..<max(count, 1) {
            let edges = Int((Double.random(in: 0...1, using: &rng) * edgesPerTask).rounded())
            for _ in 0..<edges {
                let up = Int.random(in: 0..<task, using: &rng)
                if !needs[task].contains(up) { needs[task].append(up) }
            }
        }
        for _ in 0..<backward where count > 1 {
            let a = Int.random(in: 0..<count, using: &rng), b = Int.random(in: 0..<count, using: &rng)
            if a != b, !needs[a].contains(b) { needs[a].append(b) }
        }
        // Names shuffled against file order, so name order is not a topological order.
        var names = (0..<count).map { String(format: "t%04d", $0) }
        names.shuffle(using: &rng)
        var text = "pipeline: random\ntasks:\n"
        for task in 0..<count {
            text += "  \(names[task]):\n    run: \"true\"\n"
            if !needs[task].isEmpty { text += "    needs: [\(needs[task].map { names[$0] }.joined(separator: ", "))]\n" }
        }
        let files = MemoryFiles(files: ["random.yaml": text])
        let result = PlanBuilder.build(specPath: "random.yaml", files: files)
        let reported = result.diagnostics.contains { $0.rule == .cycle }
        #expect(reported == hasCycle(needs), "seed \(seed): \(count) tasks")
        #expect(result.diagnostics.allSatisfy { $0.rule == .cycle }, "\(result.diagnostics.prefix(3))")
        guard !reported else { return }
        let plan = try #require(result.plan)
        #expect(plan.tasks.count == count)
        var position: [String: Int] = [:]
        for (i, task) in plan.tasks.enumerated() { position[task.id] = i }
        for (task, ups) in needs.enumerated() {
            for up in ups {
                #expect((position[names[up]] ?? .max) < (position[names[task]] ?? -1))
            }
        }
    }

    /// Three-colour DFS, written independently of the checker's Tarjan.
    func hasCycle(_ needs: [[Int]]) -> Bool {
        var colour = [UInt8](repeating: 0, count: needs.count)
        for root in needs.indices where colour[root] == 0 {
            var stack: [(Int, Int)] = [(root, 0)]
            colour[root] = 1
            while let (node, next) = stack.last {
                if next < needs[node].count {
                    stack[stack.count - 1].1 += 1
                    let up = needs[node][next]
                    if colour[up] == 1 { return true }
                    if colour[up] == 0 { colour[up] = 1; stack.append((up, 0)) }
                } else {
                    colour[node] = 2
                    stack.removeLast()
                }
            }
        }
        return false
    }
}
