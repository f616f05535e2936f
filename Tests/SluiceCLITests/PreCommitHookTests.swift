import Foundation
import Testing

/// The `sluice-lint` pre-commit hook: the manifest at the repository root,
/// the hook script on its own, and the whole thing through `pre-commit
/// try-repo` (scripts/check-precommit).
struct PreCommitHookTests {
    static let hookScript = CLI.packageRoot.appendingPathComponent("scripts/pre-commit-hook")

    /// pre-commit from the venv, installed there now if scripts/bootstrap
    /// could not. Only when PyPI cannot provide it is the test cancelled,
    /// with a message saying so, rather than failed.
    static func preCommit() throws -> URL {
        let python = try CLI.python()
        let environment = ProcessInfo.processInfo.environment
        let path = environment["SLUICE_PRE_COMMIT"] ?? python.deletingLastPathComponent().appendingPathComponent("pre-commit").path
        if !FileManager.default.isExecutableFile(atPath: path) {
            let install = try CLI.execute(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check",
                                                   "--retries", "1", "--timeout", "30", "pre-commit"], cwd: CLI.packageRoot)
            if install.status != 0 || !FileManager.default.isExecutableFile(atPath: path) {
                try Test.cancel("skipped: pre-commit is not in the venv and could not be installed from PyPI: \(install.stderr.suffix(300))")
            }
        }
        return URL(fileURLWithPath: path)
    }

    @Test func tryRepoPassesACleanSpecAndFailsABrokenOne() throws {
        let preCommit = try Self.preCommit()
        let script = CLI.packageRoot.appendingPathComponent("scripts/check-precommit")
        let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/bash"), [script.path, CLI.binary.path],
                                      cwd: CLI.packageRoot, environment: ["PRE_COMMIT": preCommit.path])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("check-precommit: ok"))
    }

    @Test func manifestDeclaresTheHook() throws {
        let manifest = CLI.packageRoot.appendingPathComponent(".pre-commit-hooks.yaml")
        let read = """
            import json, sys, yaml
            print(json.dumps(yaml.safe_load(open(sys.argv[1]))))
            """
        let outcome = try CLI.execute(try CLI.python(), ["-c", read, manifest.path], cwd: CLI.packageRoot)
        try #require(outcome.status == 0, "\(outcome.stderr)")
        let hooks = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        let hook = try #require(hooks.first { $0["id"] as? String == "sluice-lint" })
        #expect(hook["language"] as? String == "script")
        #expect(hook["files"] as? String == "\\.ya?ml$")
        #expect(hook["pass_filenames"] as? Bool == true)
        let entry = try #require(hook["entry"] as? String)
        #expect(FileManager.default.isExecutableFile(atPath: CLI.packageRoot.appendingPathComponent(entry).path),
                "\(entry) must exist and be executable: pre-commit runs it directly")
    }

    /// The script alone: non-spec YAML is skipped (a named file is always a
    /// spec to `sluice lint`), options pass through, and the exit status is lint's.
    @Test func hookScriptLintsOnlySpecsAndPassesOptions() throws {
        let dir = try CLI.temporaryDirectory()
        let warning = "pipeline: p\ntasks:\n  a:\n    env: { DB_PASSWORD: hunter2 }\n"
        try warning.write(to: dir.appendingPathComponent("spec.yaml"), atomically: true, encoding: .utf8)
        try "section: { key: 1 }\n".write(to: dir.appendingPathComponent("params.yml"), atomically: true, encoding: .utf8)
        let run = { (arguments: [String]) in
            try CLI.execute(Self.hookScript, arguments, cwd: dir, environment: ["SLUICE": CLI.binary.path])
        }
        let onlyParams = try run(["params.yml"])
        #expect(onlyParams.status == 0 && onlyParams.stdout.isEmpty, "\(onlyParams.stdout)\(onlyParams.stderr)")
        let lenient = try run(["params.yml", "spec.yaml"])
        #expect(lenient.status == 0, "a warning passes without --strict: \(lenient.stdout)")
        #expect(lenient.stdout.contains("1 warning in 1 file"), "params.yml is not linted: \(lenient.stdout)")
        #expect(try run(["--strict", "params.yml", "spec.yaml"]).status == 1)
        #expect(try run(["--strict", "--ignore", "secret-in-plain-text", "spec.yaml"]).status == 0)
    }

    /// No `sluice` anywhere and no Swift to build one: a clear message and
    /// exit 2, not a confusing "command not found". The hook is copied away
    /// from this checkout so it cannot find a built binary beside itself, and
    /// the PATH holds only the tools the script needs.
    @Test func hookWithoutAnyBinaryExplainsWhatToInstall() throws {
        let dir = try CLI.temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("hooks/scripts"), withIntermediateDirectories: true)
        let hook = dir.appendingPathComponent("hooks/scripts/pre-commit-hook")
        try fm.copyItem(at: Self.hookScript, to: hook)
        let bin = dir.appendingPathComponent("bin")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        for tool in ["bash", "grep", "dirname"] {
            let found = try CLI.execute(URL(fileURLWithPath: "/bin/sh"), ["-c", "command -v \(tool)"], cwd: dir)
            let path = found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(found.status == 0 && !path.isEmpty, "no \(tool) on this machine")
            try fm.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: path)
        }
        try "pipeline: p\ntasks:\n  a: {}\n".write(to: dir.appendingPathComponent("spec.yaml"), atomically: true, encoding: .utf8)
        let outcome = try CLI.execute(hook, ["spec.yaml"], cwd: dir, environment: ["PATH": bin.path, "SLUICE": ""])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("no sluice on PATH and no Swift toolchain to build one"), "\(outcome.stderr)")
    }
}
