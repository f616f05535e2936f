import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that are not regular files where Sluice writes or reads one, end to
/// end through the real binary. `-o` targets that are devices, FIFOs or
/// symlinks are written through, never replaced. Every read of a file the
/// user or a task named opens it without blocking and requires a regular
/// file, so a FIFO or a `/dev/zero` symlink fails with a message instead of
/// hanging. Each run has a timeout, so a regression fails instead of hanging.
@Suite(.serialized)
struct SpecialFilesTests {
    static let spec = CLI.packageRoot.appendingPathComponent("pipelines/demand_forecast.yaml").path
    /// The `-o` writers, each as the arguments before `-o TARGET`.
    static let writers: [[String]] = [["plan", spec], ["graph", spec], ["schema"]]
    static let timeout: TimeInterval = 60
    /// Linux's device number of the null device, major 1 minor 3 (`makedev`
    /// is a C macro Swift cannot call).
    static let nullDeviceNumber = dev_t(1 << 8 | 3)

    /// What `command -o FILE` writes into a plain new file: the reference content.
    static func reference(_ command: [String], in directory: URL) throws -> Data {
        let target = directory.appendingPathComponent("reference.out")
        let outcome = try CLI.run(command + ["-o", target.path], timeout: timeout)
        try #require(outcome.status == 0, "\(command): \(outcome.stderr)")
        let data = try Data(contentsOf: target)
        try #require(!data.isEmpty)
        return data
    }

    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Names of sluice's temporary files left in `directory`.
    static func temporaryFiles(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".sluice-tmp-") }
    }

    static func makeFIFO(_ url: URL) throws {
        guard mkfifo(url.path, 0o644) == 0 else { throw TestFailure("mkfifo \(url.path): errno \(errno)") }
    }

    /// `cat FIFO` in the background, killed after `timeout` seconds if no writer ever comes.
    final class FIFOReader: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var outcome: CLI.Outcome?

        init(_ fifo: URL, timeout: TimeInterval) {
            Thread.detachNewThread { [self] in
                outcome = try? CLI.execute(URL(fileURLWithPath: "/bin/cat"), [fifo.path], cwd: fifo.deletingLastPathComponent(), timeout: timeout)
                done.signal()
            }
        }

        /// What `cat` read, or nil when it never got a writer.
        func wait() -> String? {
            done.wait()
            guard let outcome, !outcome.timedOut, outcome.status == 0 else { return nil }
            return outcome.stdout
        }
    }

    // MARK: -o FILE

    @Test(arguments: writers)
    func outputThroughASymlinkWritesItsTargetAndKeepsTheLink(command: [String]) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = try Self.reference(command, in: directory)
        let target = directory.appendingPathComponent("real.txt"), link = directory.appendingPathComponent("link.txt")
        try Data("old content\n".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.txt")
        let outcome = try CLI.run(command + ["-o", link.path], timeout: Self.timeout)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.fileType(link.path) == S_IFLNK, "the symlink was replaced")
        #expect(try Data(contentsOf: target) == expected, "the symlink's target did not get the content")
        #expect(Self.temporaryFiles(in: directory).isEmpty)
    }

    @Test(arguments: writers)
    func outputIntoAFIFOReachesItsReader(command: [String]) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = try Self.reference(command, in: directory)
        let fifo = directory.appendingPathComponent("pipe")
        try Self.makeFIFO(fifo)
        let reader = FIFOReader(fifo, timeout: 20)
        let outcome = try CLI.run(command + ["-o", fifo.path], timeout: Self.timeout)
        let read = reader.wait()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.timedOut)
        #expect(Self.fileType(fifo.path) == S_IFIFO, "the FIFO was replaced by another kind of file")
        #expect(read.map { Data($0.utf8) } == expected, "the reader did not get the content")
    }

    /// A private copy of the null device (`mknod c 1 3`) in a temporary
    /// directory, never the machine's /dev/null: a regression replaces only
    /// the copy. Creating a device node needs root; elsewhere the test says
    /// so and stops.
    @Test(arguments: writers)
    func outputIntoACharacterDeviceLeavesTheDevice(command: [String]) throws {
        guard getuid() == 0 else {
            print("skipped: creating a character device for \(command[0]) -o needs root")
            return
        }
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let device = directory.appendingPathComponent("null")
        try #require(mknod(device.path, S_IFCHR | 0o666, Self.nullDeviceNumber) == 0, "mknod: errno \(errno)")
        let outcome = try CLI.run(command + ["-o", device.path], timeout: Self.timeout)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.fileType(device.path) == S_IFCHR, "the character device was replaced")
        #expect(Self.temporaryFiles(in: directory).isEmpty)
    }

    /// `-o` a symlink to this process's stdout (what /dev/stdout is), made
    /// in a temporary directory so a regression replaces only that link.
    @Test func outputThroughAStdoutLinkGoesToStdout() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = try Self.reference(["plan", Self.spec], in: directory)
        let link = directory.appendingPathComponent("stdout")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/proc/self/fd/1")
        let outcome = try CLI.run(["plan", Self.spec, "-o", link.path], timeout: Self.timeout)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Data(outcome.stdout.utf8) == expected)
        #expect(Self.fileType(link.path) == S_IFLNK)
    }

    @Test func exportWritesThroughASymlinkedDAGFile() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("plain"), dags = directory.appendingPathComponent("dags")
        let first = try CLI.run(["export", "airflow", Self.spec, "-o", plain.path, "--workspace", "/srv/work"], timeout: Self.timeout)
        try #require(first.status == 0, "\(first.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: plain.path).sorted()
        try #require(!names.isEmpty)
        try FileManager.default.createDirectory(at: dags, withIntermediateDirectories: true)
        let kept = directory.appendingPathComponent("kept")
        try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
        for name in names {
            // An existing sluice_pools.json is merged into, so it must be one (an empty one here).
            try Data((name == "sluice_pools.json" ? "{}\n" : "old\n").utf8).write(to: kept.appendingPathComponent(name))
            try FileManager.default.createSymbolicLink(atPath: dags.appendingPathComponent(name).path, withDestinationPath: "../kept/" + name)
        }
        let outcome = try CLI.run(["export", "airflow", Self.spec, "-o", dags.path, "--workspace", "/srv/work"], timeout: Self.timeout)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for name in names {
            #expect(Self.fileType(dags.appendingPathComponent(name).path) == S_IFLNK, "\(name): the symlink was replaced")
            #expect(try Data(contentsOf: kept.appendingPathComponent(name)) == Data(contentsOf: plain.appendingPathComponent(name)), "\(name)")
        }
    }

    // MARK: lint and friends on special files

    static let validSpec = """
        pipeline: tiny
        tasks:
          a:
            run: echo a

        """

    @Test func lintSkipsAFIFOFoundWhileWalkingAFolder() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(Self.validSpec.utf8).write(to: directory.appendingPathComponent("good.yaml"))
        try Self.makeFIFO(directory.appendingPathComponent("pipe.yaml"))
        let outcome = try CLI.run(["lint", directory.path, "--format", "json"], timeout: 30)
        #expect(!outcome.timedOut, "lint hung on a FIFO named *.yaml")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\"files\":1") || outcome.stdout.contains("\"files\": 1"), "\(outcome.stdout)")
    }

    @Test func aFIFONamedOnTheCommandLineIsAnError() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe.yaml")
        try Self.makeFIFO(fifo)
        for command in [["lint"], ["plan"], ["graph"], ["run"]] {
            let outcome = try CLI.run(command + [fifo.path], cwd: directory, timeout: 30)
            #expect(!outcome.timedOut, "\(command[0]) hung on a FIFO")
            #expect(outcome.status == 2, "\(command[0]): exit \(outcome.status)")
            #expect(outcome.stderr.contains(fifo.path) && outcome.stderr.contains("FIFO"), "\(command[0]): \(outcome.stderr)")
        }
    }

    /// Symlinked spec files are linted (their target must be a regular
    /// file); symlinked directories are not entered, so a link to an
    /// ancestor cannot loop.
    @Test func lintFollowsSymlinkedFilesAndNeverLoops() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tree = directory.appendingPathComponent("tree"), elsewhere = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data(Self.validSpec.utf8).write(to: tree.appendingPathComponent("good.yaml"))
        try Data("pipeline: broken\ntasks:\n  a:\n    needs: [nope]\n".utf8).write(to: elsewhere.appendingPathComponent("broken.yaml"))
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("linked.yaml").path,
                                                   withDestinationPath: "../elsewhere/broken.yaml")
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("sub/loop").path, withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("dangling.yaml").path, withDestinationPath: "nowhere.yaml")
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("zero.yaml").path, withDestinationPath: "/dev/zero")
        let outcome = try CLI.run(["lint", tree.path], timeout: 30)
        #expect(!outcome.timedOut, "lint hung")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("linked.yaml") && outcome.stdout.contains("unknown-task"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("loop/"), "lint went into a symlinked directory: \(outcome.stdout)")
    }

    @Test func aFIFOParamsFileDoesNotHangLintOrPlan() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("pipeline: p\nparams_file: params.yaml\ntasks:\n  a:\n    run: echo a\n".utf8).write(to: directory.appendingPathComponent("p.yaml"))
        try Self.makeFIFO(directory.appendingPathComponent("params.yaml"))
        for command in ["lint", "plan"] {
            let outcome = try CLI.run([command, "p.yaml"], cwd: directory, timeout: 30)
            #expect(!outcome.timedOut, "\(command) hung on a FIFO params_file")
            #expect(outcome.status == 1, "\(command): exit \(outcome.status) \(outcome.stderr)")
            #expect((outcome.stdout + outcome.stderr).contains("params_file"), "\(outcome.stdout)\(outcome.stderr)")
        }
    }

    @Test func aFIFOEnvFileOrDepsDoesNotHangRun() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try Self.makeFIFO(workspace.url.appendingPathComponent(".env"))
        try Self.makeFIFO(workspace.url.appendingPathComponent("dep.fifo"))
        try workspace.write("env.yaml", "pipeline: env\nenv_file: .env\ntasks:\n  a:\n    run: echo a\n")
        let env = try CLI.run(["run", "env.yaml"], cwd: workspace.url, timeout: 30)
        #expect(!env.timedOut, "run hung on a FIFO env_file")
        #expect(env.status == 2 && env.stderr.contains(".env") && env.stderr.contains("FIFO"), "exit \(env.status): \(env.stderr)")
        try workspace.write("deps.yaml", "pipeline: deps\ntasks:\n  a:\n    run: echo a\n    deps: [dep.fifo]\n")
        let deps = try CLI.run(["run", "deps.yaml"], cwd: workspace.url, timeout: 30)
        #expect(!deps.timedOut, "run hung hashing a FIFO in deps")
    }

    // MARK: "no such file", "is a directory"

    @Test func missingAndDirectoryPathsSaySo() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = "missing.yaml", folder = "folder"
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        let commands: [(String, [String], [String])] = [
            ("lint", ["lint"], []),
            ("plan", ["plan"], []),
            ("graph", ["graph"], []),
            ("run", ["run"], []),
            ("export", ["export", "airflow"], ["-o", "dags"]),
            ("cat", ["cat"], []),
            ("task-run", ["task-run"], ["--task", "a", "--run-id", "r1"]),
        ]
        for (name, head, tail) in commands {
            for (path, words) in [(missing, "no such file"), (folder, "is a directory"), (folder + ".json", "no such file")] {
                if name == "lint" && path == folder { continue }  // a folder is what lint walks
                let outcome = try CLI.run(head + [path] + tail, cwd: directory, timeout: 30)
                #expect(outcome.status == 2, "\(name) \(path): exit \(outcome.status)")
                #expect(outcome.stderr.contains(path) && outcome.stderr.lowercased().contains(words),
                        "\(name) \(path): \(outcome.stderr)")
                #expect(!outcome.stderr.contains("cannot be read"), "\(name) \(path): \(outcome.stderr)")
            }
        }
        let dot = try CLI.run(["run", "."], cwd: directory, timeout: 30)
        #expect(dot.status == 2 && dot.stderr.contains("is a directory"), "\(dot.stderr)")
    }

    // MARK: staging paths a task left as special files

    /// One task whose `run` leaves `setup` at its staging paths; the run
    /// must end (no hang), fail the task, and say which task, attempt and
    /// output, and why.
    static let stagingCases: [(name: String, outputs: String, run: String, words: [String])] = [
        ("outputs-fifo", "n: int", #"rm -f "$SLUICE_OUTPUTS"; mkfifo "$SLUICE_OUTPUTS""#, ["$SLUICE_OUTPUTS", "FIFO"]),
        ("outputs-zero", "n: int", #"rm -f "$SLUICE_OUTPUTS"; ln -s /dev/zero "$SLUICE_OUTPUTS""#, ["$SLUICE_OUTPUTS", "symbolic link"]),
        ("outputs-huge", "n: string", #"head -c 16777300 /dev/zero | tr '\0' a | sed 's/^/n=/' > "$SLUICE_OUTPUTS""#, ["$SLUICE_OUTPUTS", "16 MiB"]),
        ("table-fifo", #"rows: "table(x: int64)""#, #"mkfifo "$SLUICE_TABLE_ROWS""#, ["table output \"rows\"", "$SLUICE_TABLE_ROWS", "FIFO"]),
        ("table-zero", #"rows: "table(x: int64)""#, #"ln -s /dev/zero "$SLUICE_TABLE_ROWS""#, ["table output \"rows\"", "$SLUICE_TABLE_ROWS", "symbolic link"]),
        ("file-fifo", "report: file", #"mkfifo "$SLUICE_FILE_REPORT""#, ["file output \"report\"", "$SLUICE_FILE_REPORT", "FIFO"]),
        ("file-link", "report: file", #"ln -s /etc/hostname "$SLUICE_FILE_REPORT""#, ["file output \"report\"", "$SLUICE_FILE_REPORT", "symbolic link"]),
    ]

    @Test(arguments: stagingCases.map(\.name))
    func aSpecialFileAtAStagingPathFailsTheTask(name: String) throws {
        let setup = try #require(Self.stagingCases.first { $0.name == name })
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("staged.yaml", """
            pipeline: staged
            tasks:
              leaves_it:
                run: '\(setup.run.replacingOccurrences(of: "'", with: "''"))'
                outputs:
                  \(setup.outputs)

            """)
        let outcome = try CLI.run(["run", "staged.yaml"], cwd: workspace.url,
                                  environment: ["SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"], timeout: 60)
        #expect(!outcome.timedOut, "\(name): the executor hung")
        #expect(!outcome.crashed, "\(name): crashed")
        #expect(outcome.status == 1, "\(name): exit \(outcome.status) \(outcome.stderr)")
        let shown = try workspace.show()
        #expect(shown.state("leaves_it") == "failed", "\(name)")
        let message = outcome.stdout + outcome.stderr
        #expect(message.contains("leaves_it (try 1)"), "\(name): \(message)")
        for word in setup.words { #expect(message.contains(word), "\(name): no \(word) in \(message)") }
        if name == "file-link" { #expect(!workspace.exists(".sluice/runs") || !workspace.recordFiles().contains { $0.0.hasSuffix("/report") }) }
    }
}
