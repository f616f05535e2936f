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

@Test func runsInItsOwnGroupWithTheGivenEnvironmentAndDirectory() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try PosixProcessRunner()
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
@Test func reusedDescriptorNumbersStillGetEachStartsDirectoryAndLog() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try PosixProcessRunner()
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

@Test func outputIsMaskedWhenSecretsExist() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try PosixProcessRunner()
    let log = dir.path + "/log"
    let handle = try runner.start(ProcessRequest(
        command: #"printf 's3cr'; sleep 0.05; printf 'et! and s3cret!\n'"#, environment: ["PATH=/usr/bin:/bin"],
        workingDirectory: dir.path, logPath: log, masker: SecretMasker(values: ["s3cret!"])))
    _ = try #require(waitForExit(runner))
    runner.release(handle)
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "*** and ***\n")
}

@Test func signalsReachGrandchildren() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let runner = try PosixProcessRunner()
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
}
