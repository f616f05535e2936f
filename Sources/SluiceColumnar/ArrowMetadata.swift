/// Arrow's per-column entry in a record batch: `{ length i64, null_count i64 }`.
struct FieldNode: Equatable {
    var length: Int64
    var nullCount: Int64
}

/// Where one buffer lies in a record batch body: `{ offset i64, length i64 }`.
struct BufferSpan: Equatable {
    var offset: Int64
    var length: Int64
}

/// A footer entry locating one record batch message in the file.
struct FileBlock: Equatable {
    /// File offset of the message's `FF FF FF FF` marker.
    var offset: Int64
    /// 8 + the padded flatbuffer size.
    var metadataLength: Int32
    var bodyLength: Int64
}

/// Encodes Arrow's FlatBuffers metadata (Message, Schema, RecordBatch,
/// Footer) with the values FACTS.md §4 says must be written explicitly.
enum ArrowMetadataEncoder {
    static let metadataVersionV5: Int16 = 4
    static let schemaHeaderType: UInt8 = 1
    static let recordBatchHeaderType: UInt8 = 3

    static func schemaMessage(_ schema: TableSchema) -> [UInt8] {
        message(headerType: schemaHeaderType, header: schemaTable(schema), bodyLength: 0)
    }

    static func recordBatchMessage(length: Int, nodes: [FieldNode], buffers: [BufferSpan], bodyLength: Int) -> [UInt8] {
        let batch = FlatTable([
            FlatField(0, .int64(Int64(length))),
            FlatField(1, .structs(count: nodes.count, bytes: littleEndianBytes(nodes.flatMap { [$0.length, $0.nullCount] }))),
            FlatField(2, .structs(count: buffers.count, bytes: littleEndianBytes(buffers.flatMap { [$0.offset, $0.length] }))),
        ])
        return message(headerType: recordBatchHeaderType, header: batch, bodyLength: Int64(bodyLength))
    }

    static func footer(schema: TableSchema, blocks: [FileBlock]) -> [UInt8] {
        var blockBytes: [UInt8] = []
        for block in blocks {
            blockBytes += littleEndianBytes([block.offset])
            blockBytes += littleEndianBytes([Int64(block.metadataLength)])  // i32 + 4 padding bytes
            blockBytes += littleEndianBytes([block.bodyLength])
        }
        return FlatBufferBuilder.encode(FlatTable([
            FlatField(0, .int16(metadataVersionV5)),
            FlatField(1, .table(schemaTable(schema))),
            FlatField(2, .structs(count: 0, bytes: [])),
            FlatField(3, .structs(count: blocks.count, bytes: blockBytes)),
        ]))
    }

    private static func message(headerType: UInt8, header: FlatTable, bodyLength: Int64) -> [UInt8] {
        FlatBufferBuilder.encode(FlatTable([
            FlatField(0, .int16(metadataVersionV5)),
            FlatField(1, .uint8(headerType)),
            FlatField(2, .table(header)),
            FlatField(3, .int64(bodyLength)),
        ]))
    }

    private static func schemaTable(_ schema: TableSchema) -> FlatTable {
        FlatTable([
            FlatField(0, .int16(0)),  // little-endian
            FlatField(1, .tables(schema.columns.map(fieldTable))),
        ])
    }

    private static func fieldTable(_ column: TableColumn) -> FlatTable {
        let (typeID, typeTable) = arrowType(column.type)
        return FlatTable([
            FlatField(0, .string(column.name)),
            FlatField(1, .uint8(1)),  // nullable: the default (false) would mean "not null"
            FlatField(2, .uint8(typeID)),
            FlatField(3, .table(typeTable)),
            FlatField(5, .tables([])),
        ])
    }

    /// The Type union member for a column type; every default-sensitive
    /// field (signedness, precision, units, time zone) is spelled out.
    static func arrowType(_ type: ColumnType) -> (id: UInt8, table: FlatTable) {
        switch type {
        case .int64: return (2, FlatTable([FlatField(0, .int32(64)), FlatField(1, .uint8(1))]))
        case .float64: return (3, FlatTable([FlatField(0, .int16(2))]))
        case .string: return (5, FlatTable([]))
        case .bool: return (6, FlatTable([]))
        case .date: return (8, FlatTable([FlatField(0, .int16(0))]))
        case .timestamp: return (10, FlatTable([FlatField(0, .int16(2)), FlatField(1, .string("UTC"))]))
        }
    }

    private static func littleEndianBytes(_ values: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
