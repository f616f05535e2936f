import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice ui` end to end (issue 25): the real binary on a free port, real
/// HTTP on a socket. What it serves, where it listens, what it refuses, and
/// that nothing outside the workspace's records ever comes back.

private let shown = """
    pipeline: shown
    secrets: [TOKEN]
    tasks:
      greet:
        run: echo "hello token $TOKEN"
      after:
        needs: [greet]
        run: echo "after greet"

    """

private let slow = """
    pipeline: slow
    tasks:
      first:
        run: sleep 1; echo one
      second:
        needs: [first]
        run: sleep 1; echo two

    """

private let secret = "Zq7Wm3Kp9Xt2"
/// A file beside the records that no URL may reach.
private let outsideMarker = "OUTSIDE-THE-RECORDS-7f3a"

/// A workspace with one finished run of `shown` and a file outside `.sluice/`.
private func workspaceWithRun() throws -> (RunWorkspace, String) {
    let workspace = try RunWorkspace()
    try workspace.write("shown.yaml", shown)
    try workspace.write("private.txt", outsideMarker)
    let run = try workspace.run("shown.yaml", environment: ["TOKEN": secret])
    try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
    let runID = try #require(try workspace.show().runID)
    return (workspace, runID)
}

@Suite(.serialized) struct UIServerTests {
    @Test func servesTheAPIAndPagesFromTheRecordsAndPrintsTheURL() throws {
        let (workspace, runID) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }
        #expect(server.firstLine.hasPrefix("sluice ui: serving http://127.0.0.1:\(server.port)/"), "\(server.firstLine)")
        #expect(server.port > 0)

        let runs = try server.get("/api/runs")
        #expect(runs.status == 200)
        #expect(runs.headers["content-type"]?.hasPrefix("application/json") == true)
        let listed = runs.json?["runs"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["run_id"] as? String } == [runID], "\(runs.text)")
        #expect(listed.first?["state"] as? String == "success")

        // `/api/runs/<id>` is exactly `sluice show <id> --format json`.
        let api = try #require(try server.get("/api/runs/\(runID)").json)
        let show = try workspace.show(runID).json
        #expect(NSDictionary(dictionary: api).isEqual(to: show), "api: \(api)\nshow: \(show)")
        #expect(try server.get("/api/runs/latest").json?["run_id"] as? String == runID)

        let page = try server.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.headers["cache-control"] == "no-store")
        // HEAD: the same head, no body.
        let head = try server.get("/", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.headers["content-length"] == String(page.body.count))

        let missing = try server.get("/api/runs/20990101T000000Z-none")
        #expect(missing.status == 404)
        #expect(missing.json?["error"] is String, "\(missing.text)")

        let stopped = try #require(server.interrupt(), "sluice ui did not stop on SIGINT")
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("stopped"), "\(stopped.stderr)")
        #expect(throws: (any Error).self, "the port is closed once it stopped") { try RawHTTP.connect(port: server.port) }
    }

    @Test func listensOnLoopbackUnlessToldAndWarnsWhenTold() throws {
        let (workspace, _) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let local = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { local.stop() }
        // 127.0.0.1 in /proc/net/tcp's little-endian hex, and nothing else on that port.
        #expect(listeningAddresses(port: local.port) == [String(format: "0100007F:%04X", local.port)])
        // A page on another site that rebinds its name to 127.0.0.1 sends its own Host: refused.
        let rebound = try local.get("/api/runs", headers: ["Host: attacker.example:\(local.port)"])
        #expect(rebound.status == 403, "\(rebound.text)")
        #expect(!rebound.text.contains("run_id"))
        #expect(try local.get("/api/runs", headers: ["Host: localhost:\(local.port)"]).status == 200)
        let localStopped = local.interrupt()
        #expect(localStopped?.stderr.contains("warning") == false, "\(localStopped?.stderr ?? "")")

        let open = try UIServerProcess(["--workspace", workspace.path, "--host", "0.0.0.0"], cwd: workspace.url)
        defer { open.stop() }
        #expect(listeningAddresses(port: open.port) == [String(format: "00000000:%04X", open.port)])
        #expect(try open.get("/api/runs").status == 200)
        let stopped = try #require(open.interrupt())
        #expect(stopped.stderr.contains("warning: listening on 0.0.0.0: the run records"), "\(stopped.stderr)")
    }

    @Test func badArgumentsAndABusyPortEndWithExit2() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        let badHost = try CLI.run(["ui", "--workspace", workspace.path, "--host", "example.com", "--port", "0"], timeout: 20)
        #expect(badHost.status == 2 && badHost.stderr.contains("--host example.com is not an IP address"), "\(badHost.stderr)")
        let badPort = try CLI.run(["ui", "--workspace", workspace.path, "--port", "70000"], timeout: 20)
        #expect(badPort.status == 2 && badPort.stderr.contains("--port 70000"), "\(badPort.stderr)")
        let noWorkspace = try CLI.run(["ui", "--workspace", workspace.path + "/missing", "--port", "0"], timeout: 20)
        #expect(noWorkspace.status == 2 && noWorkspace.stderr.contains("is not a directory"), "\(noWorkspace.stderr)")

        let first = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { first.stop() }
        let busy = try CLI.run(["ui", "--workspace", workspace.path, "--port", String(first.port)], timeout: 20)
        #expect(busy.status == 2, "\(busy.stdout)\(busy.stderr)")
        #expect(busy.stderr.contains("cannot serve on 127.0.0.1 port \(first.port)"), "\(busy.stderr)")
        #expect(!busy.crashed && !busy.timedOut)
    }

    @Test func isReadOnlyEveryOtherMethodGets405AndChangesNothing() throws {
        let (workspace, runID) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }
        let before = workspace.recordFiles().map { "\($0.0) \($0.1.count)" }.sorted()
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            for target in ["/api/runs", "/api/runs/\(runID)", "/"] {
                let reply = try RawHTTP.send(port: server.port, RawHTTP.request(method, target, body: method == "DELETE" ? "" : "{}"))
                #expect(reply.status == 405, "\(method) \(target): \(reply.status)")
                #expect(reply.headers["allow"] == "GET, HEAD")
                #expect(reply.json?["error"] is String, "\(reply.text)")
            }
        }
        #expect(workspace.recordFiles().map { "\($0.0) \($0.1.count)" }.sorted() == before)
        #expect(try server.get("/api/runs/\(runID)").status == 200, "the server still answers")
    }

    @Test func noURLLeavesTheRecordsRawEncodedOrOverlong() throws {
        let (workspace, runID) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }
        let absolute = workspace.path + "/private.txt"
        let attempts = [
            "/../private.txt", "/../../../../etc/passwd", "/assets/../../private.txt", "/assets/..%2f..%2fprivate.txt",
            "/assets/%2e%2e%2f%2e%2e%2fprivate.txt", "/assets/%252e%252e%252fprivate.txt", "/assets/..\\..\\private.txt",
            "/assets/%2e%2e%5c%2e%2e%5cprivate.txt", "/assets/app.css%00.txt", "/assets/%00", "/assets/\(absolute)",
            "/api/runs/..", "/api/runs/%2e%2e", "/api/runs/..%2f..%2f..%2fprivate.txt", "/api/runs/%2e%2e%2f%2e%2e%2fprivate.txt",
            "/api/runs/%252e%252e%252fprivate.txt", "/api/runs/..%5c..%5cprivate.txt", "/api/runs/%2fetc%2fpasswd",
            "/api/runs/\(runID)/..%2f..%2f..%2f..%2fprivate.txt", "/api/runs/\(runID)/%2e%2e/journal.jsonl",
            "/api/runs/\(runID)/log?task=..%2f..%2f..%2f..%2fprivate.txt&try=1",
            "/api/runs/\(runID)/log?task=greet&label=..%2f..%2fprivate.txt",
            "/api/runs/\(runID)/log?task=%2fetc%2fpasswd", "/api/runs/\(runID)/log?task=greet%00&try=1",
            "/api/runs/\(runID)/table?task=greet&output=..%2f..%2f..%2f..%2f..%2fprivate.txt",
            "/api/runs/\(runID)/table?task=greet&output=\(absolute)",
            "/api/pipelines/..", "/api/pipelines/..%2f..%2fprivate.txt", "/api/pipelines/%2e%2e%2fprivate",
            "/api/pipelines/\(absolute)", "/runs/..%2f..%2fprivate.txt", "//etc/passwd", "/%2e%2e/private.txt",
            "/.sluice/runs", "/private.txt", "/shown.yaml",
        ]
        for target in attempts {
            let reply = try server.get(target)
            #expect([400, 404].contains(reply.status) || (reply.status == 200 && reply.headers["content-type"]?.hasPrefix("text/html") == true),
                    "\(target): \(reply.status)")
            #expect(!reply.text.contains(outsideMarker), "\(target) served the file outside the records")
            #expect(!reply.text.contains("root:x:0:0"), "\(target) served /etc/passwd")
            #expect(!reply.text.contains(secret), "\(target) served the secret")
        }
        // A raw NUL, a backslash-only path and a target that is not a path are refused before the responder.
        #expect(try RawHTTP.send(port: server.port, Array("GET /assets/app.css\u{0}/../../private.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)).status == 400)
        #expect(try RawHTTP.send(port: server.port, RawHTTP.request("GET", "http://127.0.0.1/../private.txt")).status == 400)

        // Over-long target and headers: refused with their own status, and the server keeps answering.
        let longTarget = try server.get("/api/runs/" + String(repeating: "a", count: 4_200))
        #expect(longTarget.status == 414)
        let longHeaders = try server.get("/api/runs", headers: (0..<20).map { "X-Fill\($0): " + String(repeating: "h", count: 1_000) })
        #expect(longHeaders.status == 431)
        let manyHeaders = try server.get("/api/runs", headers: (0..<200).map { "X-H\($0): v" })
        #expect(manyHeaders.status == 431)
        #expect(try server.get("/api/runs").status == 200)
    }

    @Test func aSymlinkPlantedInTheRecordsIsNotFollowed() throws {
        let (workspace, runID) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let show = try workspace.show(runID)
        let logPath = try #require(show.attempts("greet").first?["log"] as? String)
        try FileManager.default.removeItem(atPath: logPath)
        try FileManager.default.createSymbolicLink(atPath: logPath, withDestinationPath: workspace.path + "/private.txt")
        // A second run directory that is a link to the first: not a run.
        let runDirectory = URL(fileURLWithPath: logPath).deletingLastPathComponent().deletingLastPathComponent()
        let linkedRun = runDirectory.deletingLastPathComponent().appendingPathComponent("20991231T000000Z-linked")
        try FileManager.default.createSymbolicLink(at: linkedRun, withDestinationURL: runDirectory)

        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }
        let log = try server.get("/api/runs/\(runID)/log?task=greet&try=1")
        #expect(log.status == 404, "\(log.status) \(log.text)")
        #expect(!log.text.contains(outsideMarker))
        let linked = try server.get("/api/runs/20991231T000000Z-linked")
        #expect(linked.status == 404)
        let listed = try server.get("/api/runs").json?["runs"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["run_id"] as? String } == [runID])
    }

    @Test func secretsInALogComeBackMasked() throws {
        let (workspace, runID) = try workspaceWithRun()
        defer { workspace.cleanUp() }
        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }
        let log = try server.get("/api/runs/\(runID)/log?task=greet")
        #expect(log.status == 200, "\(log.text)")
        #expect(log.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(log.text.contains("hello token"), "\(log.text)")
        #expect(!log.text.contains(secret), "\(log.text)")
        let api = try server.get("/api/runs/\(runID)")
        #expect(!api.text.contains(secret))
    }

    /// `/api/events`: a run started after the client connected shows up as an
    /// event while it runs and again when it ends, without asking again.
    @Test func eventsReportARunThatStartsAndFinishesAfterConnecting() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("slow.yaml", slow)
        try FileManager.default.createDirectory(at: workspace.url.appendingPathComponent(".sluice/runs"), withIntermediateDirectories: true)
        let server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
        defer { server.stop() }

        let fd = try RawHTTP.connect(port: server.port, timeout: 20)
        defer { close(fd) }
        RawHTTP.write(fd, RawHTTP.request("GET", "/api/events", headers: ["Accept: text/event-stream", "Connection: keep-alive"]))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        func readUntil(_ needle: String, within seconds: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if String(decoding: received, as: UTF8.self).contains(needle) { return true }
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let waitMs = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
                guard poll(&ready, 1, waitMs) > 0 else { continue }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return String(decoding: received, as: UTF8.self).contains(needle) }
                received += buffer[0..<n]
            }
            return false
        }
        #expect(readUntil("retry: 2000", within: 10), "\(String(decoding: received, as: UTF8.self))")
        let head = String(decoding: received, as: UTF8.self)
        #expect(head.contains("200 OK") && head.lowercased().contains("content-type: text/event-stream"), "\(head)")

        let started = Date()
        let run = Process()
        run.executableURL = CLI.binary
        run.arguments = ["run", "slow.yaml"]
        run.currentDirectoryURL = workspace.url
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        #expect(readUntil("data: {\"version\":1,\"runs\":[\"", within: 10), "no event for the new run: \(String(decoding: received, as: UTF8.self))")
        let firstEvent = Date()
        #expect(run.isRunning, "the event came while the run was still going, not only at its end")
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let runID = try #require(try workspace.show().runID)
        _ = readUntil("no such text", within: 1.5)  // the polls after the run's last journal line
        let events = String(decoding: received, as: UTF8.self).components(separatedBy: "\n\n")
            .filter { $0.contains("data: ") && $0.contains(runID) }
        #expect(events.count >= 2, "an event when the run appeared, more as it went on and ended: \(events)")
        #expect(firstEvent.timeIntervalSince(started) < 5)
    }
}
