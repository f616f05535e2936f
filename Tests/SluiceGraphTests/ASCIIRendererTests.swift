import SluicePlan
import Testing
@testable import SluiceGraph

/// The terminal drawing: exact for small shapes, and for random DAGs read
/// back line by line to prove every connector joins exactly the tasks it should.
struct ASCIIRendererTests {
    @Test func aChainIsStraight() {
        let text = ASCIIRenderer.render([GraphSubject(plan: Plans.ohlcv)])
        #expect(text == """
            ohlcv_ingest

            +=============+
            | fetch_ohlcv |
            +=============+
                   |
                   v
            +--------------+
            | combine_bars |
            +--------------+
                    |
                    v
             +-----------+
             | summarize |
             +-----------+

            +===+ mapped (foreach)

            """)
    }

    @Test func aRunAddsAStateLinePerBox() {
        let overlay = RunOverlay(runID: "r9", runState: nil, tasks: ["fetch_ohlcv": TaskRunStatus(state: .running, done: 2, total: 5)])
        let text = ASCIIRenderer.render([GraphSubject(plan: Plans.ohlcv, overlay: overlay)])
        #expect(text == """
            ohlcv_ingest: run r9 (unfinished)

            +===============+
            |  fetch_ohlcv  |
            | [2/5 running] |
            +===============+
                    |
                    v
            +--------------+
            | combine_bars |
            |  [not run]   |
            +--------------+
                    |
                    v
              +-----------+
              | summarize |
              | [not run] |
              +-----------+

            +===+ mapped (foreach)

            """)
    }

    @Test func tooWideBecomesAListByLayer() {
        let text = ASCIIRenderer.render([GraphSubject(plan: Plans.dailyOperations)], width: 40)
        #expect(text == """
            daily_operations (listed by layer: a drawing would be wider than 40 columns)

              1  score_recent
              2  monitor  <- score_recent (scored)
              3  decide <branch: retrain | all_good>
                   <- monitor (breach_days, rmse)
              4  all_good (empty)  <- decide
                 retrain => triggers model_retraining
                   <- decide
              5  report  <- retrain, all_good

            """)
    }

    @Test func emptyAndCyclicPlansDoNotCrash() {
        #expect(ASCIIRenderer.render([GraphSubject(plan: Plans.plan("e", []))]) == "e\n\n(no tasks)\n")
        let cyclic = Plans.plan("c", [Plans.task("a", needs: ["b", "a", "zz"]), Plans.task("b", needs: ["a", "a"])])
        #expect(ASCIIRenderer.render([GraphSubject(plan: cyclic)]).contains("| b |"))
        #expect(DOTRenderer.render([GraphSubject(plan: cyclic)]).contains("\"b\" -> \"a\""))
        #expect(!MermaidRenderer.render([GraphSubject(plan: cyclic)]).isEmpty)
    }

    @Test(arguments: 0..<300)
    func randomDAGsDrawExactlyTheirEdges(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let count = 2 + Int(random.next() % 22)
        var tasks: [PlanTask] = []
        for i in 0..<count {
            let needs = i == 0 ? [] : Array(Set((0..<Int(random.next() % 4)).map { _ in Int(random.next() % UInt64(i)) })).sorted()
            let shape = random.next() % 6
            tasks.append(Plans.task(String(format3(i)), needs: needs.map(format3), kind: shape == 3 ? .empty : .command,
                                    foreach: shape == 1 ? .param(["x"]) : nil, branch: shape == 2 ? [] : nil))
        }
        let plan = Plans.plan("random", tasks)
        let width = seed % 2 == 0 ? 80 : 400
        let text = ASCIIRenderer.render([GraphSubject(plan: plan)], width: width)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !(lines.first ?? "").contains("listed by layer") else { return }
        #expect(lines.allSatisfy { $0.count <= width })
        let expected = Set(tasks.flatMap { task in task.needs.map { Pair(from: $0, to: task.id) } })
        #expect(DrawingReader(lines).edges() == expected, "\(text)")
    }

    private func format3(_ i: Int) -> String { "n" + (i < 10 ? "0" : "") + String(i) }
}

struct Pair: Hashable, CustomStringConvertible {
    var from: String
    var to: String
    var description: String { "\(from)->\(to)" }
}

/// Follows the connectors of a drawing the way a reader does: down from a
/// box, along a bus at a `+`, across a `|` that crosses it, down at every `+`
/// on the bus, to the box under each `v`.
struct DrawingReader {
    let grid: [[Character]]

    init(_ lines: [String]) { grid = lines.map(Array.init) }

    func at(_ x: Int, _ y: Int) -> Character {
        guard y >= 0, y < grid.count, x >= 0, x < grid[y].count else { return " " }
        return grid[y][x]
    }

    /// Box name → (row of its name, left border column, right border column).
    func boxes() -> [String: (row: Int, left: Int, right: Int)] {
        var found: [String: (Int, Int, Int)] = [:]
        for (y, row) in grid.enumerated() {
            var x = 0
            while x < row.count {
                guard "|<(".contains(row[x]), x + 2 < row.count, row[x + 1] == " " else { x += 1; continue }
                var end = x + 1
                while end < row.count, !"|>)".contains(row[end]) { end += 1 }
                let name = String(row[(x + 1)..<min(end, row.count)]).trimmingCharacters()
                let isName = name.count == 3 && name.first == "n" && name.dropFirst().allSatisfy(\.isNumber)
                if end < row.count, isName, at(x, y - 1) != " ", at(x, y + 1) != " " {
                    found[name] = (y, x, end)
                    x = end + 1
                } else {
                    x += 1
                }
            }
        }
        return found
    }

    func edges() -> Set<Pair> {
        let boxes = boxes()
        var edges = Set<Pair>()
        for (name, box) in boxes {
            let bottom = box.row + 1
            for x in (box.left + 1)..<box.right where at(x, bottom + 1) == "|" {
                for (tx, ty) in trace(from: (x, bottom + 1)) {
                    if let target = boxes.first(where: { $0.value.row == ty + 2 && $0.value.left < tx && tx < $0.value.right }) {
                        edges.insert(Pair(from: name, to: target.key))
                    }
                }
            }
        }
        return edges
    }

    private enum Heading { case down, left, right }

    /// The `v` cells reachable from a line start.
    private func trace(from start: (Int, Int)) -> [(Int, Int)] {
        var arrows: [(Int, Int)] = []
        var seen = Set<[Int]>()
        var work: [(Int, Int, Heading)] = [(start.0, start.1, .down)]
        while let (x, y, heading) = work.popLast() {
            guard seen.insert([x, y, heading == .down ? 0 : heading == .left ? 1 : 2]).inserted else { continue }
            let c = at(x, y)
            switch (heading, c) {
            case (.down, "|"): work.append((x, y + 1, .down))
            case (.down, "v"): arrows.append((x, y))
            case (.down, "+"):
                work += [(x - 1, y, .left), (x + 1, y, .right)]
                if "|v+".contains(at(x, y + 1)) { work.append((x, y + 1, .down)) }
            case (.left, "-"), (.left, "|"): work.append((x - 1, y, .left))
            case (.right, "-"), (.right, "|"): work.append((x + 1, y, .right))
            case (.left, "+"), (.right, "+"):
                work.append((heading == .left ? x - 1 : x + 1, y, heading))
                if "|v+".contains(at(x, y + 1)) { work.append((x, y + 1, .down)) }
            default: break
            }
        }
        return arrows
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// A small deterministic generator, so a failing seed can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
