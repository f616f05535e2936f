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
        let (directory, name) = Self.split(target)
        self.directory = directory
        prefix = TemporaryFileName.prefix(for: name)
    }

    /// `target`'s directory (absolute, as `URL(fileURLWithPath:)` made it: a
    /// relative target is taken from the working directory) and its last
    /// component, by plain string work: Foundation's URL cost about 0.5M
    /// instructions at the first atomic write of every run (docs/speed.md,
    /// "atomic writes without URL").
    static func split(_ target: String) -> (directory: String, name: String) {
        var path = Substring(target)
        while path.utf8.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        let name: Substring
        var directory: String
        if let slash = path.lastIndex(of: "/") {
            name = path[path.index(after: slash)...]
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            name = path
            directory = ""
        }
        if !directory.hasPrefix("/") {
            let workingDirectory = FileManager.default.currentDirectoryPath
            directory = directory.isEmpty ? workingDirectory : (workingDirectory == "/" ? "" : workingDirectory) + "/" + directory
        }
        return (directory, String(name))
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
    /// The directory is read with `readdir`, and only the names that start
    /// with the prefix become Strings (Foundation's listing cost 0.3M
    /// instructions at the first atomic write of a run).
    func removeOrphans() {
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        let wanted = Array(prefix.utf8)
        while let entry = readdir(stream) {
            let name: String? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = raw.prefix { $0 != 0 }
                guard bytes.starts(with: wanted) else { return nil }
                return String(decoding: bytes, as: UTF8.self)
            }
            if let name { removeIfOrphaned(directory + "/" + name, suffix: name.dropFirst(prefix.count)) }
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
        let directory = split(target).directory
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
