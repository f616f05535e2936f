#if _endian(big)
#error("Arrow buffers are written straight from memory, which assumes a little-endian host")
#endif

/// Writes an Arrow IPC file (`ARROW1` magic, footer) or stream, one record
/// batch at a time, straight to a `ByteSink`. Only the footer's block list
/// (24 bytes per batch) is kept, so memory does not grow with the table.
public final class ArrowWriter {
    /// The two IPC layouts: `.file` (Feather V2, random access) and
    /// `.stream` (the same messages without magic and footer).
    public enum Format: Sendable {
        case file
        case stream
    }

    public let schema: TableSchema
    public let format: Format
    private let sink: ByteSink
    private var position: Int64 = 0
    private var blocks: [FileBlock] = []
    private var isFinished = false

    static let magic: [UInt8] = Array("ARROW1".utf8)
    static let continuationMarker: UInt32 = 0xFFFF_FFFF

    /// Writes the magic (for files) and the schema message.
    public init(sink: ByteSink, schema: TableSchema, format: Format = .file) throws {
        if let duplicate = schema.duplicateColumnName {
            throw ColumnarUsageError("column \"\(duplicate)\" appears twice in the schema")
        }
        self.sink = sink
        self.schema = schema
        self.format = format
        if format == .file { try emit(Self.magic + [0, 0]) }
        _ = try writeMessage(ArrowMetadataEncoder.schemaMessage(schema))
    }

    /// Appends one record batch; its schema must be the writer's.
    public func write(_ batch: RecordBatch) throws {
        guard !isFinished else { throw ColumnarUsageError("record batch written after finish()") }
        guard batch.schema == schema else {
            throw ColumnarUsageError("record batch schema \(batch.schema) differs from the file's \(schema)")
        }
        let body = BatchBody(batch)
        let metadata = ArrowMetadataEncoder.recordBatchMessage(
            length: batch.rowCount, nodes: body.nodes, buffers: body.spans, bodyLength: body.length)
        let offset = position
        let metadataLength = try writeMessage(metadata)
        try body.write(to: sink)
        position += Int64(body.length)
        blocks.append(FileBlock(offset: offset, metadataLength: Int32(metadataLength), bodyLength: Int64(body.length)))
    }

    /// Writes the end-of-stream marker and, for files, the footer and magic.
    public func finish() throws {
        guard !isFinished else { return }
        isFinished = true
        try emitInteger(Self.continuationMarker)
        try emitInteger(UInt32(0))
        guard format == .file else { return }
        let footer = ArrowMetadataEncoder.footer(schema: schema, blocks: blocks)
        try emit(footer)
        try emitInteger(Int32(footer.count))
        try emit(Self.magic)
    }

    /// Encapsulated message: marker, padded size, flatbuffer, zero padding.
    /// Returns the metadata length a footer Block records (8 + padded size).
    private func writeMessage(_ flatbuffer: [UInt8]) throws -> Int {
        let paddedSize = FlatBufferBuilder.alignUp(flatbuffer.count, 8)
        try emitInteger(Self.continuationMarker)
        try emitInteger(Int32(paddedSize))
        try emit(flatbuffer + [UInt8](repeating: 0, count: paddedSize - flatbuffer.count))
        return 8 + paddedSize
    }

    private func emit(_ bytes: [UInt8]) throws {
        try sink.write(bytes)
        position += Int64(bytes.count)
    }

    private func emitInteger<T: FixedWidthInteger>(_ value: T) throws {
        try emit(withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }
}

/// The body of one record batch: every column's buffers in Arrow order
/// (validity, [offsets], data), each at an 8-aligned offset.
private struct BatchBody {
    private(set) var nodes: [FieldNode] = []
    private(set) var spans: [BufferSpan] = []
    private var buffers: [BodyBuffer] = []
    private(set) var length = 0

    init(_ batch: RecordBatch) {
        for column in batch.columns {
            nodes.append(FieldNode(length: Int64(column.count), nullCount: Int64(column.nullCount)))
            // No nulls: an empty validity buffer, as pyarrow writes.
            add(column.nullCount > 0 ? .of(column.validity.bytes, count: column.validity.bytes.count) : .empty)
            for buffer in Self.dataBuffers(column) { add(buffer) }
        }
    }

    private static func dataBuffers(_ column: ColumnData) -> [BodyBuffer] {
        let count = column.count
        switch column.type {
        case .int64, .timestamp: return [.of(column.int64Values, count: count)]
        case .float64: return [.of(column.float64Values, count: count)]
        case .date: return [.of(column.int32Values, count: count)]
        case .bool: return [.of(column.boolValues.bytes, count: column.boolValues.bytes.count)]
        case .string:
            return [.of(column.stringOffsets, count: count + 1), .of(column.stringBytes, count: column.stringBytes.count)]
        }
    }

    private mutating func add(_ buffer: BodyBuffer) {
        spans.append(BufferSpan(offset: Int64(length), length: Int64(buffer.byteCount)))
        buffers.append(buffer)
        length += FlatBufferBuilder.alignUp(buffer.byteCount, 8)
    }

    func write(to sink: ByteSink) throws {
        for buffer in buffers {
            try buffer.write(sink)
            try sink.writeZeros(FlatBufferBuilder.alignUp(buffer.byteCount, 8) - buffer.byteCount)
        }
    }
}

/// One body buffer, written straight from the column's array.
private struct BodyBuffer {
    let byteCount: Int
    let write: (ByteSink) throws -> Void

    static var empty: BodyBuffer { BodyBuffer(byteCount: 0) { _ in } }

    static func of<T>(_ values: [T], count: Int) -> BodyBuffer {
        let byteCount = count * MemoryLayout<T>.stride
        return BodyBuffer(byteCount: byteCount) { sink in
            try values.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0.prefix(byteCount))) }
        }
    }
}
