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
    /// Streams content into `path`. The file is committed only if `body`
    /// returns normally; if it throws, nothing at `path` changes.
    @discardableResult
    public static func withWriter<Result>(
        to path: String,
        _ body: (AtomicFileWriter) throws -> Result
    ) throws -> Result {
        let writer = try AtomicFileWriter(target: path)
        do {
            let result = try body(writer)
            try writer.commit()
            return result
        } catch {
            writer.discard()
            throw error
        }
    }

    public static func write(_ bytes: some Sequence<UInt8>, to path: String) throws {
        try withWriter(to: path) { writer in
            let wroteContiguously: Void? = try bytes.withContiguousStorageIfAvailable {
                try writer.write(UnsafeRawBufferPointer($0))
            }
            if wroteContiguously == nil { try writer.write(Array(bytes)) }
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        try withWriter(to: path) { try $0.write(data) }
    }

    public static func write(_ text: String, to path: String) throws {
        try withWriter(to: path) { try $0.write(text) }
    }
}

/// The open temporary file behind `AtomicFile.withWriter`. Writes are
/// buffered; nothing is visible at the target until the closure returns.
public final class AtomicFileWriter: ByteSink {
    /// The path that will be replaced on commit.
    public let targetPath: String
    /// The temporary file being written, beside the target.
    public let temporaryPath: String
    public private(set) var bytesWritten = 0

    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferCapacity = 1 << 20

    init(target: String) throws {
        targetPath = target
        let location = TemporaryFileLocation(target: target)
        location.removeOrphans()
        (descriptor, temporaryPath) = try location.createLockedFile()
        buffer.reserveCapacity(Self.bufferCapacity)
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

    /// fsync, rename over the target, fsync the directory.
    func commit() throws {
        try flush()
        guard fsync(descriptor) == 0 else { throw failure("flush to disk", temporaryPath) }
        let closing = descriptor
        descriptor = -1
        guard close(closing) == 0 else { throw failure("close", temporaryPath) }
        guard rename(temporaryPath, targetPath) == 0 else { throw failure("replace", targetPath) }
        try TemporaryFileLocation.syncDirectory(of: targetPath)
    }

    /// Closes and removes the temporary file; the target is left as it was.
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
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

/// The C `write`, which the `write` methods above would otherwise shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
