import Foundation
import Testing

/// Specs that used to lint clean and then ran wrong, through the real binary.
struct LintCatchesRunTimeTests {
    static func lint(_ files: [String: String], _ arguments: [String] = []) throws -> CLI.Outcome {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return try CLI.run(["lint", "spec.yaml", "--color", "never"] + arguments, cwd: folder)
    }

    /// `${{ params.x }}` (GitHub Actions' habit) is an error with the fix; it
    /// used to lint clean, and the command got `$'eu'`.
    @Test func dollarBeforeAReferenceIsAnError() throws {
        let outcome = try Self.lint(["spec.yaml": """
            pipeline: gha_habit
            params: { region: eu }
            tasks:
              a:
                run: python3 x.py --region ${{ params.region }}

            """])
        #expect(outcome.status == 1, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("spec.yaml:5:32: error[dollar-template]"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("help: write {{ params.region }}"), "\(outcome.stdout)")
        // The escape the help offers lints clean.
        let escaped = try Self.lint(["spec.yaml": """
            pipeline: gha_habit
            params: { region: eu }
            tasks:
              a:
                run: python3 x.py --price '$'{{ params.region }}

            """])
        #expect(escaped.status == 0, "\(escaped.stdout)")
        #expect(!escaped.stdout.contains("dollar-template"))
    }

    /// A `deps` entry that names nothing, or a glob, warns (exit 0, 1 with
    /// `--strict`); a file or directory that exists does not.
    @Test func missingAndGlobDepsWarn() throws {
        let files = [
            "spec.yaml": """
                pipeline: deps_check
                tasks:
                  a:
                    run: python3 scripts/a.py
                    deps: [scripts/a.py, scripts, scripts/b.py, "scripts/*.py"]

                """,
            "scripts/a.py": "print(1)\n",
        ]
        let outcome = try Self.lint(files)
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("warning[missing-deps]: \"deps\" of task \"a\" names \"scripts/b.py\", which does not exist"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("warning[missing-deps]: \"deps\" of task \"a\" names \"scripts/*.py\", a glob"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("2 warnings"), "only the two bad entries warn:\n\(outcome.stdout)")
        #expect(try Self.lint(files, ["--strict"]).status == 1)
    }

    /// deps resolve against the spec's directory, wherever lint runs from.
    @Test func depsResolveFromTheSpecDirectory() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("pipelines/scripts"), withIntermediateDirectories: true)
        try Data("print(1)\n".utf8).write(to: folder.appendingPathComponent("pipelines/scripts/a.py"))
        try Data("pipeline: p\ntasks:\n  a:\n    run: python3 scripts/a.py\n    deps: [scripts/a.py]\n".utf8)
            .write(to: folder.appendingPathComponent("pipelines/p.yaml"))
        let fromRoot = try CLI.run(["lint", "pipelines/p.yaml", "--strict"], cwd: folder)
        #expect(fromRoot.status == 0, "\(fromRoot.stdout)")
        let fromInside = try CLI.run(["lint", "p.yaml", "--strict"], cwd: folder.appendingPathComponent("pipelines"))
        #expect(fromInside.status == 0, "\(fromInside.stdout)")
    }

    /// One root cause, one error: a typo in `needs` is reported once, not
    /// again as `not-upstream` with a help that keeps the typo.
    @Test func unknownNeedHasNoFollowOnNotUpstream() throws {
        let outcome = try Self.lint(["spec.yaml": """
            pipeline: typo
            tasks:
              prepare:
                run: echo "rows=1" >> "$SLUICE_OUTPUTS"
                outputs: { rows: int }
              train:
                needs: [prepar]
                run: echo {{ prepare.rows }}

            """])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("error[unknown-task]"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("did you mean \"prepare\"?"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("not-upstream"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("[prepar, prepare]"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("1 error in 1 file"), "\(outcome.stdout)")
    }

    /// A real not-upstream still fires when the needs are all known.
    @Test func notUpstreamStillFiresWithoutATypo() throws {
        let outcome = try Self.lint(["spec.yaml": """
            pipeline: forgot
            tasks:
              prepare:
                run: echo "rows=1" >> "$SLUICE_OUTPUTS"
                outputs: { rows: int }
              other:
                run: echo other
              train:
                needs: [other]
                run: echo {{ prepare.rows }}

            """])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("error[not-upstream]"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("needs: [other, prepare]"), "\(outcome.stdout)")
    }
}

/// Lint in bounded time on hostile input (issue 26.7): each input used to
/// take minutes through a quadratic path (more than 300 s, about 170 s and
/// about 50 s at these sizes in a debug build). Linear code lints each in
/// about 2 s of CPU even in a debug build. The limit is on CPU time (user +
/// system, as the shell that starts lint counts it), a generous 20 s, so a
/// quadratic path cannot pass and a machine busy with other builds (where
/// wall time once reached 28 s for 1.9 s of CPU) cannot fail the test; a
/// wall-clock backstop of 6× that still ends a hang.
struct LintTimeBoundTests {
    static let seconds = 20.0

    /// Runs `sluice lint` on `text`, killing it at the deadline. Output goes
    /// to files, so a flood of diagnostics cannot stall the pipe.
    static func lintWithin(_ seconds: Double, _ text: String) throws -> (status: Int32, cpuSeconds: Double, stdout: String) {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = folder.appendingPathComponent("hostile.yaml"), out = folder.appendingPathComponent("out.txt")
        try Data(text.utf8).write(to: spec)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let times = folder.appendingPathComponent("times.txt")
        let process = Process()
        // bash's `times` prints the CPU time of the children it waited for: lint's own, nobody else's.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #""$0" lint "$1" --color never >"$2" 2>&1; status=$?; times >"$3"; exit $status"#,
                             CLI.binary.path, spec.path, out.path, times.path]
        let started = Date()
        try process.run()
        let backstop = seconds * 6
        while process.isRunning, Date().timeIntervalSince(started) < backstop { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("lint of a \(text.utf8.count)-byte hostile spec was still running after \(backstop) s")
        }
        let cpu = try Self.childCPUSeconds(String(contentsOf: times, encoding: .utf8))
        if cpu >= seconds {
            throw TestFailure("lint of a \(text.utf8.count)-byte hostile spec took \(cpu) s of CPU (limit \(seconds) s)")
        }
        return (process.terminationStatus, cpu, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    /// The children's user + system seconds from bash's `times` (second line: `0m1.912s 0m0.080s`).
    static func childCPUSeconds(_ report: String) throws -> Double {
        let lines = report.split(separator: "\n")
        guard lines.count == 2 else { throw TestFailure("unexpected output of bash's times: \(report)") }
        var total = 0.0
        for field in lines[1].split(separator: " ") {
            guard let m = field.firstIndex(of: "m"), field.hasSuffix("s"),
                  let minutes = Double(field[..<m]), let secs = Double(field[field.index(after: m)..<field.index(before: field.endIndex)]) else {
                throw TestFailure("unexpected output of bash's times: \(report)")
            }
            total += minutes * 60 + secs
        }
        return total
    }

    @Test func unclosedBraces() throws {
        let run = "{{" * (16 * 1024)  // 32 KB: 16,384 errors on one line
        let result = try Self.lintWithin(Self.seconds, "pipeline: p\ntasks:\n  a:\n    run: \"\(run)\"\n")
        #expect(result.status == 1, "an unclosed {{ is an error")
        #expect(result.stdout.contains("error[bad-reference]"))
    }

    @Test func misspeltNeeds() throws {
        var spec = "pipeline: p\ntasks:\n"
        var i = 0
        while spec.utf8.count < 64 * 1024 {  // about 2,000 tasks, each needing a misspelt name
            spec += "  task_\(i):\n    run: echo\n" + (i > 0 ? "    needs: [tsak_\(i - 1)]\n" : "")
            i += 1
        }
        let result = try Self.lintWithin(Self.seconds, spec)
        #expect(result.status == 1)
        #expect(result.stdout.contains("did you mean \"task_0\"?"), "suggestions are still made")
    }

    @Test func suppressionComments() throws {
        let comments = "  # sluice: ignore[unused-output]\n" * 30_000  // 1 MB
        let result = try Self.lintWithin(Self.seconds, "pipeline: p\ntasks:\n" + comments + "  a:\n    run: echo\n")
        #expect(result.status == 0, "unused suppressions are warnings")
        #expect(result.stdout.contains("warning[unused-suppression]"))
    }
}

private func * (text: String, count: Int) -> String { String(repeating: text, count: count) }
