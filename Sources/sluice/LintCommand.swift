import ArgumentParser

/// `sluice lint [PATH...]`.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Check pipeline specs.")
    func run() throws {}
}
