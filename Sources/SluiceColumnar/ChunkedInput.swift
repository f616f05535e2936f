#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ingest reads bytes from: a file, or memory in tests.
protocol ByteSource: AnyObject {
    /// Fills the start of `buffer`; returns the count, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a regular file front to back with `read(2)`.
final class FileByteSource: ByteSource {
    let path: String
    private let descriptor: Int32

    /// `followingSymlinks: false` for a path a task wrote (a staging file).
    init(path: String, followingSymlinks: Bool = true) throws {
        self.path = path
        descriptor = try RegularFile.openForReading(path, followingSymlinks: followingSymlinks).descriptor
    }

    deinit {
        close(descriptor)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        while true {
            let count = Glibc.read(descriptor, base, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw FileSystemError(path: path, action: "read", errno: errno) }
        }
    }
}

/// Serves bytes held in memory (tests, small inputs).
final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        bytes[position..<(position + count)].withUnsafeBytes { buffer.copyMemory(from: $0) }
        position += count
        return count
    }
}

/// A sliding window over a byte source, so parsers see whole records while
/// memory stays at one chunk (plus the longest record).
final class ChunkedInput {
    private let source: ByteSource
    private var buffer: [UInt8]
    private var filled = 0
    private var atEnd = false

    init(source: ByteSource, chunkSize: Int = 1 << 20) {
        self.source = source
        buffer = [UInt8](repeating: 0, count: max(chunkSize, 16))
    }

    /// Hands the unconsumed bytes to `process`, which returns how many bytes
    /// of whole records it used (it may change bytes inside those records).
    /// More input is read until the source is exhausted and all is consumed.
    func forEachWindow(_ process: (UnsafeMutableBufferPointer<UInt8>, _ atEnd: Bool) throws -> Int) throws {
        try refill()
        while filled > 0 || !atEnd {
            let consumed = try buffer.withUnsafeMutableBufferPointer { whole in
                try process(UnsafeMutableBufferPointer(rebasing: whole[0..<filled]), atEnd)
            }
            if atEnd && (consumed == filled || consumed == 0) { return }
            discard(consumed)
            try refill()
        }
    }

    private func discard(_ count: Int) {
        guard count > 0 else { return }
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            memmove(base, base + count, filled - count)
        }
        filled -= count
    }

    /// Reads until the buffer is full or the source ends; grows the buffer
    /// when one record fills it.
    private func refill() throws {
        if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        while filled < buffer.count && !atEnd {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if count == 0 { atEnd = true }
            filled += count
        }
    }
}
