#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines of text as files hold them, cut on bytes.
///
/// Swift's `Character` is a grapheme cluster, and `"\r\n"` is ONE
/// `Character`: `text.split(separator: "\n")` does not split a file written
/// with CRLF line endings at all, and a `hasSuffix("\r")` check on a line is
/// never true. Every reader of user files (specs, `env_file`,
/// `$SLUICE_OUTPUTS`, journals) cuts lines here instead, at each `\n` byte,
/// dropping a `\r` before it, so LF and CRLF files read the same.
public enum TextLines {
    /// The UTF-8 byte order mark some Windows editors write at the start of a file.
    public static let byteOrderMark: Unicode.Scalar = "\u{FEFF}"

    /// The pieces between `\n` bytes, each without a final `\r`, as
    /// `split(separator: "\n", omittingEmptySubsequences: false)` would cut
    /// LF text: `n` newlines give `n + 1` pieces, so text ending in a newline
    /// ends with an empty piece (callers that detect a torn last line rely on it).
    public static func split(_ text: String) -> [Substring] {
        split(Substring(text))
    }

    public static func split(_ text: Substring) -> [Substring] {
        let utf8 = text.utf8
        var pieces: [Substring] = []
        var start = utf8.startIndex
        for newline in newlineIndices(utf8) {
            pieces.append(piece(utf8, from: start, to: newline))
            start = utf8.index(after: newline)
        }
        pieces.append(piece(utf8, from: start, to: utf8.endIndex))
        return pieces
    }

    /// The lines of `text` with content: `split` less the empty pieces (a
    /// line holding only `\r` is empty too).
    public static func nonEmpty(_ text: String) -> [Substring] {
        split(text).filter { !$0.isEmpty }
    }

    /// `text` without a leading byte order mark. Specs, params files and
    /// `env_file`s are read through this, so a file saved "with BOM" reads as
    /// the same file without it (and columns on line 1 are not off by one).
    public static func droppingByteOrderMark(_ text: String) -> String {
        guard text.unicodeScalars.first == byteOrderMark else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    /// The piece `[start, end)` without one trailing `\r`. Both bounds sit
    /// next to ASCII bytes, so they are scalar boundaries.
    private static func piece(_ utf8: Substring.UTF8View, from start: Substring.UTF8View.Index,
                              to end: Substring.UTF8View.Index) -> Substring {
        var end = end
        if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
        return Substring(utf8[start..<end])
    }

    /// The byte offsets where lines start: 0, then one past each `\n`. A
    /// reader that needs one line at a time (diagnostics quoting a spec
    /// line) keeps these and cuts with `line(of:from:to:)`.
    public static func lineStarts(_ text: String) -> [Int] {
        var starts = [0]
        for offset in newlineOffsets(text.utf8) { starts.append(offset + 1) }
        return starts
    }

    /// The line of `text` from byte offset `start` up to `end` (a `\n`'s
    /// offset, or the end of the text), without a final `\r`. Both offsets
    /// come from `lineStarts`, so they sit next to ASCII bytes.
    public static func line(of text: String, from start: Int, to end: Int) -> Substring {
        let utf8 = Substring(text).utf8
        return piece(utf8, from: utf8.index(utf8.startIndex, offsetBy: start), to: utf8.index(utf8.startIndex, offsetBy: end))
    }

    /// Where the `\n` bytes are, found in the contiguous UTF-8 when the
    /// string has it (native strings do), walking the view otherwise.
    private static func newlineIndices(_ utf8: Substring.UTF8View) -> [Substring.UTF8View.Index] {
        let offsets = newlineOffsets(utf8)
        var indices: [Substring.UTF8View.Index] = []
        indices.reserveCapacity(offsets.count)
        var index = utf8.startIndex, at = 0
        for offset in offsets {
            index = utf8.index(index, offsetBy: offset - at)
            at = offset
            indices.append(index)
        }
        return indices
    }

    /// Byte offsets of the `\n` bytes, by `memchr` over contiguous UTF-8
    /// (a 2 MB spec is indexed on every lint).
    private static func newlineOffsets<View: Collection<UInt8>>(_ utf8: View) -> [Int] {
        utf8.withContiguousStorageIfAvailable { bytes -> [Int] in
            var found: [Int] = []
            guard let base = bytes.baseAddress else { return found }
            var offset = 0
            while offset < bytes.count, let hit = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                found.append(at)
                offset = at + 1
            }
            return found
        } ?? utf8.enumerated().compactMap { $0.element == UInt8(ascii: "\n") ? $0.offset : nil }
    }
}
