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
    }

    static func run(_ arguments: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> Outcome {
        try execute(binary, arguments, cwd: cwd ?? packageRoot, environment: environment)
    }

    static func execute(_ executable: URL, _ arguments: [String], cwd: URL, environment: [String: String] = [:], stdin: Data? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = cwd
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read before waiting so a large output cannot fill the pipe and block.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self),
                       crashed: process.terminationReason == .uncaughtSignal)
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
