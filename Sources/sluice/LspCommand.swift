import ArgumentParser
import Foundation
import SluiceLanguageServer

/// `sluice lsp`: the language server, on stdin and stdout.
struct LspCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the language server (LSP over stdin/stdout) for editors.",
        discussion: """
            Diagnostics from the whole compiler as you type, go to definition, find references, rename, \
            completion and hover for pipeline specs. Editors start it themselves; see docs/editors.md.
            """
    )

    // Clients such as vscode-languageclient add `--stdio` on their own; stdio is the only transport.
    @Flag(help: "Talk over stdin and stdout (the default and only transport).")
    var stdio = false

    func run() throws {
        let server = LanguageServer(input: STDIN_FILENO, output: STDOUT_FILENO, schema: SchemaCommand.schema, version: Sluice.version)
        let status = server.run()
        if status != 0 { throw ExitCode(status) }
    }
}
