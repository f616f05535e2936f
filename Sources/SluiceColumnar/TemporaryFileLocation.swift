import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one spelling of Sluice's temporary files, `.<name>.sluice-tmp-<pid>-<random>`
/// beside the file they will become: atomic writes (`AtomicFile`) and the
/// executor's unsynced writes and copies use it, and `RunStore` sweeps
/// whatever an interrupted run left by it. Hidden, and never ending in the
/// target's own extension, so no reader takes one for a record.
public enum TemporaryFileName {
    static let marker = ".sluice-tmp-"

    /// The prefix of every temporary file for `name`: `.<name>.sluice-tmp-`.
    static func prefix(for name: String) -> String { "." + name + marker }

    /// A fresh temporary path beside `target` (same directory, so the final rename never crosses a file system).
    public static func besides(_ target: String) -> String {
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[..<$0]) + "/" } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        return directory + prefix(for: name) + uniqueSuffix()
    }

    /// `<pid>-<random>`: the pid tells a sweeper whether the writer still lives.
    static func uniqueSuffix() -> String { "\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    /// Whether a file name is one of these temporary files.
    public static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.contains(marker) }
}

/// Where the temporary files for one target live and how they are named:
/// `.<name>.sluice-tmp-<pid>-<random>` in the target's own directory, so the
/// final rename never crosses a file system.
///
/// A writer holds an exclusive `flock` on its temporary file. A file nobody
/// holds a lock on, whose writer process is gone, is an orphan of a killed
/// writer, and the next writer to the same target removes it.
struct TemporaryFileLocation {
    let directory: String
    let prefix: String

    init(target: String) {
        let url = URL(fileURLWithPath: target)
        directory = url.deletingLastPathComponent().path
        prefix = TemporaryFileName.prefix(for: url.lastPathComponent)
    }

    /// Creates a fresh temporary file, locked for as long as it stays open.
    func createLockedFile() throws -> (descriptor: Int32, path: String) {
        while true {
            let path = directory + "/" + prefix + TemporaryFileName.uniqueSuffix()
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor < 0 {
                if errno == EEXIST || errno == EINTR { continue }
                throw FileSystemError(path: directory, action: "create a temporary file in", errno: errno)
            }
            _ = flock(descriptor, LOCK_EX)
            return (descriptor, path)
        }
    }

    /// Best effort: a failure here must never stop the write that follows.
    func removeOrphans() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            removeIfOrphaned(directory + "/" + name, suffix: name.dropFirst(prefix.count))
        }
    }

    private func removeIfOrphaned(_ path: String, suffix: Substring) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return }  // a live writer holds it
        // A writer locks its file just after creating it; the pid check (or
        // age, across pid namespaces) keeps us out of that short window.
        if !Self.isProcessAlive(pidIn: suffix) || Self.isOlderThanTenMinutes(descriptor) {
            unlink(path)
        }
    }

    private static func isProcessAlive(pidIn suffix: Substring) -> Bool {
        guard let pidText = suffix.split(separator: "-").first, let pid = pid_t(pidText) else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    private static func isOlderThanTenMinutes(_ descriptor: Int32) -> Bool {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return time(nil) - info.st_mtim.tv_sec > 600
    }

    /// Makes the rename itself durable. File systems that cannot sync a
    /// directory (EINVAL) are accepted: there is nothing more to do on them.
    static func syncDirectory(of target: String) throws {
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileSystemError(path: directory, action: "open the directory", errno: errno)
        }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw FileSystemError(path: directory, action: "flush to disk the directory", errno: errno)
        }
    }
}
