/// A position in a source file. Lines and columns are 1-based; columns count
/// Unicode scalars (what libyaml counts). `offset` is libyaml's mark index,
/// informative only: nothing locates text by it (lines and columns do).
public struct SourceLocation: Hashable, Comparable, Sendable, Codable {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int = 0) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A half-open range `[start, end)` in one file: `end` is the position just past
/// the last character, so a one-character token at column 5 ends at column 6.
public struct SourceRange: Hashable, Comparable, Sendable, Codable {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = max(start, end)
    }

    /// A zero-width range at `location`.
    public init(at location: SourceLocation) {
        self.init(start: location, end: location)
    }

    /// The sub-range of a single-line token, `count` scalars long starting
    /// `columnOffset` scalars after this range's start (used for references
    /// inside scalars). Falls back to `self` when the token is not on one line.
    public func slice(columnOffset: Int, count: Int, byteOffset: Int = 0, byteCount: Int = 0) -> SourceRange {
        guard start.line == end.line else { return self }
        let s = SourceLocation(line: start.line, column: start.column + columnOffset, offset: start.offset + byteOffset)
        let e = SourceLocation(line: start.line, column: s.column + count, offset: s.offset + byteCount)
        return SourceRange(start: s, end: e)
    }

    public static func < (lhs: SourceRange, rhs: SourceRange) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}

/// A value with the source range it was read from.
public struct Spanned<Value> {
    public var value: Value
    public var range: SourceRange

    public init(_ value: Value, _ range: SourceRange) {
        self.value = value
        self.range = range
    }
}

extension Spanned: Sendable where Value: Sendable {}
extension Spanned: Equatable where Value: Equatable {}
extension Spanned: Hashable where Value: Hashable {}
