import Foundation
import Testing
@testable import SluiceExecutor

/// The real runner: processes, groups, pipes.

private func waitForExit(_ runner: PosixProcessRunner, within seconds: Double = 10) -> ProcessExit? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let exit = runner.wait(timeoutNanoseconds: 100_000_000).first { return exit }
    }
    return nil
}

/// Every test that starts processes runs with both ways of starting them: the runner's own
/// `clone` (CSpawn) and the `posix_spawn` it falls back to.
private let bothSpawns = [true, false]

private func makeRunner(ownSpawn: Bool) throws -> PosixProcessRunner {
    let runner = try PosixProcessRunner(ownSpawn: ownSpawn)
    #if os(Linux)
    #expect(runner.usesOwnSpawn == ownSpawn, "the start path under test is the one asked for")
    #endif
    return runner
}

@Test(arguments: bothSpawns) func runsInItsOwnGroupWithTheGivenEnvironmentAndDirectory(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    let log = dir.path + "/log"
    let handle = try runner.start(ProcessRequest(
        command: #"echo "$GREETING from $(pwd)"; echo err >&2; cut -d' ' -f5 /proc/$$/stat; read x; echo "stdin=$?"; exit 3"#,
        environment: ["GREETING=hi", "PATH=/usr/bin:/bin"], workingDirectory: dir.path, logPath: log))
    let exit = try #require(waitForExit(runner))
    runner.release(handle)
    #expect(exit.status == .exited(3))
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(text.hasPrefix("hi from \(dir.path)\nerr\n\(handle.pid)\nstdin=1\n"), "\(text)")
}

/// The runner reuses the file actions it made for a descriptor number and working directory:
/// with the numbers coming back (each log closed before the next opens) and the directories
/// alternating, every process still runs in its own directory, writing its own log, stdin /dev/null.
@Test(arguments: bothSpawns) func reusedDescriptorNumbersStillGetEachStartsDirectoryAndLog(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    let directories = try (0..<3).map { k in
        let path = dir.path + "/d\(k)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }
    for k in 0..<7 {
        let handle = try runner.start(ProcessRequest(command: #"pwd; read x; echo "stdin=$? \#(k)""#, environment: ["PATH=/usr/bin:/bin"],
                                                     workingDirectory: directories[k % 3], logPath: dir.path + "/log\(k)"))
        let exit = try #require(waitForExit(runner))
        runner.release(handle)
        #expect(exit.status == .exited(0))
        #expect(try String(contentsOfFile: dir.path + "/log\(k)", encoding: .utf8) == directories[k % 3] + "\nstdin=1 \(k)\n")
    }
}

@Test(arguments: bothSpawns) func outputIsMaskedWhenSecretsExist(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    let log = dir.path + "/log"
    let handle = try runner.start(ProcessRequest(
        command: #"printf 's3cr'; sleep 0.05; printf 'et! and s3cret!\n'"#, environment: ["PATH=/usr/bin:/bin"],
        workingDirectory: dir.path, logPath: log, masker: SecretMasker(values: ["s3cret!"])))
    _ = try #require(waitForExit(runner))
    runner.release(handle)
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "*** and ***\n")
}

@Test(arguments: bothSpawns) func signalsReachGrandchildren(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    let handle = try runner.start(ProcessRequest(
        command: "sleep 30 & sleep 30 & wait", environment: ["PATH=/usr/bin:/bin"], workingDirectory: dir.path, logPath: dir.path + "/log"))
    Thread.sleep(forTimeInterval: 0.2)
    runner.signalGroup(handle, SIGKILL)
    let exit = try #require(waitForExit(runner))
    #expect(exit.status == .signaled(SIGKILL))
    let deadline = Date().addingTimeInterval(5)
    while runner.groupAlive(handle) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    #expect(!runner.groupAlive(handle), "the sleeps died with the group")
    runner.release(handle)
}

#if os(Linux)
/// A task starts with every signal at its default and none blocked, whatever sluice ignores or
/// blocks (SIGPIPE is ignored in `sluice`; here SIGUSR1 and a real-time signal ignored before the
/// runner is made, SIGALRM after it, and SIGUSR2 blocked on the starting thread), and both start
/// paths leave it the same dispositions: glibc's `posix_spawn` leaves its two internal signals
/// (32, 33) ignored, and so does the runner's own spawn. (The own spawn resets signals 1 to 33
/// always, a real-time one only when it was in use as the runner was made.)
@Test func aTaskStartsWithDefaultSignalsAndAnEmptyMaskOnEitherPath() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let previous = signal(SIGUSR1, SIG_IGN)
    defer { signal(SIGUSR1, previous) }
    let realtime = __libc_current_sigrtmin() + 3  // SIGRTMIN is a macro Swift cannot import
    let previousRealtime = signal(realtime, SIG_IGN)
    defer { signal(realtime, previousRealtime) }
    var block = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGUSR2)
    var oldMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &block, &oldMask)
    defer { pthread_sigmask(SIG_SETMASK, &oldMask, nil) }
    var seen: [String] = []
    for ownSpawn in bothSpawns {
        let runner = try makeRunner(ownSpawn: ownSpawn)
        let previousAlarm = signal(SIGALRM, SIG_IGN)
        defer { signal(SIGALRM, previousAlarm) }
        let log = dir.path + "/log-\(ownSpawn)"
        // `exec` so the lines are the task's own shell's, before it installs any handler.
        let handle = try runner.start(ProcessRequest(command: "exec grep -E '^Sig(Blk|Ign)' /proc/self/status", environment: ["PATH=/usr/bin:/bin"],
                                                     workingDirectory: dir.path, logPath: log))
        let exit = try #require(waitForExit(runner))
        runner.release(handle)
        #expect(exit.status == .exited(0))
        seen.append(try String(contentsOfFile: log, encoding: .utf8))
    }
    #expect(seen[0] == "SigBlk:\t0000000000000000\nSigIgn:\t0000000180000000\n", "\(seen[0])")
    #expect(seen[0] == seen[1])
}
#endif

/// A start that cannot reach `execve` (here its working directory is missing) is an error
/// naming the cause, on either path, and the runner starts the next process as before.
@Test(arguments: bothSpawns) func aStartThatCannotRunItsShellIsReportedWithTheCause(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    #if os(Linux)
    let chdirInChild = ownSpawn || SystemCalls.addChdir != nil
    #else
    let chdirInChild = SystemCalls.addChdir != nil
    #endif
    if chdirInChild {
        do {
            let handle = try runner.start(ProcessRequest(command: "true", environment: [], workingDirectory: dir.path + "/missing", logPath: dir.path + "/log0"))
            Issue.record("started pid \(handle.pid) in a missing directory")
        } catch {
            #expect(error.description == "cannot start /bin/sh: No such file or directory")
        }
    }
    let handle = try runner.start(ProcessRequest(command: "echo after", environment: [], workingDirectory: dir.path, logPath: dir.path + "/log1"))
    let exit = try #require(waitForExit(runner))
    runner.release(handle)
    #expect(exit.status == .exited(0))
    #expect(try String(contentsOfFile: dir.path + "/log1", encoding: .utf8) == "after\n")
}

@Test func waitReturnsOnWakeFromAnotherThread() throws {
    let runner = try PosixProcessRunner()
    let start = Date()
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { runner.wake() }
    _ = runner.wait(timeoutNanoseconds: 5_000_000_000)
    #expect(Date().timeIntervalSince(start) < 2)
}

/// `posix_spawn`'s argv and envp are built in one buffer: every string whole, in order, each
/// NUL-terminated, the vector ending in nil (an empty string and non-ASCII text included).
@Test func cStringVectorHoldsEveryStringInOrder() {
    let strings = ["/bin/sh", "", "NAME=välue ✓", String(repeating: "x", count: 10_000), "LAST="]
    let read: [String?] = SystemCalls.withCStringVector(strings) { vector in
        (0...strings.count).map { index in vector[index].map { String(cString: $0) } }
    }
    #expect(read == strings.map(Optional.some) + [nil])
    let empty: UnsafeMutablePointer<CChar>?? = SystemCalls.withCStringVector([]) { vector in vector[0] }
    #expect(empty == .some(nil))
    // A shared list comes first, as it is, then the buffer's own.
    let shared = CStringList(["A=1", "", "B=zwei ✓"])
    let joined: [String?] = CStringBuffer(strings).withVector(after: shared) { vector in
        (0...(shared.count + strings.count)).map { index in vector[index].map { String(cString: $0) } }
    }
    #expect(joined == (shared.strings + strings).map(Optional.some) + [nil])
    let sharedOnly: [String?] = CStringBuffer().withVector(after: shared) { vector in (0...3).map { vector[$0].map { String(cString: $0) } } }
    #expect(sharedOnly == shared.strings.map(Optional.some) + [nil])
}

/// An entry written from its name and value is `name=value`; one with a NUL
/// inside ends there, as C reads it (also in a shared list), and the next
/// entry is whole; `strings` reads back what the spawn gets.
@Test func cStringBufferEntriesEndWhereCWouldRead() {
    var buffer = CStringBuffer()
    buffer.append("NAME", "välue")
    buffer.append("CUT", "be\u{0}fore")
    buffer.append("WHOLE=1")
    buffer.append("EMPTY", "")
    // A value written from its pieces: the same entry as the pieces joined, cut at a NUL in any piece.
    buffer.append("PATHLIKE", concatenating: "/tmp/staging", "/", "fetch.2.try1.", "outputs")
    buffer.append("PIECES", concatenating: "a", "b\u{0}c", "d")
    let expected = ["NAME=välue", "CUT=be", "WHOLE=1", "EMPTY=", "PATHLIKE=/tmp/staging/fetch.2.try1.outputs", "PIECES=ab"]
    #expect(buffer.count == 6)
    #expect(buffer.strings == expected)
    let shared = CStringList(["S=x\u{0}y", "T=2"])
    let read: [String?] = buffer.withVector(after: shared) { vector in (0...8).map { vector[$0].map { String(cString: $0) } } }
    #expect(read == ["S=x", "T=2"] + expected.map(Optional.some) + [nil])
}

/// The process gets the request's shared environment, then its own entries, in that order (as `execve` got them).
@Test(arguments: bothSpawns) func aSharedEnvironmentComesBeforeTheRequestsOwnEntries(ownSpawn: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try makeRunner(ownSpawn: ownSpawn)
    let log = dir.path + "/log"
    let handle = try runner.start(ProcessRequest(command: #"tr '\0' '\n' < /proc/$$/environ"#, sharedEnvironment: CStringList(["B=2", "A=1"]),
                                                 ownEnvironment: CStringBuffer(["C=3", "PATH=/usr/bin:/bin"]), workingDirectory: dir.path, logPath: log))
    let exit = try #require(waitForExit(runner))
    runner.release(handle)
    #expect(exit.status == .exited(0))
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "B=2\nA=1\nC=3\nPATH=/usr/bin:/bin\n")
}
