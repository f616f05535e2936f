import SluiceBasics

/// A file's text with the byte offset of every line start, for diagnostics
/// that must look at the exact characters of a scalar (references,
/// credentials in `run`). Lines are cut on demand: splitting a 2 MB spec into
/// `Character`-based substrings up front cost more than parsing it.
public struct SourceText: Sendable {
    public let text: String
    private let lineStarts: [Int]

    public init(_ text: String) {
        self.text = text
        self.lineStarts = TextLines.lineStarts(text)
    }

    public var lineCount: Int { lineStarts.count }

    /// 1-based line access that never traps; the line excludes its `\n` / `\r\n`.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let end = number < lineStarts.count ? lineStarts[number] - 1 : text.utf8.count
        return TextLines.line(of: text, from: lineStarts[number - 1], to: end)
    }
}
