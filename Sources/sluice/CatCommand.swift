import ArgumentParser
import Foundation
import SluiceColumnar
import SluiceExecutor
import SluicePlan

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
            Parquet is refused. \
            A run's table output is named `RUN:task.output`: RUN is a run id or `latest`, and a map \
            instance is `task[LABEL]` (the label the run recorded) or `task[INDEX]`, as in \
            `sluice cat latest:download[AAPL].prices`. It is read from the run's records without \
            following a symlink. A path that exists is always read as a file.
            """
    )

    @Argument(help: "An Arrow IPC file (.arrow, Feather V2) or stream, a CSV file, a JSON-lines file, or RUN:task.output.")
    var file: String

    @Option(help: "table, csv or json (JSON lines). Default: table on a terminal, csv otherwise.")
    var format: CatFormat?

    @Option(help: "Print at most N rows.")
    var head: Int?

    @Flag(help: "Print the column names and types instead of the rows.")
    var schema = false

    @Option(help: "Look for runs (RUN:task.output) in this workspace only.")
    var workspace: String?

    func validate() throws {
        if let head, head < 0 { throw ValidationError("--head must be 0 or more, not \(head)") }
    }

    func run() throws {
        let output = FileDescriptorOutput.standardOutput
        let options = CatOptions(format: format ?? (output.isTerminal ? .table : .csv), head: head, schemaOnly: schema)
        var path = file
        var opened: Int32 = -1
        defer { if opened >= 0 { close(opened) } }
        if let reference = RunOutputReference(parsing: file), !Self.exists(file) {
            opened = try open(reference)
            path = "/dev/fd/\(opened)"
        }
        do {
            let printed = try TablePrinter.print(path: path, options: options, to: output)
            // The table form says it in its last line; CSV and JSON lines stay re-readable.
            if let total = printed.total, options.format != .table {
                writeErr("(first \(printed.rows) of \(total) rows)\n")
            }
        } catch let error as FileSystemError where error.errno == EPIPE {
            // The reader went away (`sluice cat t.arrow | head`): end quietly, as writeOut does.
            throw ExitCode(2)
        } catch {
            try? output.flush()
            let standardError = FileDescriptorOutput(descriptor: 2)
            // A run output is read through its descriptor: the message names it as the user did.
            let message = path == file ? "\(error)" : "\(error)".replacingOccurrences(of: path, with: file)
            try? standardError.write("error: \(message)\n")
            try? standardError.flush()
            throw ExitCode(2)
        }
    }

    /// Whether a path names anything, a dangling symlink included (then it is a file argument, not a run output).
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The run output's table, opened through the run store (never through a symlink).
    private func open(_ reference: RunOutputReference) throws -> Int32 {
        let catalog = RunCatalog(workspaces: workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: "."))
        let run = try LogsCommand.findRun(reference.runID, in: catalog)
        let store = RunStore(workspace: run.workspace)
        do throws(ExecutorError) {
            let record = try store.record(of: run)
            let instance = try record.instance(reference.instance, taskOrder: catalog.taskOrder(of: run))
            // Table outputs are recorded as the path of `<output>.arrow` in the run's records.
            var tables: [String] = []
            for (name, value) in instance.outputs.objectValue ?? [] where value.stringValue?.hasSuffix("/" + name + ".arrow") == true {
                tables.append(name)
            }
            guard tables.contains(reference.output) else {
                let known = tables.isEmpty ? "it has none" : tables.joined(separator: ", ")
                let settled = instance.state == TaskState.success || instance.state == TaskState.cached
                let state = settled ? "" : "; its state is \(instance.state.rawValue)"
                throw ExecutorError("\(instance.name) has no table output \(reference.output) (\(known)\(state))")
            }
            return try store.openOutputTable(run, instance.key, output: reference.output)
        } catch {
            throw failUsageOrIO(RunProgress.relative(error.message))
        }
    }
}

/// `RUN:task.output` or `RUN:task[LABEL].output`, as `sluice cat` takes it.
struct RunOutputReference {
    var runID: String
    var instance: InstanceSelector
    var output: String

    init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let runID = String(text[..<colon]), rest = text[text.index(after: colon)...]
        // The output name holds no dot; a label may.
        guard !runID.isEmpty, let dot = rest.lastIndex(of: "."),
              let instance = InstanceSelector(parsing: String(rest[..<dot])) else { return nil }
        let output = String(rest[rest.index(after: dot)...])
        guard !output.isEmpty, !output.contains("]") else { return nil }
        self.runID = runID
        self.instance = instance
        self.output = output
    }
}

extension CatFormat: ExpressibleByArgument {}
