import Foundation
import Testing

/// Helpers for the `sluice run` end-to-end tests (this file holds no tests):
/// a workspace in a temporary directory with specs written into it, and the
/// run read back through `sluice show --format json`.
struct RunWorkspace {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = try CLI.temporaryDirectory().resolvingSymlinksInPath()
    }

    func write(_ name: String, _ text: String) throws {
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: url.appendingPathComponent(name).path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A process (group) id a task wrote with `echo $$ > NAME`, once the
    /// whole line is there: the shell creates the file empty before `echo`
    /// writes into it, so a file that merely exists is not yet a number.
    func readProcessID(_ name: String) -> Int32? {
        guard let text = read(name), text.hasSuffix("\n") else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) }

    /// `sluice run SPEC ARGS...` in the workspace, with a short kill grace so timeouts stay fast.
    func run(_ spec: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> CLI.Outcome {
        let outcome = try CLI.run(["run", spec] + arguments, cwd: url,
                                  environment: ["SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"].merging(environment) { $1 })
        #expect(!outcome.crashed, "sluice run crashed: \(outcome.stderr)")
        return outcome
    }

    /// `sluice show RUN_ID --format json` from the workspace (which finds runs
    /// there and in its subdirectories), parsed.
    func show(_ runID: String = "latest") throws -> ShownRun {
        let outcome = try CLI.run(["show", runID, "--format", "json"], cwd: url)
        guard outcome.status == 0 else { throw TestFailure("sluice show failed: \(outcome.stderr)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("sluice show printed no object: \(outcome.stdout)")
        }
        return ShownRun(json: object)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }

    /// Every regular file below `.sluice/`, with its content.
    func recordFiles() -> [(String, Data)] {
        let root = url.appendingPathComponent(".sluice")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [(String, Data)] = []
        for case let file as URL in walker {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, let data = FileManager.default.contents(atPath: file.path) {
                files.append((file.path, data))
            }
        }
        return files
    }
}

/// `show --format json`, with typed access for the assertions.
struct ShownRun {
    let json: [String: Any]

    var state: String? { json["state"] as? String }
    var runID: String? { json["run_id"] as? String }
    var tasks: [[String: Any]] { json["tasks"] as? [[String: Any]] ?? [] }
    var childRuns: [String] { json["child_runs"] as? [String] ?? [] }

    func instances(_ task: String) -> [[String: Any]] {
        tasks.filter { $0["task"] as? String == task }
    }

    /// The state of an unmapped task (or of a mapped one that never expanded).
    func state(_ task: String) -> String? {
        instances(task).first { $0["map_index"] is NSNull }?["state"] as? String
    }

    func outputs(_ task: String, _ index: Int? = nil) -> [String: Any] {
        let instance = instances(task).first { index == nil ? $0["map_index"] is NSNull : ($0["map_index"] as? Int) == index }
        return instance?["outputs"] as? [String: Any] ?? [:]
    }

    func attempts(_ task: String, _ index: Int? = nil) -> [[String: Any]] {
        let instance = instances(task).first { index == nil ? $0["map_index"] is NSNull : ($0["map_index"] as? Int) == index }
        return instance?["attempts"] as? [[String: Any]] ?? []
    }

    /// Start and end of every attempt, as seconds since the epoch.
    func intervals(where include: ([String: Any]) -> Bool = { _ in true }) -> [(Double, Double)] {
        tasks.filter(include).flatMap { ($0["attempts"] as? [[String: Any]]) ?? [] }.compactMap { attempt in
            guard let start = (attempt["start"] as? String).flatMap(ShownRun.seconds),
                  let end = (attempt["end"] as? String).flatMap(ShownRun.seconds) else { return nil }
            return (start, end)
        }
    }

    static func seconds(_ iso: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: iso)?.timeIntervalSince1970
    }

    /// The most attempts that overlap in time (ends are exclusive).
    static func maxOverlap(_ intervals: [(Double, Double)]) -> Int {
        intervals.map { probe in intervals.filter { $0.0 <= probe.0 && probe.0 < $0.1 }.count }.max() ?? 0
    }
}
