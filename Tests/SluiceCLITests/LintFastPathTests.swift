@testable import sluice
import SluiceTestSupport
import Testing

/// `sluice lint` skips ArgumentParser for its common command lines; whatever
/// it reads that way must be exactly what ArgumentParser reads, and whatever
/// it cannot read exactly it must leave to ArgumentParser.
struct LintFastPathTests {
    /// Command lines the fast path takes.
    static let taken: [[String]] = [
        ["lint"],
        ["lint", "pipelines"],
        ["lint", "a.yaml", "b.yaml", "dir"],
        ["lint", "--format", "json"],
        ["lint", "--format=sarif", "a.yaml"],
        ["lint", "a.yaml", "--format", "github", "b.yaml"],
        ["lint", "--strict", "a.yaml"],
        ["lint", "a.yaml", "--strict", "--format", "text"],
        ["lint", "--color", "never", "a.yaml"],
        ["lint", "--color=always"],
        ["lint", "--ignore", "unused-output", "--ignore=unreachable-task", "a.yaml"],
        ["lint", "--ignore", "no-such-rule"],
        ["lint", "lint"],
        ["lint", "a b.yaml", "ünïcode.yaml"],
    ]

    /// Command lines it leaves to ArgumentParser: help, unknown or repeated
    /// options, bad or missing values, `--`.
    static let declined: [[String]] = [
        [],
        ["plan", "a.yaml"],
        ["--version"],
        ["lint", "--help"],
        ["lint", "-h"],
        ["lint", "--format"],
        ["lint", "--format", "yaml"],
        ["lint", "--format", "json", "--format", "text"],
        ["lint", "--format=", "a.yaml"],
        ["lint", "--strict", "--strict"],
        ["lint", "--strict=true"],
        ["lint", "--color", "sometimes"],
        ["lint", "--ignore"],
        ["lint", "--ignore", "--strict"],
        ["lint", "--", "-odd.yaml"],
        ["lint", "-"],
        ["lint", "--frmat", "json"],
        ["lint", "--generate-completion-script", "bash"],
        ["lint", "-s"],
    ]

    @Test(arguments: LintFastPathTests.taken)
    func readsWhatArgumentParserReads(_ arguments: [String]) throws {
        let fast = try #require(Sluice.fastPathJob(arguments), "the fast path should take \(arguments)")
        let parsed = try LintCommand.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.job)
    }

    @Test(arguments: LintFastPathTests.declined)
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(Sluice.fastPathJob(arguments) == nil)
    }

    /// Every form the fast path accepts, combined: each option in both
    /// spellings (`--format json`, `--format=json`) with each of its values,
    /// `--strict`, repeated `--ignore`, paths before, between and after, in
    /// random orders. The fast path must take each one and read it exactly
    /// as ArgumentParser does.
    @Test func everyFormItAcceptsReadsAsArgumentParserReadsIt() throws {
        func spelled(_ name: String, _ value: String, _ joined: Bool) -> [String] { joined ? ["\(name)=\(value)"] : [name, value] }
        var generator = SeededGenerator(seed: 0xfa57)
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        let paths = ["a.yaml", "dir", "lint", "a b.yaml", "ünïcode.yaml", "pipelines/x.yml"]
        let rules = ["unused-output", "unreachable-task", "no-such-rule", "cycle"]
        var lines: [[String]] = []
        // Each option alone, in each spelling, with each value.
        for format in LintCommand.Format.allCases { for joined in [false, true] { lines.append(spelled("--format", format.rawValue, joined)) } }
        for color in ColorChoice.allCases { for joined in [false, true] { lines.append(spelled("--color", color.rawValue, joined)) } }
        for rule in rules { for joined in [false, true] { lines.append(spelled("--ignore", rule, joined)) } }
        lines.append(["--strict"])
        // Then combinations in random orders.
        for _ in 0..<400 {
            var groups: [[String]] = []
            if generator.next() % 3 != 0 { groups.append(spelled("--format", pick(LintCommand.Format.allCases).rawValue, generator.next() % 2 == 0)) }
            if generator.next() % 3 != 0 { groups.append(spelled("--color", pick(ColorChoice.allCases).rawValue, generator.next() % 2 == 0)) }
            if generator.next() % 2 == 0 { groups.append(["--strict"]) }
            for _ in 0..<Int(generator.next() % 3) { groups.append(spelled("--ignore", pick(rules), generator.next() % 2 == 0)) }
            for _ in 0..<Int(generator.next() % 3) { groups.append([pick(paths)]) }
            groups.shuffle(using: &generator)
            lines.append(groups.flatMap { $0 })
        }
        for line in lines {
            let arguments = ["lint"] + line
            let fast = try #require(Sluice.fastPathJob(arguments), "the fast path should take \(arguments)")
            let parsed = try LintCommand.parse(line)
            #expect(fast == parsed.job, "\(arguments)")
        }
    }
}
