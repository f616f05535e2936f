import Foundation
import Testing

/// The hostile corpus (docs/reliability.md "The hostile corpus"): every folder
/// of `Fixtures/hostile/` is one case, run in a scratch workspace with a
/// canary directory outside it. A case is
///
/// - `spec.yaml`: the pipeline (it may declare `secrets: [HOSTILE_SECRET]`);
/// - `secret` (optional): the case's own secret, instead of `secret` below;
/// - `setup.sh` (optional): run with `sh` in the workspace before anything
///   else, to plant files (it may add bait to `$CANARY`, which is snapshotted after it);
/// - `steps` (optional): one step per line (default: `run spec.yaml`), see `Step`.
///
/// Every step gets `HOSTILE_SECRET` (the secret) and `CANARY` in its
/// environment. No step may crash or run past `stepTimeout`, a step that says
/// its exit status must exit with it, no canary may change, appear or go, and
/// no trace of the secret may be found under the workspace (the spec aside) or
/// in anything a sluice step printed. `SLUICE_BINARY` names another `sluice`
/// to run the corpus against (an older build, to see a case fail).
@Suite struct HostileCorpusTests {
    static let root = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/hostile")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
        .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
    /// A quote and a backslash make the JSON-escaped form differ from the raw one.
    static let secret = #"h0stile"S3cret\Value-7f3a9c21"#
    /// A hung step fails its case instead of hanging the suite.
    static let stepTimeout: TimeInterval = 30
    static var binary: URL {
        ProcessInfo.processInfo.environment["SLUICE_BINARY"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) } ?? CLI.binary
    }

    /// One line of a case's `steps`:
    /// - `ARGS...`: a `sluice` command line, words split on spaces, `{secret}` replaced by the secret;
    /// - `exit N: ARGS...`: the same, and it must exit with status N;
    /// - `ARGS... > PATH`: the same with its standard output going to PATH (`/dev/full`, or a
    ///   file in the workspace for a later `!` step to check), not captured;
    /// - `! COMMAND`: a shell command (`sh -c`) in the workspace, the attacker's move between
    ///   sluice steps (edit a plan, damage a record, check a file); it must exit 0.
    enum Step {
        case sluice(arguments: [String], status: Int32?, stdout: String?)
        case shell(String)

        init(_ line: String, secret: String) {
            if line.hasPrefix("!") {
                self = .shell(String(line.dropFirst()))
                return
            }
            var words = line.split(separator: " ").map(String.init)
            var status: Int32?
            if words.count >= 2, words[0] == "exit", words[1].hasSuffix(":"), let number = Int32(words[1].dropLast()) {
                status = number
                words.removeFirst(2)
            }
            var stdout: String?
            if words.count >= 2, words[words.count - 2] == ">" {
                stdout = words.removeLast()
                words.removeLast()
            }
            self = .sluice(arguments: words.map { $0.replacingOccurrences(of: "{secret}", with: secret) }, status: status, stdout: stdout)
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 5, "cases under \(Self.root.path): \(Self.cases)")
    }

    @Test(arguments: cases)
    func hostileCaseLeavesCanariesAndSecretsAlone(_ name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let secret = try Self.secret(of: folder)
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        let canary = try CLI.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: canary) }
        try plantCanaries(canary)
        let environment = ["HOSTILE_SECRET": secret, "CANARY": canary.path, "SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"]
        let spec = try String(contentsOf: folder.appendingPathComponent("spec.yaml"), encoding: .utf8)
        try workspace.write("spec.yaml", spec)
        let setup = folder.appendingPathComponent("setup.sh")
        if FileManager.default.fileExists(atPath: setup.path) {
            let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/sh"), [setup.path], cwd: workspace.url, environment: environment)
            #expect(outcome.status == 0, "\(name)/setup.sh failed: \(outcome.stderr)")
        }
        let before = try CanarySnapshot(canary)
        var printed = ""
        for line in try steps(folder) {
            switch Step(line, secret: secret) {
            case let .shell(command):
                let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/sh"), ["-c", command], cwd: workspace.url,
                                              environment: environment, timeout: Self.stepTimeout)
                #expect(outcome.status == 0 && !outcome.crashed, "\(name): `\(line)` failed: \(outcome.stdout)\(outcome.stderr)")
            case let .sluice(arguments, status, stdoutPath):
                let destination = try stdoutPath.map { path in
                    let target = path.hasPrefix("/") ? path : workspace.path + "/" + path
                    if !FileManager.default.fileExists(atPath: target) { FileManager.default.createFile(atPath: target, contents: nil) }
                    guard let handle = FileHandle(forWritingAtPath: target) else { throw TestFailure("\(name): cannot open \(target)") }
                    return handle
                }
                let outcome = try CLI.execute(Self.binary, arguments, cwd: workspace.url, environment: environment,
                                              stdout: destination, timeout: Self.stepTimeout)
                try destination?.close()
                #expect(!outcome.crashed, "\(name): sluice \(line) crashed: \(outcome.stderr)")
                #expect(!outcome.timedOut, "\(name): sluice \(line) still ran after \(Self.stepTimeout) s")
                if let status {
                    #expect(outcome.status == status, "\(name): sluice \(line) exited \(outcome.status): \(outcome.stdout)\(outcome.stderr)")
                }
                printed += outcome.stdout + outcome.stderr
            }
        }
        let after = try CanarySnapshot(canary)
        #expect(after.differences(from: before).isEmpty, "\(name): canaries outside the workspace changed: \(after.differences(from: before))")
        let traces = SecretFormsTests.traces(of: secret)
        let shown = traces.filter { printed.contains($0) }.sorted()
        #expect(shown.isEmpty, "\(name): the secret was printed as \(shown.prefix(3))")
        for file in secretBearingFiles(workspace.url, traces: traces, excluding: ["spec.yaml"]) {
            Issue.record("\(name): the secret is in \(file)")
        }
    }

    /// The case's `secret` file (its last newline dropped), or the corpus's secret.
    static func secret(of folder: URL) throws -> String {
        let file = folder.appendingPathComponent("secret")
        guard FileManager.default.fileExists(atPath: file.path) else { return secret }
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    private func steps(_ folder: URL) throws -> [String] {
        let file = folder.appendingPathComponent("steps")
        guard FileManager.default.fileExists(atPath: file.path) else { return ["run spec.yaml"] }
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private func plantCanaries(_ canary: URL) throws {
        try FileManager.default.createDirectory(at: canary.appendingPathComponent("dir/deeper"), withIntermediateDirectories: true)
        for (name, text) in [("keep.txt", "keep me\n"), ("log.txt", "an unrelated log\n"), ("dir/nested.txt", "nested\n"),
                             ("dir/deeper/deep.txt", "deep\n")] {
            try Data(text.utf8).write(to: canary.appendingPathComponent(name))
        }
    }

    /// Files under the workspace holding any trace of the secret (symlinks are not followed).
    private func secretBearingFiles(_ root: URL, traces: Set<String>, excluding: Set<String>) -> [String] {
        let forms = traces.map { Data($0.utf8) }
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        while let relative = walker.nextObject() as? String {
            let path = root.path + "/" + relative
            var info = stat()
            guard !excluding.contains(relative), lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            if forms.contains(where: { data.range(of: $0) != nil }) { found.append(relative) }
        }
        return found
    }
}

/// Every entry below a directory, symlinks not followed: its type, size,
/// mode, modification time and (for a file) its content (canaries are small).
struct CanarySnapshot: Equatable {
    var entries: [String: String]

    init(_ root: URL) throws {
        entries = [:]
        try walk(root.path, relative: ".")
    }

    private mutating func walk(_ path: String, relative: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw TestFailure("cannot stat \(path)") }
        let type = info.st_mode & S_IFMT
        #if os(Linux)
        let mtime = info.st_mtim
        #else
        let mtime = info.st_mtimespec
        #endif
        var description = "mode \(String(info.st_mode, radix: 8)) size \(info.st_size) mtime \(mtime.tv_sec).\(mtime.tv_nsec)"
        if type == S_IFREG {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            description += " content " + data.base64EncodedString()
        } else if type == S_IFLNK {
            description += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        }
        entries[relative] = description
        guard type == S_IFDIR else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            try walk(path + "/" + name, relative: relative + "/" + name)
        }
    }

    func differences(from earlier: CanarySnapshot) -> [String] {
        let names = Set(entries.keys).union(earlier.entries.keys).sorted()
        return names.compactMap { name in
            switch (earlier.entries[name], entries[name]) {
            case let (was?, now?) where was != now: return "\(name) changed: \(was) → \(now)"
            case (nil, _?): return "\(name) appeared"
            case (_?, nil): return "\(name) is gone"
            default: return nil
            }
        }
    }
}
