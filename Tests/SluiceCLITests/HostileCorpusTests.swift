import Foundation
import Testing

/// The hostile corpus (docs/reliability.md "The hostile corpus"): every folder
/// of `Fixtures/hostile/` is one case, run in a scratch workspace with a
/// canary directory outside it. A case is
///
/// - `spec.yaml`: the pipeline (it may declare `secrets: [HOSTILE_SECRET]`);
/// - `setup.sh` (optional): run with `sh` in the workspace before anything
///   else, to plant files (it may add bait to `$CANARY`, which is snapshotted after it);
/// - `steps` (optional): one `sluice` command line per line, words split on
///   spaces, `{secret}` replaced by the secret (default: `run spec.yaml`).
///
/// Every step gets `HOSTILE_SECRET` (the secret) and `CANARY` in its
/// environment. Whatever the steps exit with, no step may crash, no canary may
/// change, appear or go, and no form of the secret may be found under the
/// workspace (the spec and setup script aside) or in anything a step printed.
@Suite struct HostileCorpusTests {
    static let root = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/hostile")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
        .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
    /// A quote and a backslash make the JSON-escaped form differ from the raw one.
    static let secret = #"h0stile"S3cret\Value-7f3a9c21"#

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 5, "cases under \(Self.root.path): \(Self.cases)")
    }

    @Test(arguments: cases)
    func hostileCaseLeavesCanariesAndSecretsAlone(_ name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        let canary = try CLI.temporaryDirectory().resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: canary) }
        try plantCanaries(canary)
        let environment = ["HOSTILE_SECRET": Self.secret, "CANARY": canary.path, "SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"]
        let spec = try String(contentsOf: folder.appendingPathComponent("spec.yaml"), encoding: .utf8)
        try workspace.write("spec.yaml", spec)
        let setup = folder.appendingPathComponent("setup.sh")
        if FileManager.default.fileExists(atPath: setup.path) {
            let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/sh"), [setup.path], cwd: workspace.url, environment: environment)
            #expect(outcome.status == 0, "\(name)/setup.sh failed: \(outcome.stderr)")
        }
        let before = try CanarySnapshot(canary)
        var printed = ""
        for step in try steps(folder) {
            let arguments = step.split(separator: " ").map { $0.replacingOccurrences(of: "{secret}", with: Self.secret) }
            let outcome = try CLI.run(arguments, cwd: workspace.url, environment: environment)
            #expect(!outcome.crashed, "\(name): sluice \(step) crashed: \(outcome.stderr)")
            printed += outcome.stdout + outcome.stderr
        }
        let after = try CanarySnapshot(canary)
        #expect(after.differences(from: before).isEmpty, "\(name): canaries outside the workspace changed: \(after.differences(from: before))")
        for form in Self.secretForms {
            #expect(!printed.contains(form), "\(name): the secret (as \(form)) was printed")
        }
        for file in secretBearingFiles(workspace.url, excluding: ["spec.yaml"]) {
            Issue.record("\(name): the secret is in \(file)")
        }
    }

    /// The raw secret and the forms Sluice could derive from it: JSON-escaped,
    /// and its first 10 characters in each.
    static var secretForms: [String] {
        let escaped = secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return [secret, escaped, String(secret.prefix(10)), String(escaped.prefix(11))]
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

    /// Files under the workspace holding any form of the secret (symlinks are not followed).
    private func secretBearingFiles(_ root: URL, excluding: Set<String>) -> [String] {
        let forms = Self.secretForms.map { Data($0.utf8) }
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
