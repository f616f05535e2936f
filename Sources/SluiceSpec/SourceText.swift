/// A file's text split into lines once, for diagnostics that must look at the
/// exact characters of a scalar (references, credentials in `run`).
public struct SourceText: Sendable {
    public let text: String
    public let lines: [Substring]

    public init(_ text: String) {
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? line.dropLast() : line
        }
    }

    /// 1-based line access that never traps.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }
}
