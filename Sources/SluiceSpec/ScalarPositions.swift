import SluiceDiagnostics
import SluiceBasics

/// Maps a position inside a scalar's *value* back to the source, so a
/// diagnostic can underline the bad part of a string (a cron field, a
/// reference) rather than the whole value. Exact for single-line scalars
/// without escapes and for literal (`|`) blocks; otherwise falls back to the
/// whole scalar, which is still the right token, only wider.
public struct ScalarPositions: Sendable {
    public let node: YAMLNode
    private let lineStarts: [(line: Int, column: Int, valueOffset: Int)]

    public init(_ node: YAMLNode, in source: SourceText) {
        self.node = node
        self.lineStarts = Self.mapLines(node, source) ?? []
    }

    /// The source range of `length` scalars starting `offset` scalars into the value.
    public func range(offset: Int, length: Int) -> SourceRange {
        // Binary search (value offsets grow line by line): a block with many
        // diagnostics must not walk its lines once per diagnostic.
        var low = 0, high = lineStarts.count
        while low < high {
            let middle = (low + high) / 2
            if lineStarts[middle].valueOffset <= offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return node.range }
        let anchor = lineStarts[low - 1]
        let column = anchor.column + (offset - anchor.valueOffset)
        let start = SourceLocation(line: anchor.line, column: column)
        return SourceRange(start: start, end: SourceLocation(line: anchor.line, column: column + max(length, 0)))
    }

    /// For each value line: the source line and column where it starts, and its offset in the value.
    private static func mapLines(_ node: YAMLNode, _ source: SourceText) -> [(line: Int, column: Int, valueOffset: Int)]? {
        guard let scalar = node.scalar else { return nil }
        let start = node.range.start
        switch scalar.style {
        case .plain, .singleQuoted, .doubleQuoted:
            guard node.range.end.line == start.line, let line = source.line(start.line) else { return nil }
            let quote = scalar.style == .plain ? 0 : 1
            let written = line.unicodeScalars.dropFirst(start.column - 1 + quote).prefix(scalar.text.unicodeScalars.count)
            guard String(String.UnicodeScalarView(written)) == scalar.text else { return nil }
            return [(start.line, start.column + quote, 0)]
        case .literal:
            return literalLines(scalar.text, firstLine: start.line + 1, source)
        case .folded:
            return nil
        }
    }

    /// A literal block's value lines are its source lines less a common indentation.
    private static func literalLines(_ text: String, firstLine: Int, _ source: SourceText) -> [(line: Int, column: Int, valueOffset: Int)]? {
        var result: [(line: Int, column: Int, valueOffset: Int)] = []
        var offset = 0
        var sourceLine = firstLine
        for valueLine in TextLines.split(text) {
            guard let line = source.line(sourceLine) else { break }
            if !valueLine.isEmpty {
                // Literal content is verbatim after the block's indentation.
                guard line.hasSuffix(valueLine) else { return nil }
                let column = line.unicodeScalars.count - valueLine.unicodeScalars.count + 1
                result.append((sourceLine, column, offset))
            }
            offset += valueLine.unicodeScalars.count + 1
            sourceLine += 1
        }
        return result.isEmpty ? nil : result
    }
}
