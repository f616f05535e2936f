import ArgumentParser
import Foundation
import SluiceColumnar
import SluiceExecutor
import SluiceWeb

/// `sluice report RUN_ID|latest -o FILE.html`: the UI's run page as one
/// self-contained file (`RunReport`), for CI artifacts and sharing.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's page as one self-contained HTML file.",
        discussion: """
            The file holds the run's graph, timeline, every instance with its outputs, table previews, \
            check results and logs, with the page's CSS and script inline: it opens from disk with no \
            server and fetches nothing. RUN_ID may be `latest`; runs are found as `sluice show` finds them. \
            The file is written atomically and never through a symbolic link.
            """
    )

    @Argument(help: "A run id, or latest.")
    var runID: String

    @Option(name: [.short, .customLong("output")], help: "The HTML file to write.")
    var output: String

    @Option(help: "Look for runs in this workspace only.")
    var workspace: String?

    func run() throws {
        let workspaces = workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: ".")
        let html: [UInt8]
        do { html = try RunReport.html(runID: runID, workspaces: workspaces) } catch { throw failUsageOrIO(error.description) }
        var info = stat()
        if lstat(output, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            throw failUsageOrIO("\(output) is a symbolic link: sluice report does not write through one")
        }
        do { try AtomicFile.write(html, to: output) } catch { throw failUsageOrIO("cannot write \(output): \(error)") }
        writeErr("wrote \(output) (\(html.count / 1024 + 1) KiB)\n")
    }
}
