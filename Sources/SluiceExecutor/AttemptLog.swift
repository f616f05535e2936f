#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One attempt's log, held open for reading (`RunStore.openAttemptLog`).
/// The bytes are what the run stored: secrets were masked as they were
/// written, so nothing here masks again.
public final class AttemptLog {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// The bytes written since the last call (from the start the first
    /// time), at most 64 KiB at once; empty at the current end.
    public func next() -> ArraySlice<UInt8> {
        while true {
            let n = read(descriptor, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            return n > 0 ? buffer[0..<n] : []
        }
    }

    /// The last `lines` lines (a last line without a newline counts) and how
    /// many lines the log has, read in constant memory however long it is.
    public func tail(lines: Int) -> (text: [UInt8], totalLines: Int) {
        var total = 0
        var kept: [[UInt8]] = []
        var current: [UInt8] = []
        _ = lseek(descriptor, 0, SEEK_SET)
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
