import ArgumentParser
import Dispatch
import Foundation
import SluiceExecutor
import SluiceServer
import SluiceWeb

/// `sluice ui`: the runs, run and pipeline pages (docs/ui.md), served from
/// the records by the binary itself, read-only, live while runs go on.
struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Serve a read-only web UI of the recorded runs.",
        discussion: """
            Runs are looked up in the workspaces found from the current directory (it, its parents, \
            and its subdirectories two levels down), or in --workspace. It listens on 127.0.0.1 unless \
            --host says otherwise; --port 0 picks a free port. The URL is printed once the server \
            listens. Ctrl-C stops it.
            """
    )

    @Option(help: "Serve the runs of this workspace only.")
    var workspace: String?

    @Option(help: "The address to listen on (an IP address; default 127.0.0.1, this machine only).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    func run() throws {
        let workspaces: [String]
        if let workspace {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workspace, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw failUsageOrIO("--workspace \(workspace) is not a directory")
            }
            workspaces = [workspace]
        } else {
            workspaces = RunCatalog.discoverWorkspaces(from: ".")
        }
        let responder = WebResponder(workspaces: workspaces)
        let server: UIServer
        do {
            server = try UIServer(host: host, port: port, workspaces: workspaces) { path, query in
                responder.respond(WebRequest(path: path, query: query))
            }
        } catch {
            throw failUsageOrIO(error.description)
        }
        if !server.isLoopbackOnly {
            writeErr("warning: listening on \(host): the run records (logs, outputs, tables) become visible to the network; "
                + "sluice ui has no login\n")
        }
        Self.stopOnSignals(server)
        Task {
            do {
                try await server.run()
            } catch {
                // Stopping closes the listening socket, which ends `run` with an error: not a failure then.
                if Self.stopping.isSet { return }
                writeErr("error: cannot serve on \(host) port \(port): \(error.localizedDescription)\n")
                exitWithoutTeardown(.usageOrIO)
            }
        }
        Task {
            do {
                let bound = try await server.listeningPort()
                let shownHost = server.host.contains(":") ? "[\(server.host)]" : server.host
                let real = RunCatalog(workspaces: workspaces).workspaces
                let places = real.isEmpty ? "no workspace with runs found yet" : real.joined(separator: ", ")
                writeOut("sluice ui: serving http://\(shownHost):\(bound)/ (records of \(places)); Ctrl-C stops it\n")
            } catch {
                writeErr("error: the server did not start listening: \(error.localizedDescription)\n")
                exitWithoutTeardown(.usageOrIO)
            }
        }
        dispatchMain()
    }

    /// SIGINT and SIGTERM: stop listening, give open connections a second, exit 0.
    private static func stopOnSignals(_ server: UIServer) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                stopping.set()
                // A second signal while stopping ends at once.
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                DispatchQueue.main.asyncAfter(deadline: .now() + 3) { exitWithoutTeardown(.success) }
                Task {
                    await server.stop(grace: 1)
                    writeErr("sluice ui: stopped\n")
                    exitWithoutTeardown(.success)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Set once a signal asked the server to stop.
    private static let stopping = Latch()

    final class Latch: Sendable {
        private let lock = NSLock()
        nonisolated(unsafe) private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    /// Kept alive for the life of the process (a released source stops delivering).
    nonisolated(unsafe) private static var signalSources: [any DispatchSourceSignal] = []
}
