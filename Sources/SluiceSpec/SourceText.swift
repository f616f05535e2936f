#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A file's text with the byte offset of every line start, for diagnostics
/// that must look at the exact characters of a scalar (references,
/// credentials in `run`). Lines are cut on demand: splitting a 2 MB spec into
/// `Character`-based substrings up front cost more than parsing it.
public struct SourceText: Sendable {
    public let text: String
    private let lineStarts: [Int]

    public init(_ text: String) {
        var text = text
        var starts = [0]
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count, let hit = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) {
                offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                starts.append(offset)
            }
        }
        self.text = text
        self.lineStarts = starts
    }

    public var lineCount: Int { lineStarts.count }

    /// 1-based line access that never traps; the line excludes its `\n` / `\r\n`.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: lineStarts[number - 1])
        var end = number < lineStarts.count ? utf8.index(utf8.startIndex, offsetBy: lineStarts[number] - 1) : utf8.endIndex
        if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
        return Substring(utf8[start..<end])
    }
}
