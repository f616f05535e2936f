/// The values of one column within one record batch, held in Arrow's own
/// layout (a validity bitmap plus typed buffers) so writing is a plain copy.
///
/// Only the buffers of `type` are used; the others stay empty.
public struct ColumnData: Sendable {
    public let type: ColumnType
    public private(set) var count = 0
    public private(set) var nullCount = 0

    /// Bit i = 1 when row i holds a value.
    var validity = BitBuffer()
    /// int64 values and timestamps (microseconds).
    var int64Values: [Int64] = []
    var float64Values: [Double] = []
    /// date values (days).
    var int32Values: [Int32] = []
    var boolValues = BitBuffer()
    /// For strings: `count + 1` offsets into `stringBytes`, starting at 0.
    var stringOffsets: [Int32] = [0]
    var stringBytes: [UInt8] = []

    public init(type: ColumnType) {
        self.type = type
    }

    /// Assembles a column from decoded buffers; the reader has checked them.
    init(type: ColumnType, count: Int, validity: BitBuffer, fill: (inout ColumnData) -> Void) {
        self.type = type
        self.count = count
        self.validity = validity
        self.nullCount = validity.zeroCount
        fill(&self)
    }

    public func isNull(at row: Int) -> Bool { !validity[row] }

    /// The value at `row`; `row` must be in `0..<count`.
    public func value(at row: Int) -> ColumnValue {
        if isNull(at: row) { return .null }
        switch type {
        case .int64: return .int64(int64Values[row])
        case .timestamp: return .timestamp(int64Values[row])
        case .float64: return .float64(float64Values[row])
        case .date: return .date(int32Values[row])
        case .bool: return .bool(boolValues[row])
        case .string: return .string(String(decoding: stringBytes(at: row), as: UTF8.self))
        }
    }

    /// The UTF-8 bytes of a string cell (empty for null).
    func stringBytes(at row: Int) -> ArraySlice<UInt8> {
        stringBytes[Int(stringOffsets[row])..<Int(stringOffsets[row + 1])]
    }

    public var values: [ColumnValue] { (0..<count).map(value(at:)) }

    /// Bytes held by the string buffer; batches are cut before it nears 2 GiB.
    var stringByteCount: Int { stringBytes.count }

    mutating func removeAll() {
        count = 0
        nullCount = 0
        validity.removeAll()
        int64Values.removeAll(keepingCapacity: true)
        float64Values.removeAll(keepingCapacity: true)
        int32Values.removeAll(keepingCapacity: true)
        boolValues.removeAll()
        stringOffsets.removeAll(keepingCapacity: true)
        stringOffsets.append(0)
        stringBytes.removeAll(keepingCapacity: true)
    }
}

// MARK: - Appending

extension ColumnData {
    /// Appends a null, keeping a zero placeholder in the data buffer as Arrow requires.
    public mutating func appendNull() {
        validity.append(false)
        nullCount += 1
        count += 1
        switch type {
        case .int64, .timestamp: int64Values.append(0)
        case .float64: float64Values.append(0)
        case .date: int32Values.append(0)
        case .bool: boolValues.append(false)
        case .string: stringOffsets.append(Int32(truncatingIfNeeded: stringBytes.count))
        }
    }

    /// Appends `value`, which must be `.null` or of this column's type.
    public mutating func append(_ value: ColumnValue) throws(ColumnTypeMismatch) {
        switch (type, value) {
        case (_, .null): appendNull()
        case (.int64, .int64(let v)), (.timestamp, .timestamp(let v)): appendInt64(v)
        case (.float64, .float64(let v)): appendFloat64(v)
        case (.date, .date(let v)): appendInt32(v)
        case (.bool, .bool(let v)): appendBool(v)
        case (.string, .string(let v)): appendString(v)
        default: throw ColumnTypeMismatch(expected: type, value: value)
        }
    }

    mutating func appendInt64(_ value: Int64) {
        markValid()
        int64Values.append(value)
    }

    mutating func appendFloat64(_ value: Double) {
        markValid()
        float64Values.append(value)
    }

    mutating func appendInt32(_ value: Int32) {
        markValid()
        int32Values.append(value)
    }

    mutating func appendBool(_ value: Bool) {
        markValid()
        boolValues.append(value)
    }

    mutating func appendString(_ value: String) {
        var value = value
        value.withUTF8 { appendStringBytes($0) }
    }

    /// Appends UTF-8 bytes the caller has already validated.
    mutating func appendStringBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        markValid()
        stringBytes.append(contentsOf: bytes)
        stringOffsets.append(Int32(truncatingIfNeeded: stringBytes.count))
    }

    private mutating func markValid() {
        validity.append(true)
        count += 1
    }
}

// MARK: - Copying between columns (dictionary expansion)

extension ColumnData {
    /// Appends `source`'s value at `row`; both columns have the same type.
    mutating func append(row: Int, of source: ColumnData) {
        guard !source.isNull(at: row) else {
            appendNull()
            return
        }
        switch type {
        case .int64, .timestamp: appendInt64(source.int64Values[row])
        case .float64: appendFloat64(source.float64Values[row])
        case .date: appendInt32(source.int32Values[row])
        case .bool: appendBool(source.boolValues[row])
        case .string:
            markValid()
            stringBytes.append(contentsOf: source.stringBytes(at: row))
            stringOffsets.append(Int32(truncatingIfNeeded: stringBytes.count))
        }
    }

    /// Appends every value of `other` (a dictionary delta).
    mutating func append(contentsOf other: ColumnData) {
        for row in 0..<other.count { append(row: row, of: other) }
    }
}
