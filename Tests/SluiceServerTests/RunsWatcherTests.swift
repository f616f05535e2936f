import Foundation
import SluiceServer
import Testing

@Suite struct RunsWatcherTests {
    /// A workspace with hand-made run directories (the watcher only stats journals).
    struct Workspace {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-watch-\(UUID().uuidString)").resolvingSymlinksInPath()
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        func runDirectory(_ pipeline: String, _ id: String) throws -> URL {
            let url = root.appendingPathComponent(".sluice/runs/\(pipeline)/\(id)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        func append(_ pipeline: String, _ id: String, _ line: String) throws {
            let journal = try runDirectory(pipeline, id).appendingPathComponent("journal.jsonl")
            if !FileManager.default.fileExists(atPath: journal.path) { FileManager.default.createFile(atPath: journal.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: journal)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.close()
        }
        func cleanUp() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func newRunsAndGrowingJournalsAreChangesFinishedOnesAreNot() throws {
        let workspace = try Workspace()
        defer { workspace.cleanUp() }
        try workspace.append("daily", "20261206T100000Z-aaaa", "{}")
        try workspace.append("daily", "20261206T110000Z-bbbb", "{}")
        let watcher = RunsWatcher(workspaces: [workspace.root.path])
        let first = watcher.snapshot()
        #expect(first.count == 2)
        #expect(RunsWatcher.changes(from: first, to: watcher.snapshot()).isEmpty, "nothing changed, nothing reported")

        try workspace.append("daily", "20261206T110000Z-bbbb", "{\"event\":\"more\"}")
        try workspace.append("weekly", "20261206T120000Z-cccc", "{}")
        let second = watcher.snapshot()
        #expect(RunsWatcher.changes(from: first, to: second) == ["20261206T110000Z-bbbb", "20261206T120000Z-cccc"])

        try FileManager.default.removeItem(at: try workspace.runDirectory("daily", "20261206T100000Z-aaaa"))
        #expect(RunsWatcher.changes(from: second, to: watcher.snapshot()) == ["20261206T100000Z-aaaa"])
    }

    @Test func symlinkedJournalsAndRunDirectoriesAreNotWatched() throws {
        let workspace = try Workspace()
        defer { workspace.cleanUp() }
        let outside = workspace.root.appendingPathComponent("outside.txt")
        try Data("secret".utf8).write(to: outside)
        let run = try workspace.runDirectory("daily", "20261206T100000Z-link")
        try FileManager.default.createSymbolicLink(atPath: run.appendingPathComponent("journal.jsonl").path, withDestinationPath: outside.path)
        let real = try workspace.runDirectory("daily", "20261206T090000Z-real")
        try FileManager.default.createSymbolicLink(atPath: workspace.root.appendingPathComponent(".sluice/runs/daily/20261206T110000Z-dirlink").path,
                                                   withDestinationPath: real.path)
        try workspace.append("daily", "20261206T090000Z-real", "{}")
        let snapshot = RunsWatcher(workspaces: [workspace.root.path]).snapshot()
        #expect(snapshot.values.map(\.runID) == ["20261206T090000Z-real"])
    }

    @Test func eventIsOneDefaultTypeMessage() {
        let text = String(decoding: RunsWatcher.event(runs: ["a", "b"]), as: UTF8.self)
        #expect(text == "data: {\"version\":1,\"runs\":[\"a\",\"b\"]}\n\n")
    }
}
