import SluiceDiagnostics
import SluiceSpec

/// Finds where a piece of a scalar's value sits in the source, for references
/// inside `run` blocks. `ScalarPositions` is exact for single-line and literal
/// scalars; folded (`>`) and multi-line plain scalars — the usual way to write
/// a long command — are located by their `{{`: the k-th `{{` of the value is
/// the k-th `{{` of the source text, and a reference never spans lines.
struct SourceLocator {
    let node: YAMLNode
    let source: SourceText

    func range(offset: Int, length: Int) -> SourceRange {
        let positions = ScalarPositions(node, in: source)
        guard let scalar = node.scalar else { return node.range }
        if scalar.style != .folded && scalar.style != .plain { return positions.range(offset: offset, length: length) }
        if node.range.start.line == node.range.end.line { return positions.range(offset: offset, length: length) }
        let value = Array(scalar.text.unicodeScalars)
        let valueBraces = Self.braceOffsets(value)
        guard let k = valueBraces.lastIndex(where: { $0 <= offset }) else { return node.range }
        let end = min(offset + length, value.count)
        guard valueBraces[k] <= end, !value[valueBraces[k]..<end].contains("\n") else { return node.range }
        let rawBraces = sourceBraces()
        guard rawBraces.count == valueBraces.count else { return node.range }
        let anchor = rawBraces[k]
        let column = anchor.column + (offset - valueBraces[k])
        return SourceRange(start: SourceLocation(line: anchor.line, column: column),
                           end: SourceLocation(line: anchor.line, column: column + max(0, end - offset)))
    }

    /// Offsets of every `{{`, scanning left to right without overlap.
    static func braceOffsets(_ scalars: [Unicode.Scalar]) -> [Int] {
        var result: [Int] = []
        var i = 0
        while i + 1 < scalars.count {
            if scalars[i] == "{" && scalars[i + 1] == "{" {
                result.append(i)
                i += 2
            } else {
                i += 1
            }
        }
        return result
    }

    /// Line and column of every `{{` inside the node's source range.
    private func sourceBraces() -> [(line: Int, column: Int)] {
        var result: [(line: Int, column: Int)] = []
        let start = node.range.start, end = node.range.end
        guard start.line <= end.line else { return [] }
        for lineNumber in start.line...end.line {
            guard let line = source.line(lineNumber) else { break }
            let scalars = Array(line.unicodeScalars)
            let from = lineNumber == start.line ? max(0, start.column - 1) : 0
            let to = lineNumber == end.line ? min(scalars.count, max(0, end.column - 1)) : scalars.count
            guard from < to else { continue }
            for offset in Self.braceOffsets(Array(scalars[from..<to])) {
                result.append((lineNumber, from + offset + 1))
            }
        }
        return result
    }
}
