import ArgumentParser
import Foundation
import SluiceColumnar

/// `sluice cat FILE`: print an Arrow IPC, CSV or JSON-lines table. Wiring only; the
/// printing lives in `SluiceColumnar.TablePrinter`.
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print a table (Arrow IPC, CSV or JSON lines).",
        discussion: """
            Prints an aligned table on a terminal and CSV when piped. \
            `--format csv` output re-ingests to an identical Arrow file. \
            The format is told by content: Arrow IPC (file or stream), JSON lines \
            (first byte `{`; types from the first object), else CSV (every column a string). \
            Parquet is refused.
            """
    )

    @Argument(help: "An Arrow IPC file (.arrow, Feather V2) or stream, a CSV file or a JSON-lines file.")
    var file: String

    @Option(help: "table, csv or json (JSON lines). Default: table on a terminal, csv otherwise.")
    var format: CatFormat?

    @Option(help: "Print at most N rows.")
    var head: Int?

    @Flag(help: "Print the column names and types instead of the rows.")
    var schema = false

    func validate() throws {
        if let head, head < 0 { throw ValidationError("--head must be 0 or more, not \(head)") }
    }

    func run() throws {
        let output = FileDescriptorOutput.standardOutput
        let options = CatOptions(format: format ?? (output.isTerminal ? .table : .csv), head: head, schemaOnly: schema)
        do {
            try TablePrinter.print(path: file, options: options, to: output)
        } catch let error as FileSystemError where error.errno == EPIPE {
            // The reader went away (`sluice cat t.arrow | head`): end quietly, as writeOut does.
            throw ExitCode(2)
        } catch {
            try? output.flush()
            let standardError = FileDescriptorOutput(descriptor: 2)
            try? standardError.write("error: \(error)\n")
            try? standardError.flush()
            throw ExitCode(2)
        }
    }
}

extension CatFormat: ExpressibleByArgument {}
