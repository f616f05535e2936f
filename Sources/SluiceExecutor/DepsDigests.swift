import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Content digests of `deps` files, remembered across runs by (device,
/// inode, size, mtime) in `.sluice/cache/deps.json`, so an unchanged file is
/// not read again. A file whose mtime lies within two seconds of the moment
/// it was hashed is never trusted from memory (git's "racily clean" rule:
/// a write in the same clock tick would keep the same mtime).
final class DepsDigests {
    private struct Memo {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var hashed: Int64
        var digest: String
    }

    /// `.sluice/cache`, held open: the memo is read and replaced there, never through a symlink.
    private let directory: RecordDirectory
    private var loaded = false
    private var memo: [String: Memo] = [:]
    private var thisRun: [String: String] = [:]
    private var dirty = false

    init(in cache: RecordDirectory) { directory = cache }

    /// The digest of a file (or of a directory's files, recursively), or
    /// `missing` when it does not exist.
    func digest(_ absolute: String) -> String {
        if let known = thisRun[absolute] { return known }
        var info = stat()
        let result: String
        // Follow a symlink (a dep may be a linked directory, as the examples' scripts/sluice_task); lstat only tells a dangling one.
        if stat(absolute, &info) != 0 && lstat(absolute, &info) != 0 {
            result = "missing"
        } else if (info.st_mode & S_IFMT) == S_IFDIR {
            result = directoryDigest(absolute)
        } else {
            result = fileDigest(absolute)
        }
        thisRun[absolute] = result
        return result
    }

    private func directoryDigest(_ path: String) -> String {
        // Foundation does not descend into a symlinked root: walk where it leads (file names stay relative).
        let root = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return "unreadable" }
        var lines: [String] = []
        while let relative = walker.nextObject() as? String {
            var info = stat()
            let full = root + "/" + relative
            guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            lines.append(relative + "\u{0}" + fileDigest(full))
        }
        return CacheKey.sha256(lines.sorted().joined(separator: "\n"))
    }

    private func fileDigest(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "missing" }
        load()
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let device = UInt64(info.st_dev), inode = UInt64(info.st_ino), size = Int64(info.st_size)
        if let known = memo[path], known.device == device, known.inode == inode, known.size == size, known.mtime == mtime,
           known.hashed - mtime > 2_000_000_000 {
            return known.digest
        }
        guard let digest = FileDigest.sha256(path: path) else { return "unreadable" }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        memo[path] = Memo(device: device, inode: inode, size: size, mtime: mtime,
                          hashed: Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec), digest: digest)
        dirty = true
        return digest
    }

    private func load() {
        guard !loaded else { return }
        loaded = true
        guard let bytes = directory.read(RunStore.Layout.depsMemo), let json = try? JSON.parse(String(decoding: bytes, as: UTF8.self)),
              json["version"]?.intValue == 1, let files = json["files"]?.objectValue else { return }
        for (path, entry) in files {
            guard let device = entry["dev"]?.intValue, let inode = entry["ino"]?.intValue, let size = entry["size"]?.intValue,
                  let mtime = entry["mtime_ns"]?.intValue, let hashed = entry["hashed_ns"]?.intValue,
                  let digest = entry["sha256"]?.stringValue else { continue }
            memo[path] = Memo(device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), size: size, mtime: mtime,
                              hashed: hashed, digest: digest)
        }
    }

    /// Writes the memory back when something new was hashed. A memo, not a
    /// record: written by rename without fsync, and a torn file is ignored.
    func save() {
        guard dirty else { return }
        let files: [(String, JSON)] = memo.sorted { $0.key < $1.key }.map { path, m in
            (path, .object([("dev", .int(Int64(bitPattern: m.device))), ("ino", .int(Int64(bitPattern: m.inode))),
                            ("size", .int(m.size)), ("mtime_ns", .int(m.mtime)), ("hashed_ns", .int(m.hashed)),
                            ("sha256", .string(m.digest))]))
        }
        CacheFiles.writeQuietly(JSON.object([("version", .int(1)), ("files", .object(files))]).compact(),
                                to: directory.pinned(RunStore.Layout.depsMemo))
    }
}
