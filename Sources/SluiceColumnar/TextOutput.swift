#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `sluice cat` prints: standard output, or a string in tests.
public protocol TextOutput: AnyObject {
    func write(_ text: String) throws
    func flush() throws
}

/// Buffered output to a file descriptor (64 KiB at a time).
public final class FileDescriptorOutput: TextOutput {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    public static var standardOutput: FileDescriptorOutput { FileDescriptorOutput(descriptor: 1) }

    /// True when the descriptor is a terminal (the default format is then a table).
    public var isTerminal: Bool { isatty(descriptor) != 0 }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(descriptor, base + offset, raw.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 { throw FileSystemError(path: "<standard output>", action: "write to", errno: errno) }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Collects output in memory.
public final class StringOutput: TextOutput {
    public private(set) var text = ""

    public init() {}

    public func write(_ text: String) throws { self.text += text }
    public func flush() throws {}
}
