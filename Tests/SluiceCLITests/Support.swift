import Foundation
import Testing

/// Runs the real `sluice` binary, built by SwiftPM beside the test bundle.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/sluice")
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal (a trap, a crash).
        var crashed: Bool
        /// True when the process outlived its `timeout` and was killed: a hang.
        var timedOut = false
    }

    /// `timeout`: seconds after which the process gets SIGKILL, so a test of
    /// something that used to hang fails instead of hanging.
    static func run(_ arguments: [String], cwd: URL? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval? = nil) throws -> Outcome {
        try execute(binary, arguments, cwd: cwd ?? packageRoot, environment: environment, timeout: timeout)
    }

    /// `stdout`: where its standard output goes instead of being captured (e.g. `/dev/full`).
    static func execute(_ executable: URL, _ arguments: [String], cwd: URL, environment: [String: String] = [:], stdin: Data? = nil,
                        stdout destination: FileHandle? = nil, timeout: TimeInterval? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = cwd
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = destination ?? out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let killed = KillSwitch()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if killed.fireUnlessFinished() { kill(pid, SIGKILL) }
            }
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read before waiting so a large output cannot fill the pipe and block.
        let stdout = destination == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killed.finish()
        return Outcome(status: process.terminationStatus,
                       stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self),
                       crashed: process.terminationReason == .uncaughtSignal && !killed.fired,
                       timedOut: killed.fired)
    }

    /// Whether the timeout killed the process; never fires after it ended.
    final class KillSwitch: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        private var ended = false
        var fired: Bool { lock.withLock { value } }
        func fireUnlessFinished() -> Bool {
            lock.withLock {
                if !ended { value = true }
                return value
            }
        }
        func finish() { lock.withLock { ended = true } }
    }

    /// The venv Python with pyarrow and jsonschema (scripts/bootstrap makes it).
    /// Missing Python is a failure, not a skip: a test that cannot fail is a defect.
    static func python() throws -> URL {
        let path = ProcessInfo.processInfo.environment["SLUICE_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("no Python at \(path): run scripts/bootstrap (or set SLUICE_PYTHON)")
        }
        return URL(fileURLWithPath: path)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
