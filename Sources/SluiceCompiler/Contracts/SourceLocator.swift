import Foundation
import SluiceDiagnostics
import SluiceSpec

/// Finds where a piece of a scalar's value sits in the source, for references
/// inside `run` blocks. `ScalarPositions` is exact for single-line and literal
/// scalars; folded (`>`) and multi-line plain scalars — the usual way to write
/// a long command — are located by their `{{`: the k-th `{{` of the value is
/// the k-th `{{` of the source text, and a reference never spans lines.
struct SourceLocator: Sendable {
    let node: YAMLNode
    let source: SourceText
    /// Computed once per scalar (each costs a pass over its text), so a
    /// scalar with thousands of diagnostics is not re-read for every one.
    private let positions: ScalarPositions
    private let valueBraces: [Int]
    private let rawBraces: [(line: Int, column: Int)]
    private let valueHasNewline: [Int]
    private let valueCount: Int

    init(node: YAMLNode, source: SourceText) {
        self.node = node
        self.source = source
        positions = ScalarPositions(node, in: source)
        valueCount = node.scalar?.text.unicodeScalars.count ?? 0
        let byBraces = node.scalar.map { $0.style == .folded || $0.style == .plain } == true
            && node.range.start.line != node.range.end.line
        if byBraces, let scalar = node.scalar {
            let value = Array(scalar.text.unicodeScalars)
            valueBraces = Self.braceOffsets(value)
            valueHasNewline = value.indices.filter { value[$0] == "\n" }
            rawBraces = Self.sourceBraces(node, source)
        } else {
            valueBraces = []
            valueHasNewline = []
            rawBraces = []
        }
    }

    func range(offset: Int, length: Int) -> SourceRange {
        guard let scalar = node.scalar else { return node.range }
        if scalar.style != .folded && scalar.style != .plain { return positions.range(offset: offset, length: length) }
        if node.range.start.line == node.range.end.line { return positions.range(offset: offset, length: length) }
        guard let k = Self.lastIndex(in: valueBraces, atMost: offset) else { return node.range }
        let end = min(offset + length, valueCount)
        // No line break in [valueBraces[k], end): the next break at or after the brace lies at or past `end`.
        guard valueBraces[k] <= end else { return node.range }
        if let lastBreak = Self.lastIndex(in: valueHasNewline, atMost: end - 1), valueHasNewline[lastBreak] >= valueBraces[k] {
            return node.range
        }
        guard rawBraces.count == valueBraces.count else { return node.range }
        let anchor = rawBraces[k]
        let column = anchor.column + (offset - valueBraces[k])
        return SourceRange(start: SourceLocation(line: anchor.line, column: column),
                           end: SourceLocation(line: anchor.line, column: column + max(0, end - offset)))
    }

    /// The index of the last element `<= value` in an ascending array (binary search).
    private static func lastIndex(in sorted: [Int], atMost value: Int) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? low - 1 : nil
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
    private static func sourceBraces(_ node: YAMLNode, _ source: SourceText) -> [(line: Int, column: Int)] {
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

/// One `SourceLocator` per scalar, shared by every check of a spec: a
/// string with thousands of bad references (a pasted blob of `{{`) is read
/// once, not once per diagnostic.
final class SourceLocatorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var locators: [SourceRange: SourceLocator] = [:]

    func locator(for node: YAMLNode, in source: SourceText) -> SourceLocator {
        lock.lock()
        defer { lock.unlock() }
        if let known = locators[node.range] { return known }
        let made = SourceLocator(node: node, source: source)
        locators[node.range] = made
        return made
    }
}
