import Foundation
import Testing

/// Helpers for the cache and resume tests (this file holds no tests).
extension ShownRun {
    /// Task instances by `task` or `task[i]`, with their state.
    var states: [String: String] {
        var states: [String: String] = [:]
        for instance in tasks {
            guard let task = instance["task"] as? String, let state = instance["state"] as? String else { continue }
            let name = (instance["map_index"] as? Int).map { "\(task)[\($0)]" } ?? task
            states[name] = state
        }
        return states
    }

    /// Instances that ran in this run (or its resumed part) and succeeded.
    var ran: Set<String> { Set(states.filter { $0.value == "success" }.keys) }
    var cached: Set<String> { Set(states.filter { $0.value == "cached" }.keys) }
}

extension RunWorkspace {
    /// Runs python (the venv's, with pyarrow) on a script with arguments, in the workspace.
    func python(_ script: String, _ arguments: [String] = []) throws -> CLI.Outcome {
        try CLI.execute(try CLI.python(), ["-c", script] + arguments, cwd: url)
    }

    /// Every `*.arrow` below `.sluice/` that pyarrow cannot read whole (an empty list is good),
    /// and how many there are in all.
    func unreadableArrowFiles() throws -> (bad: [String], total: Int) {
        let script = """
            import glob, json, sys
            import pyarrow as pa
            bad, paths = [], sorted(glob.glob(sys.argv[1] + "/**/*.arrow", recursive=True))
            for p in paths:
                try:
                    with pa.memory_map(p) as source:
                        pa.ipc.open_file(source).read_all()
                except Exception as e:
                    bad.append(f"{p}: {e}")
            print(json.dumps({"bad": bad, "total": len(paths)}))
            """
        let outcome = try python(script, [path + "/.sluice"])
        guard outcome.status == 0, let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("the Arrow check failed: \(outcome.stderr)")
        }
        return (json["bad"] as? [String] ?? [], json["total"] as? Int ?? 0)
    }

    /// Content digests of Arrow tables (schema and rows), by the path given.
    func tableDigests(_ paths: [String]) throws -> [String] {
        let script = """
            import hashlib, json, sys
            import pyarrow as pa
            out = []
            for p in sys.argv[1:]:
                with pa.memory_map(p) as source:
                    table = pa.ipc.open_file(source).read_all()
                sink = pa.BufferOutputStream()
                with pa.ipc.new_stream(sink, table.schema) as writer:
                    writer.write_table(table.combine_chunks())
                out.append(f"{table.num_rows}:" + hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest())
            print(json.dumps(out))
            """
        let outcome = try python(script, paths)
        guard outcome.status == 0, let list = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String] else {
            throw TestFailure("the table digest failed: \(outcome.stderr)")
        }
        return list
    }

    /// Every cache entry (directories and packs) checked against its files (sizes and SHA-256); problems found, distinct keys.
    func cacheProblems() throws -> (problems: [String], entries: Int) {
        let script = """
            import glob, hashlib, json, os, sys
            problems, keys = [], set()
            def pair(first, second, key, where):
                m, k = json.loads(first), json.loads(second)
                if m["key"] != key or k["key"] != key or not k["components"]:
                    problems.append(f"{where}: key {m['key']} / {k['key']}")
                return m
            for pack in sorted(glob.glob(sys.argv[1] + "/packs/*.jsonl")):
                lines = open(pack).read().split("\\n")
                if lines[-1] != "" or len(lines) % 2 != 1:
                    problems.append(f"{pack}: not whole pairs of lines")
                for i in range(0, len(lines) - 1, 2):
                    key = json.loads(lines[i])["key"]
                    if pair(lines[i], lines[i + 1], key, pack)["artifacts"]:
                        problems.append(f"{pack}: an entry with artifacts")
                    keys.add(key)
            for path in sorted(glob.glob(sys.argv[1] + "/entries/*/*")):
                key = os.path.basename(path)
                keys.add(key)
                parts = open(os.path.join(path, "manifest.jsonl")).read().split("\\n")
                if len(parts) != 3 or parts[2] != "":
                    problems.append(f"{path}: not two whole lines")
                    continue
                m = pair(parts[0], parts[1], key, path)
                for a in m["artifacts"]:
                    p = os.path.join(path, a["file"])
                    data = open(p, "rb").read() if os.path.exists(p) else None
                    if data is None or len(data) != a["size"] or hashlib.sha256(data).hexdigest() != a["sha256"]:
                        problems.append(f"{p}: does not match its manifest")
                names = set(os.listdir(path)) - {"manifest.jsonl"} - {a["file"] for a in m["artifacts"]}
                if names:
                    problems.append(f"{path}: stray files {sorted(names)}")
            print(json.dumps({"problems": problems, "entries": len(keys)}))
            """
        let outcome = try python(script, [path + "/.sluice/cache"])
        guard outcome.status == 0, let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("the cache check failed: \(outcome.stderr)")
        }
        return (json["problems"] as? [String] ?? [], json["entries"] as? Int ?? 0)
    }

    /// The journal of a run, one parsed object per line.
    func journal(_ runID: String, pipeline: String) throws -> [[String: Any]] {
        guard let text = read(".sluice/runs/\(pipeline)/\(runID)/journal.jsonl") else { throw TestFailure("no journal for \(runID)") }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Starts `sluice run` without waiting for it; `output` receives its standard output (else it is dropped).
    func start(_ spec: String, _ arguments: [String] = [], environment: [String: String] = [:], output: FileHandle? = nil) throws -> Process {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["run", spec] + arguments
        process.currentDirectoryURL = url
        process.environment = ProcessInfo.processInfo.environment.merging(["SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"]) { $1 }
            .merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to `seconds`) until `condition` holds; false on timeout.
    func wait(seconds: Double, poll: Double = 0.02, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: poll)
        }
        return condition()
    }

    /// The id of the newest run of the pipeline (from its directory name).
    func runIDs(_ pipeline: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/.sluice/runs/" + pipeline)) ?? []).sorted()
    }
}

/// Live (not zombie) processes whose environment names this run id.
func processesOfRun(_ runID: String) -> [Int32] {
    let marker = "SLUICE_RUN_ID=\(runID)"
    return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> Int32? in
        guard let pid = Int32(name), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
              environ.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == marker }) else { return nil }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z" ? nil : pid
    }
}
