#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for positioned reads (`pread`), so a reader fetches one
/// record batch at a time instead of loading the whole file.
final class ReadOnlyFile {
    let path: String
    let size: Int
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        (descriptor, size) = try RegularFile.openForReading(path)
    }

    deinit {
        close(descriptor)
    }

    /// Exactly `count` bytes at `offset`; a range past the end is a truncated file.
    func read(offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, count <= size - offset else {
            throw CorruptData("the file ends early (truncated?)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + done, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw FileSystemError(path: path, action: "read", errno: errno) }
            if got == 0 { throw CorruptData("the file ends early (truncated?)") }
            done += got
        }
        return bytes
    }
}

/// Opening a file that a user or a task named, for reading, without letting
/// it hang or exhaust the reader. `O_NONBLOCK` makes opening a FIFO return at
/// once instead of waiting for a writer; `fstat` on the open descriptor then
/// admits only a regular file, so a FIFO, a device (`/dev/zero` never ends),
/// a socket or a directory is refused with a message saying which. For paths
/// a task could have planted a symlink at, `followingSymlinks: false` adds
/// `O_NOFOLLOW`. Every read of such a file goes through here.
public enum RegularFile {
    /// An open descriptor (blocking again, close-on-exec) and the file's size.
    /// The caller closes it.
    public static func openForReading(
        _ path: String, relativeTo directory: Int32 = AT_FDCWD, followingSymlinks: Bool = true
    ) throws(FileSystemError) -> (descriptor: Int32, size: Int) {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followingSymlinks ? 0 : O_NOFOLLOW)
        let descriptor = openat(directory, path, flags)
        guard descriptor >= 0 else {
            let code = errno
            if !followingSymlinks, code == ELOOP || code == EMLINK, isSymlink(path, relativeTo: directory) {
                throw FileSystemError(path: path, action: "read", problem: "is a symbolic link (not followed: write the file itself)")
            }
            throw FileSystemError(path: path, action: "open", errno: code)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = FileSystemError(path: path, action: "read", errno: errno)
            close(descriptor)
            throw error
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(descriptor)
            // A directory has its own errno text ("is a directory"); the other kinds need words.
            if kind == S_IFDIR { throw FileSystemError(path: path, action: "read", errno: EISDIR) }
            throw FileSystemError(path: path, action: "read", problem: describe(kind))
        }
        let status = fcntl(descriptor, F_GETFL)
        if status >= 0 { _ = fcntl(descriptor, F_SETFL, status & ~O_NONBLOCK) }
        return (descriptor, Int(info.st_size))
    }

    /// The whole file. More than `limit` bytes (when the read starts, or
    /// because the file grows while it is read) is an error; a read error
    /// is an error, never a prefix.
    public static func read(
        _ path: String, relativeTo directory: Int32 = AT_FDCWD, followingSymlinks: Bool = true, limit: Int = .max
    ) throws(FileSystemError) -> [UInt8] {
        let (descriptor, size) = try openForReading(path, relativeTo: directory, followingSymlinks: followingSymlinks)
        defer { close(descriptor) }
        let tooLarge = FileSystemError(path: path, action: "read", problem: "is larger than \(describe(bytes: limit))")
        guard size <= limit else { throw tooLarge }
        var bytes = [UInt8](repeating: 0, count: min(max(size, 4096), limit == .max ? .max : limit + 1))
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limit else { throw tooLarge }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, limit - count + 1)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(descriptor, base + count, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw FileSystemError(path: path, action: "read", errno: errno) }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw tooLarge }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// "16 MiB" for whole mebibytes, else the byte count.
    static func describe(bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: return "is a FIFO (named pipe), not a regular file"
        case S_IFCHR: return "is a character device, not a regular file"
        case S_IFBLK: return "is a block device, not a regular file"
        case S_IFSOCK: return "is a socket, not a regular file"
        default: return "is not a regular file"
        }
    }

    private static func isSymlink(_ path: String, relativeTo directory: Int32) -> Bool {
        var info = stat()
        return fstatat(directory, path, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// `read(2)`, which `RegularFile.read` would otherwise shadow.
    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }
}
