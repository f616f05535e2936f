#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SluicePlan

/// JSON-RPC messages framed as the Language Server Protocol frames them on
/// stdio: `Content-Length: N` header lines, a blank line, then N bytes of JSON.
public struct MessageFraming {
    /// The largest body accepted: a 2,000-task spec sent whole is about 400 KB.
    public static let maxBodyBytes = 64 << 20

    public enum Frame: Equatable {
        case message(JSON)
        /// A complete frame whose header or body could not be read; the
        /// stream carries on after it.
        case malformed(String)
    }

    private var buffer: [UInt8] = []
    private var consumed = 0

    public init() {}

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if consumed > 0 && consumed == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            consumed = 0
        } else if consumed > 1 << 20 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Where the next frame's body is, once its header is complete:
    /// nil length means the header is unusable.
    private func header() -> (bodyStart: Int, length: Int?, text: String)? {
        guard let headerEnd = Self.find([13, 10, 13, 10], in: buffer, from: consumed) else { return nil }
        let text = String(decoding: buffer[consumed..<headerEnd], as: UTF8.self)
        var length: Int?
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingSpaces().lowercased() == "content-length" {
                length = Int(line[line.index(after: colon)...].trimmingSpaces())
            }
        }
        if let found = length, found < 0 || found > Self.maxBodyBytes { length = nil }
        return (headerEnd + 4, length, text)
    }

    /// The next complete frame in what was appended, or nil until more bytes come.
    public mutating func next() -> Frame? {
        guard let (bodyStart, length, text) = header() else {
            // A header that never ends is not a header: drop it rather than grow forever.
            if buffer.count - consumed > 64 << 10 {
                consumed = buffer.count
                return .malformed("a header longer than 64 KiB")
            }
            return nil
        }
        guard let length else {
            consumed = bodyStart
            return .malformed("a header without a usable Content-Length: \(text.prefix(200).debugDescription)")
        }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self)
        consumed = bodyStart + length
        do throws(JSONParseError) {
            return .message(try JSON.parse(body))
        } catch {
            return .malformed("a body that is not JSON: \(error.description)")
        }
    }

    /// Whether a complete frame (or a malformed one) is already buffered.
    public var hasCompleteFrame: Bool {
        guard let (bodyStart, length, _) = header() else { return buffer.count - consumed > 64 << 10 }
        guard let length else { return true }
        return buffer.count - bodyStart >= length
    }

    public static func encode(_ message: JSON) -> [UInt8] {
        let body = Array(message.compact().utf8)
        return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i + 1] == needle[1] && haystack[i + 2] == needle[2] && haystack[i + 3] == needle[3] {
                return i
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}

/// Reads frames from a file descriptor and writes them to another.
final class StdioChannel {
    private let input: Int32
    private let output: Int32
    private var framing = MessageFraming()
    private var ended = false

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// The next frame, blocking for input; nil at the end of input.
    func read() -> MessageFraming.Frame? {
        while true {
            if let frame = framing.next() { return frame }
            guard !ended, fill() else { return nil }
        }
    }

    /// Whether another frame can be read without waiting (so work that
    /// only the newest state needs, like publishing diagnostics, can wait).
    func hasPendingInput() -> Bool {
        if framing.hasCompleteFrame { return true }
        guard !ended else { return false }
        var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        // Readable: take what is there, and say whether it completes a frame.
        _ = fill()
        return framing.hasCompleteFrame
    }

    /// Reads once; false at the end of input or on an error.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                ended = true
                return false
            }
            chunk.withUnsafeBytes { framing.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            return true
        }
    }

    func write(_ message: JSON) {
        let bytes = MessageFraming.encode(message)
        var written = 0
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while written < raw.count {
                let count = systemWrite(output, base + written, raw.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }  // the client went away: nothing more to say
                written += count
            }
        }
    }
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}
