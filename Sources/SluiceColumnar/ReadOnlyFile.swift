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
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(path: path, action: "open", errno: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = FileSystemError(path: path, action: "read", errno: errno)
            close(descriptor)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw FileSystemError(path: path, action: "read", errno: (info.st_mode & S_IFMT) == S_IFDIR ? EISDIR : EINVAL)
        }
        size = Int(info.st_size)
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
