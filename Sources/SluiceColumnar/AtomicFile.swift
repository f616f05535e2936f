import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the complete old content or the
/// complete new content, never a mix, even if the process is killed.
///
/// The recipe: a temporary file in the target's directory, write, fsync,
/// rename over the target, fsync the directory. Any error (or a throwing
/// closure) removes the temporary file and leaves the target untouched.
/// Temporary files orphaned by a killed writer are removed by the next write
/// to the same target.
public enum AtomicFile {
    /// What a write does when its target exists and is not a regular file.
    public enum SpecialTarget: Sendable {
        /// Replace it like any file. For the records Sluice owns: a symlink
        /// or FIFO planted there is replaced, never followed or written into.
        case replace
        /// Write into it, never replace it: for a path a user named (`-o
        /// FILE`). A device, FIFO or socket is opened and written (no
        /// temporary file, no rename: replacing `/dev/null` would break the
        /// whole machine); a symlink stays a symlink and its target gets the
        /// content, atomically when the target is a regular file.
        case writeThrough
    }

    /// Streams content into `path`. The file is committed only if `body`
    /// returns normally; if it throws, nothing at `path` changes (written
    /// through a special target, what was already written stays written).
    /// `durable`, asked once the content is complete: false renames without
    /// the two fsyncs, for a record that may be lost in a crash of the machine
    /// (readers still see the old or the new file whole while it stays up).
    @discardableResult
    public static func withWriter<Result>(
        to path: String,
        specialTarget: SpecialTarget = .replace,
        durable: () -> Bool = { true },
        _ body: (AtomicFileWriter) throws -> Result
    ) throws -> Result {
        let writer = try AtomicFileWriter(target: path, specialTarget: specialTarget)
        do {
            let result = try body(writer)
            try writer.commit(durable: durable())
            return result
        } catch {
            writer.discard()
            throw error
        }
    }

    public static func write(_ bytes: some Sequence<UInt8>, to path: String, specialTarget: SpecialTarget = .replace) throws {
        try withWriter(to: path, specialTarget: specialTarget) { writer in
            let wroteContiguously: Void? = try bytes.withContiguousStorageIfAvailable {
                try writer.writeWholeContent(UnsafeRawBufferPointer($0))
            }
            if wroteContiguously == nil { try writer.write(Array(bytes)) }
        }
    }

    public static func write(_ data: Data, to path: String, specialTarget: SpecialTarget = .replace) throws {
        try withWriter(to: path, specialTarget: specialTarget) { try $0.write(data) }
    }

    public static func write(_ text: String, to path: String, specialTarget: SpecialTarget = .replace) throws {
        try withWriter(to: path, specialTarget: specialTarget) { try $0.write(text) }
    }
}

/// The open temporary file behind `AtomicFile.withWriter` (or, for a target
/// written through, the target itself). Writes are buffered; nothing is
/// visible at a replaced target until the closure returns.
public final class AtomicFileWriter: ByteSink {
    /// The path the caller named.
    public let targetPath: String
    /// The file being written: a temporary file beside the file it will
    /// replace, or the target itself when it is written through.
    public let temporaryPath: String
    public private(set) var bytesWritten = 0
    /// Of `bytesWritten`, how many went to the disk with direct I/O (`writeWholeContent`).
    private(set) var bytesWrittenDirectly = 0

    /// What the rename replaces: the target, or the regular file a symlinked target points to.
    private let replacedPath: String
    /// A special target opened and written in place: no rename, nothing to unlink.
    private let writesThrough: Bool
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferCapacity = 1 << 20

    init(target: String, specialTarget: AtomicFile.SpecialTarget = .replace) throws {
        targetPath = target
        var replaced = target
        if specialTarget == .writeThrough {
            switch Self.existingKind(of: target) {
            case .regularOrMissing:
                break
            case .symlinkToRegularFile(let resolved):
                replaced = resolved
            case .special:
                let opened = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
                guard opened >= 0 else { throw FileSystemError(path: target, action: "open", errno: errno) }
                descriptor = opened
                temporaryPath = target
                replacedPath = target
                writesThrough = true
                return
            }
        }
        replacedPath = replaced
        writesThrough = false
        let location = TemporaryFileLocation(target: replaced)
        location.removeOrphans()
        let created = try location.createLockedFile()
        (descriptor, temporaryPath) = (created.descriptor, created.path)
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    private enum ExistingKind {
        case regularOrMissing
        case symlinkToRegularFile(String)
        /// A device, FIFO, socket, directory, or a symlink to one (or dangling).
        case special
    }

    private static func existingKind(of target: String) -> ExistingKind {
        var info = stat()
        guard lstat(target, &info) == 0 else { return .regularOrMissing }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return .regularOrMissing
        case S_IFLNK:
            guard let resolved = realpath(target, nil) else { return .special }
            defer { free(resolved) }
            var pointed = stat()
            guard stat(resolved, &pointed) == 0, (pointed.st_mode & S_IFMT) == S_IFREG else { return .special }
            return .symlinkToRegularFile(String(cString: resolved))
        default:
            return .special
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else { throw ColumnarUsageError("write to \"\(targetPath)\" after it was committed") }
        bytesWritten += bytes.count
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count >= Self.bufferCapacity {
            try writeFully(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// `write(_:)` for a file's whole content, given in one piece: a large
    /// content goes to the disk with direct I/O (Linux `O_DIRECT`), not
    /// through the page cache. The content is complete and, written by
    /// `AtomicFile.write`, is fsynced before the rename, so waiting here for
    /// the disk is the wait the fsync would have had; what direct I/O saves is
    /// copying the bytes into fresh page-cache memory, which on a VM that hands
    /// free memory back to its host cost 37-119 ms for a 13 MB plan in about
    /// half its writes (docs/speed.md, "pwrite"). The bytes are the same; the
    /// unaligned tail, and everything on a file system or alignment that
    /// refuses direct I/O, is written as before.
    func writeWholeContent(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytesWritten == 0 else { return try write(bytes) }
        try writeStreamedPiece(bytes)
    }

    /// The next piece of a content given in order in pieces, as `plan -o`
    /// streams its JSON so as not to hold all of it (docs/speed.md, "plan2"):
    /// written as `writeWholeContent` writes a whole content, once the content
    /// so far has reached `directWriteMinimum` and everything before this
    /// piece went to the disk directly (so the file offset is aligned): the
    /// 4 KiB-aligned bulk with direct I/O, the tail as usual. So a streamed
    /// content of the minimum or more goes directly in pieces of the minimum
    /// or more, and only the last piece should have a tail; a piece after a
    /// tail, a small content, or a target written through goes as `write(_:)`.
    /// The bytes in the file are the pieces in order either way, and the
    /// commit's fsync covers them all.
    public func writeStreamedPiece(_ bytes: UnsafeRawBufferPointer) throws {
        guard buffer.isEmpty, !writesThrough, bytesWritten == bytesWrittenDirectly,
              bytesWritten + bytes.count >= Self.directWriteMinimum,
              let base = bytes.baseAddress else { return try write(bytes) }
        guard descriptor >= 0 else { throw ColumnarUsageError("write to \"\(targetPath)\" after it was committed") }
        let bulk = bytes.count & ~(DirectIO.alignment - 1)
        let direct = try DirectIO.write(descriptor, base, bulk) { failure("write", targetPath) }
        bytesWritten += bytes.count
        bytesWrittenDirectly += direct
        try writeFully(UnsafeRawBufferPointer(rebasing: bytes[direct...]))
    }

    /// Contents smaller than this go through the page cache (and a streamed
    /// content's pieces should be at least this long): the slow copies
    /// were seen on the 13 MB plan, while the 1.75 MB DOT of the same spec
    /// wrote in about 0.5 ms buffered against 1.6-4.1 ms direct (docs/speed.md, "pwrite").
    public static let directWriteMinimum = 4 << 20

    /// fsync, rename over the target, fsync the directory (the fsyncs only
    /// when `durable`). Written through: the last bytes, then close (a device
    /// or FIFO has nothing to sync).
    func commit(durable: Bool = true) throws {
        try flush()
        if writesThrough {
            let closing = descriptor
            descriptor = -1
            guard close(closing) == 0 else { throw failure("close", targetPath) }
            return
        }
        guard !durable || fsync(descriptor) == 0 else { throw failure("flush to disk", temporaryPath) }
        let closing = descriptor
        descriptor = -1
        guard close(closing) == 0 else { throw failure("close", temporaryPath) }
        guard rename(temporaryPath, replacedPath) == 0 else { throw failure("replace", replacedPath) }
        if durable { try TemporaryFileLocation.syncDirectory(of: replacedPath) }
    }

    /// Closes and removes the temporary file; the target is left as it was.
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if !writesThrough { unlink(temporaryPath) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", targetPath)
            }
            offset += written
        }
    }

    private func failure(_ action: String, _ path: String) -> FileSystemError {
        FileSystemError(path: path, action: action, errno: errno)
    }
}

/// Writing past the page cache (Linux `O_DIRECT`): memory, file offsets and
/// lengths must be multiples of the device's block size, which `alignment`
/// covers for 512-byte and 4 KiB devices.
enum DirectIO {
    static let alignment = 4096

    /// The `O_DIRECT` flag, which Swift's Glibc module does not export (its value differs by architecture).
    private static var flag: Int32? {
        #if os(Linux) && arch(x86_64)
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return nil
        #endif
    }

    /// Writes the first `count` bytes at `source` (a multiple of `alignment`)
    /// to `descriptor`, at its offset (a multiple of `alignment`), bypassing
    /// the page cache, and returns how many it wrote: `count`, or fewer (a
    /// multiple of `alignment`, possibly 0) where the file system refused
    /// direct I/O or wrote short, for the caller to write the rest as usual.
    /// The descriptor's flags are as they were when it returns. Throws
    /// `failure()` for an error that a plain write would have met too (no
    /// space, I/O error).
    static func write(_ descriptor: Int32, _ source: UnsafeRawPointer, _ count: Int,
                      failure: () -> FileSystemError) throws -> Int {
        guard count > 0, let flag else { return 0 }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | flag) == 0 else { return 0 }
        var written = 0
        var writeError: FileSystemError?
        // The caller's bytes when they happen to be aligned; else an aligned copy.
        let aligned = Int(bitPattern: source) % alignment == 0
        let copy = aligned ? nil : UnsafeMutableRawPointer.allocate(byteCount: count, alignment: alignment)
        if let copy { copy.copyMemory(from: source, byteCount: count) }
        let from = UnsafeRawPointer(copy) ?? source
        while written < count {
            let result = systemWrite(descriptor, from + written, count - written)
            if result < 0 {
                if errno == EINTR { continue }
                // EINVAL: this file system or device does not take these writes directly.
                if errno != EINVAL { writeError = failure() }
                break
            }
            written += result
            // A short write that leaves the offset unaligned: the rest goes the usual way.
            if result == 0 || result % alignment != 0 { break }
        }
        copy?.deallocate()
        let restored = fcntl(descriptor, F_SETFL, flags) == 0
        if let writeError { throw writeError }
        guard restored else { throw failure() }
        return written
    }
}

/// The C `write`, which the `write` methods above would otherwise shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
