import Foundation
import SluiceColumnar
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory of Sluice's own records (a run directory and its `logs/`,
/// `outputs/`, `staging/`; the cache and its parts), held open. Tasks run in
/// the workspace and can plant symlinks among the records; every record path
/// is therefore reached from a held descriptor, one component at a time with
/// `O_NOFOLLOW`, and removal never crosses a symlink: it unlinks the link
/// itself (docs/reliability.md "Records and symlinks").
///
/// Code that takes a path (Arrow writers, `AtomicFile`) gets `pinned(name)`:
/// on Linux `/proc/self/fd/<fd>/name`, which the kernel resolves to this very
/// directory whatever is renamed or replaced by a symlink meanwhile.
final class RecordDirectory: @unchecked Sendable {
    let fd: Int32
    /// Where it was opened, for messages and recorded values.
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { SystemCalls.closeDescriptor(fd) }

    /// `relative` below `base` (a path Sluice trusts: the workspace, made real),
    /// no component of `relative` followed if it is a symlink; with `create`,
    /// missing directories are made.
    static func open(_ relative: String, below base: String, create: Bool) throws(ExecutorError) -> RecordDirectory {
        let fd = openDirectory(base)
        guard fd >= 0 else { throw ExecutorError("cannot open \(base): \(SystemCalls.errorText())") }
        return try RecordDirectory(fd: fd, path: base).subdirectory(relative, create: create)
    }

    /// A directory below this one, each component opened without following a symlink.
    func subdirectory(_ relative: String, create: Bool) throws(ExecutorError) -> RecordDirectory {
        var current = self
        for part in relative.split(separator: "/") where part != "." {
            guard part != ".." else { throw ExecutorError("\(path)/\(relative): a record path never contains ..") }
            current = try current.child(String(part), create: create)
        }
        return current
    }

    private func child(_ name: String, create: Bool) throws(ExecutorError) -> RecordDirectory {
        let childPath = path + "/" + name
        for _ in 0..<4 {
            let fd = openat(self.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 { return RecordDirectory(fd: fd, path: childPath) }
            let code = errno
            if code == ENOENT, create {
                guard mkdirat(self.fd, name, 0o755) == 0 || errno == EEXIST else {
                    throw ExecutorError("cannot create \(childPath): \(SystemCalls.errorText())")
                }
                continue
            }
            if kind(of: name) == S_IFLNK {
                throw ExecutorError("\(childPath) is a symbolic link: sluice never follows a symbolic link among its records (a task may have planted it)")
            }
            throw ExecutorError("cannot open \(childPath): \(SystemCalls.errorText(code))")
        }
        throw ExecutorError("cannot open \(childPath): it keeps changing")
    }

    /// The type bits (`S_IFDIR`, `S_IFLNK`, ...) of an entry, not following a symlink; nil if absent.
    func kind(of name: String) -> mode_t? {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Whether `name` in `parent` is still this directory (not replaced, not a symlink).
    func isStill(_ name: String, in parent: RecordDirectory) -> Bool {
        guard let own = identity() else { return false }
        return isStill(name, in: parent, identity: own)
    }

    /// The device and inode the descriptor holds: fixed for the descriptor's life.
    func identity() -> (device: dev_t, inode: ino_t)? {
        var own = stat()
        guard fstat(fd, &own) == 0 else { return nil }
        return (own.st_dev, own.st_ino)
    }

    /// `isStill` with this directory's `identity()` taken once: only the name is looked up again.
    func isStill(_ name: String, in parent: RecordDirectory, identity own: (device: dev_t, inode: ino_t)) -> Bool {
        var there = stat()
        guard fstatat(parent.fd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        return own.device == there.st_dev && own.inode == there.st_ino
    }

    /// A path that resolves to `name` in this very directory (see the type's comment).
    func pinned(_ name: String) -> String { pinnedPath + "/" + name }

    /// A path that resolves to this very directory.
    var pinnedPath: String { Self.pinnedRoot(fd, fallback: path) }

    /// A message with pinned paths turned back into the directory's own path.
    func readable(_ message: String) -> String {
        message.replacingOccurrences(of: Self.pinnedRoot(fd, fallback: path), with: path)
    }

    private static let procFileDescriptors = access("/proc/self/fd", X_OK) == 0

    private static func pinnedRoot(_ fd: Int32, fallback: String) -> String {
        #if os(Linux)
        if procFileDescriptors { return "/proc/self/fd/\(fd)" }
        #endif
        // Elsewhere the path the directory has now (F_GETPATH), else where it was opened.
        #if canImport(Darwin)
        var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN))
        if fcntl(fd, F_GETPATH, &buffer) == 0 { return String(cString: buffer) }
        #endif
        return fallback
    }

    /// The names in the directory (not `.` and `..`), unsorted.
    func names() -> [String] {
        let copy = dup(fd)
        guard copy >= 0 else { return [] }
        guard let stream = fdopendir(copy) else { SystemCalls.closeDescriptor(copy); return [] }
        defer { closedir(stream) }
        rewinddir(stream)  // the copy shares the offset of earlier listings
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a symlink (the link itself, never its target).
    @discardableResult
    func remove(_ name: String) -> Bool { unlinkat(fd, name, 0) == 0 }

    /// Removes an entry and, for a directory, everything below it; a symlink
    /// anywhere is removed as a link, never followed.
    func removeTree(_ name: String) {
        if unlinkat(fd, name, 0) == 0 { return }
        guard errno == EISDIR || errno == EPERM, let below = try? subdirectory(name, create: false) else { return }
        for entry in below.names() { below.removeTree(entry) }
        _ = unlinkat(fd, name, AT_REMOVEDIR)
    }

    /// Calls `body` for every entry below this directory that is not a
    /// directory (the directory it is in, its name), descending into real directories only.
    func forEachFile(_ body: (RecordDirectory, String) -> Void) {
        for name in names() {
            if kind(of: name) == S_IFDIR, let below = try? subdirectory(name, create: false) {
                below.forEachFile(body)
            } else {
                body(self, name)
            }
        }
    }

    /// A regular file read whole (at most `limit` bytes), never through a symlink.
    func read(_ name: String, limit: Int = .max) -> [UInt8]? {
        let fd = openFile(name)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return RunFiles.readWhole(fd, limit: limit)
    }

    /// The first `maxBytes` bytes (or fewer) of a regular file, never through a symlink.
    func readHead(_ name: String, maxBytes: Int) -> [UInt8]? {
        let fd = openFile(name)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        var count = 0
        while count < maxBytes {
            let n = bytes.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress.map { $0 + count }, maxBytes - count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            count += n
        }
        return Array(bytes[..<count])
    }

    /// A regular file in this directory opened for reading, never through a
    /// symlink (`O_NOFOLLOW`) and never a FIFO or device (checked on the open
    /// descriptor, so nothing can swap it in between); -1 otherwise. The caller closes it.
    func openFile(_ name: String) -> Int32 {
        let fd = openat(self.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return -1 }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Replaces `name` atomically (AtomicFile in this very directory); errors name the directory's own path.
    func writeAtomically(_ text: String, to name: String) throws(ExecutorError) {
        do { try AtomicFile.write(text, to: pinned(name)) } catch { throw ExecutorError(readable(writeFailure(path + "/" + name, error))) }
    }
}

/// `open(2)` of a directory, out of reach of `RecordDirectory.open`'s name.
private func openDirectory(_ path: String) -> Int32 { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }

/// `read(2)`, out of reach of `RecordDirectory.read`'s name.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

/// The directories of one run, held open from its creation (or resume) to its end.
/// `outputs/` is made at the first output placed in it, not with the run:
/// most runs of command tasks publish none, and each directory a run makes
/// is an inode, which this file system is slow to allocate right after
/// others were freed (docs/speed.md, "fixed"). A run directory without
/// `outputs/` reads as one whose tasks published nothing.
struct RunRecordDirectories: Sendable {
    typealias Identity = (device: dev_t, inode: ino_t)

    let run: RecordDirectory
    let logs: RecordDirectory
    let staging: RecordDirectory
    /// `logs/` and `staging/` with the device and inode each descriptor holds, taken
    /// once at open (a held descriptor's never change): the check before each attempt then costs one
    /// lookup per name, not also an `fstat` of each descriptor. Nil if one could not be taken:
    /// every check then fails, as `isStill` does.
    private let held: [(name: String, directory: RecordDirectory, identity: Identity)]?
    /// `outputs/` and its identity once made (or found) by `outputs()`; shared by every copy of this value.
    private let madeOutputs: OutputsSlot

    /// The slot `outputs()` fills: attempts of several tasks may place outputs at once.
    private final class OutputsSlot: Sendable {
        let made = Mutex<(directory: RecordDirectory, identity: Identity?)?>(nil)
    }

    init(run: RecordDirectory, logs: RecordDirectory, staging: RecordDirectory) {
        self.run = run
        self.logs = logs
        self.staging = staging
        madeOutputs = OutputsSlot()
        var held: [(name: String, directory: RecordDirectory, identity: Identity)] = []
        for (name, directory) in [("logs", logs), ("staging", staging)] {
            guard let identity = directory.identity() else { self.held = nil; return }
            held.append((name, directory, identity))
        }
        self.held = held
    }

    /// A records directory `relative` below the workspace, its `logs/` and `staging/`, made if missing.
    static func open(_ relative: String, below workspace: String) throws(ExecutorError) -> RunRecordDirectories {
        let run = try RecordDirectory.open(relative, below: workspace, create: true)
        return RunRecordDirectories(run: run, logs: try run.subdirectory("logs", create: true),
                                    staging: try run.subdirectory("staging", create: true))
    }

    /// `outputs/`, made (or opened, as a run directory of an earlier version or a
    /// resumed run has it) the first time; a symlink there is refused like any record path.
    func outputs() throws(ExecutorError) -> RecordDirectory {
        try madeOutputs.made.withLock { (made) throws(ExecutorError) -> RecordDirectory in
            if let made { return made.directory }
            let directory = try run.subdirectory("outputs", create: true)
            made = (directory, directory.identity())
            return directory
        }
    }

    /// A task shares the workspace with the records: before each attempt the
    /// executor checks that `logs/`, `staging/` and (once made) `outputs/` are still
    /// the directories it made, so no task inherits paths a symlink redirects.
    /// An `outputs/` a task plants before sluice made one is refused or taken
    /// when the first output is placed (`outputs()`), as any record path is.
    func replacedDirectory() -> String? {
        guard let held else { return logs.path }
        for entry in held where !entry.directory.isStill(entry.name, in: run, identity: entry.identity) {
            return entry.directory.path
        }
        if let outputs = madeOutputs.made.withLock({ $0 }) {
            guard let identity = outputs.identity, outputs.directory.isStill("outputs", in: run, identity: identity) else {
                return outputs.directory.path
            }
        }
        return nil
    }

    /// The directory for one instance's outputs: `outputs/<task>/` or `outputs/<task>/<index>/`.
    func outputDirectory(_ key: InstanceKey) throws(ExecutorError) -> RecordDirectory {
        try outputs().subdirectory(key.task + (key.mapIndex.map { "/\($0)" } ?? ""), create: true)
    }
}
