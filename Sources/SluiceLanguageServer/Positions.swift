import Foundation
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// An LSP position: a 0-based line and a 0-based offset in UTF-16 code units
/// into that line (the protocol's default encoding).
public struct LSPPosition: Equatable, Sendable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    init?(_ json: JSON?) {
        guard let line = json?["line"]?.intValue, let character = json?["character"]?.intValue else { return nil }
        self.line = Int(clamping: line)
        self.character = Int(clamping: character)
    }

    var json: JSON { .object([("line", .int(Int64(line))), ("character", .int(Int64(character)))]) }
}

/// Converts between the compiler's positions (1-based lines, 1-based
/// columns counted in Unicode scalars, as libyaml counts) and LSP's
/// (0-based lines, UTF-16 code units), for one text. A scalar outside the
/// Basic Multilingual Plane (an emoji) is one column for libyaml and two
/// units for LSP; `é` is one of each but two UTF-8 bytes.
public struct PositionMap: Sendable {
    public let source: SourceText
    private let longLines = LongLineOffsets()

    public init(_ text: String) {
        source = SourceText(text)
    }

    public init(_ source: SourceText) {
        self.source = source
    }

    /// The LSP position of a compiler location. Columns past the end of the
    /// line (a range ending just after the last character) count one unit each.
    public func position(_ location: SourceLocation) -> LSPPosition {
        let line = max(0, location.line - 1)
        let wanted = max(0, location.column - 1)
        guard let text = source.line(location.line) else { return LSPPosition(line: line, character: wanted) }
        if text.utf8.count > LongLineOffsets.threshold {
            // Thousands of diagnostics on one 32 KB line must not walk it once each.
            let offsets = longLines.offsets(of: location.line, text)
            let scalars = offsets.count - 1
            return LSPPosition(line: line, character: offsets[min(wanted, scalars)] + max(0, wanted - scalars))
        }
        var units = 0, scalars = 0
        for scalar in text.unicodeScalars {
            guard scalars < wanted else { break }
            units += UTF16.width(scalar)
            scalars += 1
        }
        return LSPPosition(line: line, character: units + max(0, wanted - scalars))
    }

    /// The compiler location of an LSP position. An offset inside a
    /// surrogate pair, or past the end of the line, lands on the nearest
    /// column at or before it / at the line's end.
    public func location(_ position: LSPPosition) -> SourceLocation {
        let lineNumber = position.line + 1
        var units = 0, column = 1
        if let text = source.line(lineNumber) {
            for scalar in text.unicodeScalars {
                let width = UTF16.width(scalar)
                guard units + width <= position.character else { break }
                units += width
                column += 1
            }
        }
        return SourceLocation(line: lineNumber, column: column)
    }

    func range(_ range: SourceRange) -> JSON {
        .object([("start", position(range.start).json), ("end", position(range.end).json)])
    }

    /// The text of line `number` (1-based) up to a column (1-based), as scalars.
    func prefix(line number: Int, column: Int) -> String {
        guard let text = source.line(number) else { return "" }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(max(0, column - 1))))
    }

    func line(_ number: Int) -> String? {
        source.line(number).map(String.init)
    }
}

/// Per long line: the UTF-16 offset of every scalar column, made once.
final class LongLineOffsets: @unchecked Sendable {
    static let threshold = 512
    private let lock = NSLock()
    private var lines: [Int: [Int]] = [:]

    /// `offsets[k]` is the UTF-16 offset of the k-th scalar; the last element is the line's length.
    func offsets(of number: Int, _ text: Substring) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        if let known = lines[number] { return known }
        var offsets = [0]
        offsets.reserveCapacity(text.utf8.count + 1)
        var units = 0
        for scalar in text.unicodeScalars {
            units += UTF16.width(scalar)
            offsets.append(units)
        }
        lines[number] = offsets
        return offsets
    }
}

extension SourceRange {
    /// Whether `location` is inside the range or at its end (a cursor just
    /// after a name is still on it).
    func touches(_ location: SourceLocation) -> Bool {
        start <= location && !(end < location)
    }
}
