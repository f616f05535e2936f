import ArgumentParser
import Foundation

/// The `sluice` command. It only wires library stages together and maps
/// outcomes to exit codes: 0 success, 1 lint errors or a failed run, 2 usage
/// or I/O error (ArgumentParser's own usage code, 64, is remapped to 2).
@main
struct Sluice: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A declarative pipeline compiler: lint, draw, plan and run YAML pipelines.",
        version: version,
        subcommands: [
            LintCommand.self, PlanCommand.self, GraphCommand.self, RunCommand.self, RunsCommand.self, ShowCommand.self, LogsCommand.self,
            ExportCommand.self, TaskRunCommand.self, CatCommand.self, CacheCommand.self, SchemaCommand.self, ExplainCommand.self, InitCommand.self, LspCommand.self,
            UICommand.self, ReportCommand.self,
        ]
    )

    static func main() {
        // A reader that went away (`sluice lint | head -1`) makes a write fail
        // with EPIPE, which `Terminal.write` ends on quietly; the default
        // SIGPIPE would kill sluice mid-way (and orphan a run's tasks).
        // Tasks and tools sluice starts get the default disposition back.
        signal(SIGPIPE, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let job = fastPath(arguments) {
            do {
                try job.run()
            } catch {
                end(withError: error)
            }
            return
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            end(withError: error)
        }
    }

    /// A command line one of the argv fast paths reads, or nil for ArgumentParser:
    /// the command's name picks its reader, which gets the words after it.
    static func fastPath(_ arguments: [String]) -> (any FastPathJob)? {
        guard let name = arguments.first else { return nil }
        let rest = Array(arguments.dropFirst())
        switch name {
        case LintCommand.configuration.commandName: return LintCommand.fastPath(rest)
        case RunCommand.configuration.commandName: return RunCommand.fastPath(rest)
        case PlanCommand.configuration.commandName: return PlanCommand.fastPath(rest)
        case GraphCommand.configuration.commandName: return GraphCommand.fastPath(rest)
        default: return nil
        }
    }

    /// A `sluice lint` command line the argv fast path reads (`LintCommand.fastPath`), or nil for ArgumentParser.
    static func fastPathJob(_ arguments: [String]) -> LintJob? { fastPath(arguments) as? LintJob }

    /// A `sluice run` command line the argv fast path reads (`RunCommand.fastPath`), or nil for ArgumentParser.
    static func runFastPathJob(_ arguments: [String]) -> RunJob? { fastPath(arguments) as? RunJob }

    /// A `sluice plan` command line the argv fast path reads (`PlanCommand.fastPath`), or nil for ArgumentParser.
    static func planFastPathJob(_ arguments: [String]) -> PlanJob? { fastPath(arguments) as? PlanJob }

    /// A `sluice graph` command line the argv fast path reads (`GraphCommand.fastPath`), or nil for ArgumentParser.
    static func graphFastPathJob(_ arguments: [String]) -> GraphJob? { fastPath(arguments) as? GraphJob }

    /// ArgumentParser's `exit(withError:)`, with the message written by
    /// `Terminal` (checked) and its usage code (64) remapped to 2.
    static func end(withError error: Error) -> Never {
        let code = exitCode(for: error)
        let text = fullMessage(for: error)
        if !text.isEmpty {
            if code == .success { writeOut(text + "\n") } else { writeErr(text + "\n") }
        }
        Foundation.exit(code == .validationFailure ? ExitStatus.usageOrIO.rawValue : code.rawValue)
    }
}

/// A command read by an argv fast path instead of ArgumentParser.
protocol FastPathJob {
    func run() throws
}

/// The exit codes of DESIGN.md.
enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    case usageOrIO = 2

    var code: ExitCode { ExitCode(rawValue) }
}

/// Ends the process now, skipping deallocation of what is still alive:
/// freeing a 10,000-task syntax tree, plan or drawing node by node costs a
/// tenth of a run, and the process is about to end anyway (clang's
/// -disable-free does the same). `kept` are values the caller still holds and
/// must not be freed before the exit: Swift may end a local's life after its
/// last use, so a command passes what it built here.
func exitWithoutTeardown(_ status: ExitStatus, keeping kept: Any...) -> Never {
    withExtendedLifetime(kept) { Foundation.exit(status.rawValue) }
}

/// Writes an `error: ...` line to stderr and exits 2.
func failUsageOrIO(_ message: String) -> ExitCode {
    writeErr("error: \(message)\n")
    return ExitStatus.usageOrIO.code
}
