import ArgumentParser
import SluiceColumnar
import SluicePlan
import SluiceSpec

/// `sluice schema [-o FILE]`: print the JSON Schema of the pipeline spec.
/// Wiring only; the schema is built by `SluiceSpec.SpecSchema`.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the pipeline spec, for editors.",
        discussion: """
            JSON Schema draft 2020-12. Point an editor at it to complete keys and flag misspelled \
            ones, e.g. a first line `# yaml-language-server: $schema=../docs/schema/sluice.schema.json` \
            for VS Code's YAML extension. The repository ships the same text as \
            docs/schema/sluice.schema.json.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the schema to FILE instead of standard output.", valueName: "file"))
    var output: String?

    /// SluiceSpec cannot see the trigger rules (SluicePlan) or the column
    /// types (SluiceColumnar, whose raw values are the spec's spellings), so
    /// they are handed over here, where both are in reach.
    static var schema: SpecSchema {
        SpecSchema(triggerRules: TriggerRule.allCases.map(\.rawValue),
                   columnTypes: SluiceColumnar.ColumnType.allCases.map(\.rawValue))
    }

    func run() throws {
        let text = Self.schema.rendered()
        guard let output else {
            writeOut(text)
            return
        }
        do {
            // Atomic, so an editor watching the file never reads half a schema.
            try AtomicFile.write(text, to: output, specialTarget: .writeThrough)
        } catch {
            throw failUsageOrIO("cannot write \(output): \(error)")
        }
    }
}
