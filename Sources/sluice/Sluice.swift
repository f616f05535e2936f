import ArgumentParser

@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A declarative pipeline compiler: lint, draw, plan and run YAML pipelines.",
        subcommands: [LintCommand.self, CatCommand.self]
    )
}
