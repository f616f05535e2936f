import Foundation
import SluiceTestSupport
import Testing
@testable import SluiceColumnar

/// A fresh directory under the system temp dir, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sluice-columnar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    var entries: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Paths of the package, found from this file so tests run from any directory.
enum PackagePaths {
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `../shared`'s verifier when present, else the project's scripts/verify-arrow.
    static var verifier: String { CrossChecks.arrowVerifier(packageRoot: URL(fileURLWithPath: root)) }

    /// The venv python (pyarrow installed), or `SLUICE_PYTHON`.
    static var python: String {
        ProcessInfo.processInfo.environment["SLUICE_PYTHON"] ?? root + "/.venv/bin/python3"
    }

    /// The `sluice` binary built beside this test bundle.
    static var sluiceBinary: String? {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let directories = [testBinary.deletingLastPathComponent(), Bundle.main.bundleURL,
                           Bundle.main.bundleURL.deletingLastPathComponent()]
        let candidates = directories.map { $0.appendingPathComponent("sluice").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The outcome of a child process.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs an executable with arguments and optional stdin, capturing output.
func runProcess(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a python snippet with the venv python; the test fails (never skips)
/// when python or pyarrow is missing.
func runPython(_ script: String, _ arguments: [String] = []) throws -> ProcessResult {
    let python = PackagePaths.python
    guard FileManager.default.isExecutableFile(atPath: python) else {
        Issue.record("python with pyarrow not found at \(python); create the venv (python3 -m venv .venv && .venv/bin/pip install pyarrow) or set SLUICE_PYTHON")
        throw ColumnarUsageError("python missing")
    }
    return try runProcess(python, ["-c", script] + arguments)
}

/// A small schema covering every column type.
let everyTypeSchema = TableSchema([
    ("id", .int64), ("price", .float64), ("ok", .bool), ("name", .string), ("day", .date), ("at", .timestamp),
])

/// Reads all rows of an Arrow file with our reader.
func readRows(_ path: String) throws -> (TableSchema, [[ColumnValue]], Int) {
    let (schema, batches) = try ArrowReader.readAll(path: path)
    return (schema, batches.flatMap(\.rows), batches.count)
}
