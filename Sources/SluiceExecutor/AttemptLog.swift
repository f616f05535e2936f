#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One attempt's log, held open for reading (`RunStore.openAttemptLog`).
/// The bytes are what the run stored: secrets were masked as they were
/// written, so nothing here masks again.
public final class AttemptLog {
    /// -1: nothing to read (the attempt wrote nothing).
    private let descriptor: Int32
    /// The attempt's bytes in the file, when its end is known: the rest belongs to a later attempt.
    private var limit: Int?
    /// Bytes returned by `next` since the start.
    private var consumed = 0
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(descriptor: Int32, limit: Int? = nil) {
        self.descriptor = descriptor
        self.limit = limit
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The bytes written since the last call (from the start the first
    /// time), at most 64 KiB at once; empty at the current end.
    public func next() -> ArraySlice<UInt8> {
        guard descriptor >= 0 else { return [] }
        let wanted = limit.map { min(buffer.count, max(0, $0 - consumed)) } ?? buffer.count
        guard wanted > 0 else { return [] }
        while true {
            let n = read(descriptor, &buffer, wanted)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return [] }
            consumed += n
            return buffer[0..<n]
        }
    }

    /// The attempt ended with `bytes` of the file its own (nil: all of it):
    /// what of `chunk`, the last `next()`, is the attempt's; later calls read
    /// no further. For a reader that opened the log while the attempt ran.
    public func ended(withBytes bytes: Int?, keepingOf chunk: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let bytes else { return chunk }
        limit = bytes
        let chunkStart = consumed - chunk.count
        return chunk.prefix(max(0, min(chunk.count, bytes - chunkStart)))
    }

    /// The last `lines` lines (a last line without a newline counts) and how
    /// many lines the log has, read in constant memory however long it is.
    public func tail(lines: Int) -> (text: [UInt8], totalLines: Int) {
        var total = 0
        var kept: [[UInt8]] = []
        var current: [UInt8] = []
        _ = lseek(descriptor, 0, SEEK_SET)
        consumed = 0
        while true {
            let chunk = next()
            if chunk.isEmpty { break }
            for byte in chunk {
                current.append(byte)
                if byte == UInt8(ascii: "\n") {
                    total += 1
                    kept.append(current)
                    current = []
                    if kept.count > 2 * lines + 64 { kept.removeFirst(kept.count - lines) }
                }
            }
        }
        if !current.isEmpty {
            total += 1
            kept.append(current)
        }
        return (Array(kept.suffix(max(0, lines)).joined()), total)
    }
}
