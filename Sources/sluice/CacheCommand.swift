import ArgumentParser
import Foundation
import SluiceExecutor

/// `sluice cache gc`: remove cache entries the recent runs no longer use.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Maintain the run cache in .sluice/cache/.",
        subcommands: [CacheGCCommand.self]
    )
}

struct CacheGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove cache entries not used by the last N runs of each pipeline.",
        discussion: """
            Keeps every entry that one of the newest N runs of a pipeline used (ran and stored, or \
            took from the cache), removes the others and the temporary files crashed runs left. It \
            needs the cache to itself: while a run is active it changes nothing and exits 2. \
            Workspaces are found from the current directory as `sluice runs` finds them, or given \
            with --workspace.
            """
    )

    @Option(help: "Keep the entries of the newest N runs of each pipeline (default \(CacheCollector.defaultKeep)).")
    var keep = CacheCollector.defaultKeep

    @Option(help: "Collect this workspace only.")
    var workspace: String?

    func validate() throws {
        if keep < 0 { throw ValidationError("--keep must be 0 or more, not \(keep)") }
    }

    func run() throws {
        let workspaces = workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: ".")
        guard !workspaces.isEmpty else {
            writeOut("no workspace with a .sluice directory here; nothing to collect\n")
            return
        }
        for root in workspaces {
            let report: CacheCollector.Report
            do { report = try CacheCollector.collect(workspace: root, keep: keep) } catch { throw failUsageOrIO(error.message) }
            let mb = String(format: "%.1f", Double(report.freedBytes) / 1_048_576)
            writeOut("\(root): removed \(report.removedEntries) cache entr\(report.removedEntries == 1 ? "y" : "ies") (\(mb) MB freed), "
                     + "kept \(report.keptEntries) used by the last \(keep) run\(keep == 1 ? "" : "s") of \(report.pipelines) "
                     + "pipeline\(report.pipelines == 1 ? "" : "s"); removed \(report.removedTemporaries) temporary director"
                     + "\(report.removedTemporaries == 1 ? "y" : "ies")\n")
        }
    }
}
