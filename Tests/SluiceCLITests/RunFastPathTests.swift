@testable import sluice
import SluiceTestSupport
import Testing

/// `sluice run` skips ArgumentParser for its common command lines; whatever
/// it reads that way must be exactly what ArgumentParser reads, and whatever
/// it cannot read exactly (or ArgumentParser would refuse) it must leave to
/// ArgumentParser.
struct RunFastPathTests {
    /// Command lines the fast path takes.
    static let taken: [[String]] = [
        ["run", "a.yaml"],
        ["run", "plan.json", "--max-active", "2"],
        ["run", "--max-active=16", "a.yaml"],
        ["run", "a.yaml", "--max-active", "007"],
        ["run", "a.yaml", "--param", "n=3", "--param=region=eu", "--param", "list=[1, 2]"],
        ["run", "--fail-fast", "--force", "--no-cache", "--explain", "a.yaml"],
        ["run", "a.yaml", "--force-task", "load", "--force-task=report"],
        ["run", "a.yaml", "--resume", "latest"],
        ["run", "--resume=20261121T060000.123Z-3f9a1c", "a.yaml"],
        ["run", "a.yaml", "--color", "never"],
        ["run", "--color=always", "a b.yaml"],
        ["run", "run"],
        ["run", "ünïcode.yaml"],
    ]

    /// Command lines it leaves to ArgumentParser: help, `--dry-run` and
    /// `--format`, unknown or repeated options, bad or missing values, values
    /// `validate()` refuses, no target or two, `--`.
    static let declined: [[String]] = [
        [],
        ["run"],
        ["lint", "a.yaml"],
        ["run", "--help"],
        ["run", "-h", "a.yaml"],
        ["run", "a.yaml", "b.yaml"],
        ["run", "a.yaml", "--dry-run"],
        ["run", "a.yaml", "--dry-run", "--format", "json"],
        ["run", "a.yaml", "--max-active"],
        ["run", "a.yaml", "--max-active", "0"],
        ["run", "a.yaml", "--max-active", "-1"],
        ["run", "a.yaml", "--max-active", "+2"],
        ["run", "a.yaml", "--max-active", "two"],
        ["run", "a.yaml", "--max-active", "99999999999999999999999"],
        ["run", "a.yaml", "--max-active", "2", "--max-active", "3"],
        ["run", "a.yaml", "--force", "--force"],
        ["run", "a.yaml", "--force=true"],
        ["run", "a.yaml", "--param"],
        ["run", "a.yaml", "--param="],
        ["run", "a.yaml", "--param", "--force"],
        ["run", "a.yaml", "--resume", "a", "--resume", "b"],
        ["run", "a.yaml", "--color", "sometimes"],
        ["run", "--", "-odd.yaml"],
        ["run", "-"],
        ["run", "a.yaml", "--max-actve", "2"],
        ["run", "a.yaml", "--generate-completion-script", "bash"],
        ["run", "a.yaml", "-f"],
    ]

    @Test(arguments: RunFastPathTests.taken)
    func readsWhatArgumentParserReads(_ arguments: [String]) throws {
        let fast = try #require(Sluice.runFastPathJob(arguments), "the fast path should take \(arguments)")
        let parsed = try RunCommand.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.job)
    }

    @Test(arguments: RunFastPathTests.declined)
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(Sluice.runFastPathJob(arguments) == nil)
    }

    /// The fast paths are each tried on their own command only.
    @Test func eachCommandGoesToItsOwnFastPath() {
        #expect(Sluice.fastPath(["run", "a.yaml"]) is RunJob)
        #expect(Sluice.fastPath(["lint", "a.yaml"]) is LintJob)
        #expect(Sluice.fastPath(["export", "a.yaml"]) == nil)
        #expect(Sluice.fastPath(["run", "--dry-run", "a.yaml"]) == nil)
    }

    /// Every form the fast path accepts, combined: each option in both
    /// spellings (`--resume latest`, `--resume=latest`), each flag, repeated
    /// `--param` and `--force-task`, the target before, between and after, in
    /// random orders. The fast path must take each one and read it exactly as
    /// ArgumentParser does.
    @Test func everyFormItAcceptsReadsAsArgumentParserReadsIt() throws {
        func spelled(_ name: String, _ value: String, _ joined: Bool) -> [String] { joined ? ["\(name)=\(value)"] : [name, value] }
        var generator = SeededGenerator(seed: 0x7a57)
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        let targets = ["a.yaml", "plan.json", "run", "a b.yaml", "ünïcode.yaml", "pipelines/x.yml"]
        let params = ["n=3", "a.b=x", "list=[1, 2]", "empty=", "s=a=b"]
        let tasks = ["load", "report", "t00001"]
        let counts = ["1", "2", "16", "010"]
        let flags = ["--fail-fast", "--force", "--no-cache", "--explain"]
        var lines: [[String]] = []
        for color in ColorChoice.allCases { for joined in [false, true] { lines.append(spelled("--color", color.rawValue, joined) + ["a.yaml"]) } }
        for count in counts { for joined in [false, true] { lines.append(spelled("--max-active", count, joined) + ["a.yaml"]) } }
        for flag in flags { lines.append([flag, "a.yaml"]) }
        for _ in 0..<400 {
            var groups: [[String]] = [[pick(targets)]]
            if generator.next() % 2 == 0 { groups.append(spelled("--max-active", pick(counts), generator.next() % 2 == 0)) }
            if generator.next() % 3 == 0 { groups.append(spelled("--color", pick(ColorChoice.allCases).rawValue, generator.next() % 2 == 0)) }
            if generator.next() % 3 == 0 { groups.append(spelled("--resume", "latest", generator.next() % 2 == 0)) }
            for flag in flags where generator.next() % 3 == 0 { groups.append([flag]) }
            for _ in 0..<Int(generator.next() % 3) { groups.append(spelled("--param", pick(params), generator.next() % 2 == 0)) }
            for _ in 0..<Int(generator.next() % 3) { groups.append(spelled("--force-task", pick(tasks), generator.next() % 2 == 0)) }
            groups.shuffle(using: &generator)
            lines.append(groups.flatMap { $0 })
        }
        for line in lines {
            let arguments = ["run"] + line
            let fast = try #require(Sluice.runFastPathJob(arguments), "the fast path should take \(arguments)")
            let parsed = try RunCommand.parse(line)
            #expect(fast == parsed.job, "\(arguments)")
        }
    }
}
