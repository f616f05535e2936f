import Foundation
import SluiceColumnar
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one run keeps its records (docs/executor.md "The run directory"):
/// `<workspace>/.sluice/runs/<pipeline>/<run_id>/`, as `RunStore` lays it out.
public struct RunDirectory: Sendable {
    public let workspace: String
    public let pipeline: String
    public let runID: String
    public let path: String

    public init(workspace: String, pipeline: String, runID: String) {
        self.workspace = workspace
        self.pipeline = pipeline
        self.runID = runID
        self.path = workspace + "/" + RunStore.runRelativePath(pipeline: pipeline, runID: runID)
    }

    /// The run directory relative to the workspace.
    var relativePath: String { RunStore.runRelativePath(pipeline: pipeline, runID: runID) }

    public var journal: String { path + "/" + RunStore.Layout.journal }
    public var plan: String { path + "/" + RunStore.Layout.plan }
    public var tasksTable: String { path + "/" + RunStore.Layout.tasksTable }

    /// `logs/fetch.2.try1.log`, relative to the run directory (as the journal records it).
    static func logName(_ key: InstanceKey, attempt: Int) -> String {
        logName(attemptStem: attemptStem(key, attempt: attempt))
    }

    /// `logs/<stem>.log` for an `attemptStem`.
    static func logName(attemptStem stem: String) -> String {
        joined("logs/", stem, logExtension)
    }

    /// `<stem>.log`: `logName`'s file inside the logs directory an attempt is handed.
    static func logFileName(attemptStem stem: String) -> String {
        stem + logExtension
    }

    private static let logExtension = ".log"

    /// `fetch.2.try1`: what an attempt's log and staging files are named after.
    /// Appended in place (one attempt asks for it once, for both): interpolating
    /// it, and the instance's `fileStem` inside it, cost a string each time; and
    /// up to 15 bytes it stays a small string, with no allocation at all.
    static func attemptStem(_ key: InstanceKey, attempt: Int) -> String {
        var stem = key.task
        if let index = key.mapIndex {
            stem += "."
            stem += String(index)
        }
        stem += ".try"
        stem += String(attempt)
        return stem
    }

    /// The three strings one after another, in one allocation at most.
    static func joined(_ a: String, _ b: String, _ c: String) -> String {
        var text = ""
        text.reserveCapacity(a.utf8.count + b.utf8.count + c.utf8.count)
        text += a
        text += b
        text += c
        return text
    }

    /// Staging files of one attempt share this prefix: `staging/fetch.2.try1.`.
    /// This path is for the task; the executor itself goes through
    /// `RunRecordDirectories` (RecordDirectory.swift), never through paths.
    func stagingPrefix(_ key: InstanceKey, attempt: Int) -> String {
        path + "/staging/" + RunDirectory.stagingNamePrefix(key, attempt: attempt)
    }

    /// The staging prefix within `staging/`: `fetch.2.try1.`.
    static func stagingNamePrefix(_ key: InstanceKey, attempt: Int) -> String {
        stagingNamePrefix(attemptStem: attemptStem(key, attempt: attempt))
    }

    /// The staging prefix within `staging/` for an `attemptStem`.
    static func stagingNamePrefix(attemptStem stem: String) -> String {
        stem + "."
    }
}

enum RunFiles {
    static func makeDirectories(_ path: String) throws(ExecutorError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ExecutorError("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Makes a rename or a new file in `path` durable.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The whole file, or nil when it does not exist, cannot be read, or is
    /// larger than `limit` bytes. One buffer of the file's size, grown only if
    /// the file grows while it is read; a read error is nil, never a prefix.
    static func readFile(_ path: String, relativeTo directory: Int32 = AT_FDCWD, limit: Int = .max) -> [UInt8]? {
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readWhole(fd, limit: limit)
    }

    /// The whole of an open file, as `readFile` reads it.
    static func readWhole(_ fd: Int32, limit: Int = .max) -> [UInt8]? {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size <= limit else { return nil }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 4096))
        var count = 0
        while true {
            if count == bytes.count {
                guard count < limit else { return nil }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, limit - count)))
            }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + count }, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func remove(_ path: String, relativeTo directory: Int32 = AT_FDCWD) { _ = unlinkat(directory, path, 0) }

    /// The directory a path names, made absolute and free of symlinks.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// "cannot write PATH: REASON", once: a FileSystemError already names its file.
func writeFailure(_ path: String, _ error: any Error) -> String {
    if let error = error as? FileSystemError { return error.description }
    return "cannot write \(path): \(error)"
}
