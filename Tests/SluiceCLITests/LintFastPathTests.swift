@testable import sluice
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
        let fast = try #require(LintJob(fastPath: arguments), "the fast path should take \(arguments)")
        let parsed = try LintCommand.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.job)
    }

    @Test(arguments: LintFastPathTests.declined)
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(LintJob(fastPath: arguments) == nil)
    }
}
