/// A position in a source file. Lines and columns are 1-based; columns count
/// Unicode scalars (what libyaml counts). `offset` is libyaml's mark index,
/// informative only: nothing locates text by it (lines and columns do).
///
/// Stored in 32 bits a field (12 bytes, not 24): every positioned value of
/// the spec model carries two of these, and a smaller model is fewer fresh
/// pages to fault in. The parser reads no input of 4 GiB or more, so real
/// positions always fit; anything else (a negative or huge value a caller
/// computes) saturates to `0...UInt32.max` instead of trapping.
public struct SourceLocation: Hashable, Comparable, Sendable {
    @usableFromInline var storedLine: UInt32
    @usableFromInline var storedColumn: UInt32
    @usableFromInline var storedOffset: UInt32

    @inlinable public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Self.clamp(newValue) }
    }

    @inlinable public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Self.clamp(newValue) }
    }

    @inlinable public var offset: Int {
        get { Int(storedOffset) }
        set { storedOffset = Self.clamp(newValue) }
    }

    @inlinable
    public init(line: Int, column: Int, offset: Int = 0) {
        storedLine = Self.clamp(line)
        storedColumn = Self.clamp(column)
        storedOffset = Self.clamp(offset)
    }

    @inlinable
    static func clamp(_ value: Int) -> UInt32 {
        UInt32(clamping: value)
    }

    @inlinable
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        lhs.storedLine != rhs.storedLine ? lhs.storedLine < rhs.storedLine : lhs.storedColumn < rhs.storedColumn
    }
}

extension SourceLocation: Codable {
    private enum CodingKeys: String, CodingKey {
        case line, column, offset
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(line: try container.decode(Int.self, forKey: .line),
                  column: try container.decode(Int.self, forKey: .column),
                  offset: try container.decode(Int.self, forKey: .offset))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
        try container.encode(offset, forKey: .offset)
    }
}

/// A half-open range `[start, end)` in one file: `end` is the position just past
/// the last character, so a one-character token at column 5 ends at column 6.
public struct SourceRange: Hashable, Comparable, Sendable, Codable {
    public var start: SourceLocation
    public var end: SourceLocation

    @inlinable
    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = max(start, end)
    }

    /// A zero-width range at `location`.
    @inlinable
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

    @inlinable
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
