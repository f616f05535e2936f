@testable import sluice
import SluiceGraph
import SluiceTestSupport
import Testing

/// `sluice plan` and `sluice graph` skip ArgumentParser for their common
/// command lines, as lint and run do; whatever they read that way must be
/// exactly what ArgumentParser reads, and whatever they cannot read exactly
/// (or ArgumentParser would refuse) they must leave to ArgumentParser.
struct PlanFastPathTests {
    /// Command lines the fast path takes.
    static let taken: [[String]] = [
        ["plan", "a.yaml"],
        ["plan", "a.yaml", "-o", "plan.json"],
        ["plan", "-o", "out/plan.json", "a.yaml"],
        ["plan", "a.yaml", "--output", "plan.json"],
        ["plan", "--output=plan.json", "a.yaml"],
        ["plan", "a.yaml", "--param", "n=3", "--param=region=eu", "--param", "list=[1, 2]"],
        ["plan", "a.yaml", "--color", "never"],
        ["plan", "--color=always", "a b.yaml"],
        ["plan", "plan"],
        ["plan", "ünïcode.yaml", "-o", "ünïcode.json"],
    ]

    /// Command lines it leaves to ArgumentParser: help, unknown or repeated
    /// options, bad or missing values, no spec or two, short options joined
    /// to their value, `--`.
    static let declined: [[String]] = [
        [],
        ["plan"],
        ["lint", "a.yaml"],
        ["plan", "--help"],
        ["plan", "-h", "a.yaml"],
        ["plan", "a.yaml", "b.yaml"],
        ["plan", "a.yaml", "-o"],
        ["plan", "a.yaml", "-o", "-"],
        ["plan", "a.yaml", "-o=plan.json"],
        ["plan", "a.yaml", "-oplan.json"],
        ["plan", "a.yaml", "-o", "a.json", "-o", "b.json"],
        ["plan", "a.yaml", "-o", "a.json", "--output", "b.json"],
        ["plan", "a.yaml", "--output="],
        ["plan", "a.yaml", "--param"],
        ["plan", "a.yaml", "--param="],
        ["plan", "a.yaml", "--color", "sometimes"],
        ["plan", "a.yaml", "--color", "never", "--color", "always"],
        ["plan", "a.yaml", "--strict"],
        ["plan", "a.yaml", "--format", "json"],
        ["plan", "--", "-odd.yaml"],
        ["plan", "-"],
        ["plan", "a.yaml", "--generate-completion-script", "bash"],
        ["plan", "a.yaml", "--version"],
    ]

    @Test(arguments: PlanFastPathTests.taken)
    func readsWhatArgumentParserReads(_ arguments: [String]) throws {
        let fast = try #require(Sluice.planFastPathJob(arguments), "the fast path should take \(arguments)")
        let parsed = try PlanCommand.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.job)
    }

    @Test(arguments: PlanFastPathTests.declined)
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(Sluice.planFastPathJob(arguments) == nil)
    }

    /// Every form the fast path accepts, combined: each option in each
    /// spelling (`-o x`, `--output x`, `--output=x`), repeated `--param`, the
    /// spec before, between and after, in random orders. The fast path must
    /// take each one and read it exactly as ArgumentParser does.
    @Test func everyFormItAcceptsReadsAsArgumentParserReadsIt() throws {
        var generator = SeededGenerator(seed: 0x91a7)
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        let specs = ["a.yaml", "plan", "a b.yaml", "ünïcode.yaml", "pipelines/x.yml", "a=b.yaml"]
        let outputs = ["plan.json", "out/p.json", "a b.json", "x=y.json"]
        let params = ["n=3", "a.b=x", "list=[1, 2]", "empty=", "s=a=b"]
        var lines: [[String]] = []
        for color in ColorChoice.allCases { for spelling in 0..<2 { lines.append(spelledLong("--color", color.rawValue, spelling) + ["a.yaml"]) } }
        for output in outputs { for spelling in 0..<3 { lines.append(["a.yaml"] + spelledOutput(output, spelling)) } }
        for _ in 0..<400 {
            var groups: [[String]] = [[pick(specs)]]
            if generator.next() % 2 == 0 { groups.append(spelledOutput(pick(outputs), Int(generator.next() % 3))) }
            if generator.next() % 3 == 0 { groups.append(spelledLong("--color", pick(ColorChoice.allCases).rawValue, Int(generator.next() % 2))) }
            for _ in 0..<Int(generator.next() % 3) { groups.append(spelledLong("--param", pick(params), Int(generator.next() % 2))) }
            groups.shuffle(using: &generator)
            lines.append(groups.flatMap { $0 })
        }
        for line in lines {
            let arguments = ["plan"] + line
            let fast = try #require(Sluice.planFastPathJob(arguments), "the fast path should take \(arguments)")
            let parsed = try PlanCommand.parse(line)
            #expect(fast == parsed.job, "\(arguments)")
        }
    }
}

struct GraphFastPathTests {
    /// Command lines the fast path takes.
    static let taken: [[String]] = [
        ["graph", "a.yaml"],
        ["graph", "a.yaml", "b.yaml", "plan.json"],
        ["graph", "a.yaml", "--format", "dot", "-o", "a.dot"],
        ["graph", "--format=mermaid", "a.yaml", "--output", "a.md"],
        ["graph", "a.yaml", "--output=a.svg", "--format", "svg"],
        ["graph", "a.yaml", "--format", "ascii"],
        ["graph", "a.yaml", "--format", "png", "-o", "a.png"],
        ["graph", "a.yaml", "--run", "latest"],
        ["graph", "--run=20261121T060000.123Z-3f9a1c", "a.yaml"],
        ["graph", "a.yaml", "--param", "n=3", "--param=region=eu"],
        ["graph", "a.yaml", "--color", "never"],
        ["graph", "graph"],
    ]

    /// Command lines it leaves to ArgumentParser: help, no spec (which
    /// `validate()` refuses), unknown or repeated options, bad or missing
    /// values, short options joined to their value, `--`.
    static let declined: [[String]] = [
        [],
        ["graph"],
        ["graph", "--format", "dot"],
        ["plan", "a.yaml"],
        ["graph", "--help"],
        ["graph", "-h", "a.yaml"],
        ["graph", "a.yaml", "--format", "pdf"],
        ["graph", "a.yaml", "--format", "DOT"],
        ["graph", "a.yaml", "--format", "dot", "--format", "svg"],
        ["graph", "a.yaml", "--format="],
        ["graph", "a.yaml", "-o"],
        ["graph", "a.yaml", "-o=a.dot"],
        ["graph", "a.yaml", "-oa.dot"],
        ["graph", "a.yaml", "-o", "a.dot", "--output", "b.dot"],
        ["graph", "a.yaml", "--run"],
        ["graph", "a.yaml", "--run", "a", "--run", "b"],
        ["graph", "a.yaml", "--color", "sometimes"],
        ["graph", "a.yaml", "--strict"],
        ["graph", "--", "-odd.yaml"],
        ["graph", "-"],
        ["graph", "a.yaml", "--generate-completion-script", "bash"],
    ]

    @Test(arguments: GraphFastPathTests.taken)
    func readsWhatArgumentParserReads(_ arguments: [String]) throws {
        let fast = try #require(Sluice.graphFastPathJob(arguments), "the fast path should take \(arguments)")
        let parsed = try GraphCommand.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.job)
    }

    @Test(arguments: GraphFastPathTests.declined)
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(Sluice.graphFastPathJob(arguments) == nil)
    }

    /// Every form the fast path accepts, combined, as for plan: each format,
    /// each spelling of each option, one to three specs, in random orders.
    @Test func everyFormItAcceptsReadsAsArgumentParserReadsIt() throws {
        var generator = SeededGenerator(seed: 0x9a9f)
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        let specs = ["a.yaml", "graph", "a b.yaml", "ünïcode.yaml", "plan.json", "a=b.yaml"]
        let outputs = ["a.dot", "out/a.svg", "a b.md", "x=y.dot"]
        let params = ["n=3", "a.b=x", "empty=", "s=a=b"]
        var lines: [[String]] = []
        for format in GraphFormat.allCases { for spelling in 0..<2 { lines.append(spelledLong("--format", format.rawValue, spelling) + ["a.yaml"]) } }
        for color in ColorChoice.allCases { for spelling in 0..<2 { lines.append(spelledLong("--color", color.rawValue, spelling) + ["a.yaml"]) } }
        for output in outputs { for spelling in 0..<3 { lines.append(["a.yaml"] + spelledOutput(output, spelling)) } }
        for _ in 0..<400 {
            var groups: [[String]] = (0...Int(generator.next() % 3)).map { _ in [pick(specs)] }
            if generator.next() % 2 == 0 { groups.append(spelledLong("--format", pick(GraphFormat.allCases).rawValue, Int(generator.next() % 2))) }
            if generator.next() % 2 == 0 { groups.append(spelledOutput(pick(outputs), Int(generator.next() % 3))) }
            if generator.next() % 3 == 0 { groups.append(spelledLong("--run", pick(["latest", "r1"]), Int(generator.next() % 2))) }
            if generator.next() % 3 == 0 { groups.append(spelledLong("--color", pick(ColorChoice.allCases).rawValue, Int(generator.next() % 2))) }
            for _ in 0..<Int(generator.next() % 3) { groups.append(spelledLong("--param", pick(params), Int(generator.next() % 2))) }
            groups.shuffle(using: &generator)
            lines.append(groups.flatMap { $0 })
        }
        for line in lines {
            let arguments = ["graph"] + line
            let fast = try #require(Sluice.graphFastPathJob(arguments), "the fast path should take \(arguments)")
            let parsed = try GraphCommand.parse(line)
            #expect(fast == parsed.job, "\(arguments)")
        }
    }

    /// Each of the four commands goes to its own fast path and no other.
    @Test func eachCommandGoesToItsOwnFastPath() {
        #expect(Sluice.fastPath(["plan", "a.yaml", "-o", "p.json"]) is PlanJob)
        #expect(Sluice.fastPath(["graph", "a.yaml"]) is GraphJob)
        #expect(Sluice.fastPath(["lint", "a.yaml"]) is LintJob)
        #expect(Sluice.fastPath(["run", "a.yaml"]) is RunJob)
        #expect(Sluice.fastPath(["export", "a.yaml"]) == nil)
        #expect(Sluice.fastPath(["plan", "--help"]) == nil)
    }
}

/// A long option and its value: `--name value` (spelling 0) or `--name=value`.
private func spelledLong(_ name: String, _ value: String, _ spelling: Int) -> [String] {
    spelling == 0 ? [name, value] : ["\(name)=\(value)"]
}

/// The output option in each of its spellings: `-o x`, `--output x`, `--output=x`.
private func spelledOutput(_ value: String, _ spelling: Int) -> [String] {
    switch spelling {
    case 0: return ["-o", value]
    case 1: return ["--output", value]
    default: return ["--output=\(value)"]
    }
}
