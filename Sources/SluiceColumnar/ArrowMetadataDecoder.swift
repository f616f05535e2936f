/// The header of a decoded IPC message.
enum MessageHeader {
    case schema(TableSchema)
    case recordBatch(RecordBatchHeader)
}

/// A record batch's metadata: its row count and where each buffer is.
struct RecordBatchHeader {
    var length: Int
    var nodes: [FieldNode]
    var buffers: [BufferSpan]
}

/// Decodes Arrow metadata written by Sluice or by other Arrow libraries, and
/// refuses, by name, the features Sluice does not read.
enum ArrowMetadataDecoder {
    static func message(_ flatbuffer: [UInt8]) throws(CorruptData) -> (header: MessageHeader, bodyLength: Int) {
        let message = try FlatTableView.root(of: flatbuffer)
        let version = try message.scalar(0, default: Int16(0))
        guard version >= 3 else { throw CorruptData("metadata version V\(version + 1) is too old (V4 or later needed)") }
        let headerType = try message.scalar(1, default: UInt8(0))
        guard let header = try message.table(2) else { throw CorruptData("message without a header") }
        let bodyLength = try message.scalar(3, default: Int64(0))
        guard bodyLength >= 0, bodyLength < Int64(Int32.max) * 64 else { throw CorruptData("bad message body length") }
        switch headerType {
        case ArrowMetadataEncoder.schemaHeaderType: return (.schema(try schema(header)), Int(bodyLength))
        case ArrowMetadataEncoder.recordBatchHeaderType: return (.recordBatch(try recordBatch(header)), Int(bodyLength))
        case 2: throw CorruptData("dictionary-encoded columns are not supported")
        default: throw CorruptData("unexpected message type \(headerType)")
        }
    }

    static func footer(_ flatbuffer: [UInt8]) throws(CorruptData) -> (schema: TableSchema, blocks: [FileBlock]) {
        let footer = try FlatTableView.root(of: flatbuffer)
        guard let schemaTable = try footer.table(1) else { throw CorruptData("footer without a schema") }
        let schema = try schema(schemaTable)
        if let (_, count) = try footer.vector(2, elementSize: 24), count > 0 {
            throw CorruptData("dictionary-encoded columns are not supported")
        }
        guard let (start, count) = try footer.vector(3, elementSize: 24) else { return (schema, []) }
        var blocks: [FileBlock] = []
        for index in 0..<count {
            let at = start + 24 * index
            blocks.append(FileBlock(
                offset: try footer.view.load(Int64.self, at: at),
                metadataLength: try footer.view.load(Int32.self, at: at + 8),
                bodyLength: try footer.view.load(Int64.self, at: at + 16)))
        }
        return (schema, blocks)
    }

    private static func schema(_ table: FlatTableView) throws(CorruptData) -> TableSchema {
        guard try table.scalar(0, default: Int16(0)) == 0 else { throw CorruptData("big-endian data is not supported") }
        var columns: [TableColumn] = []
        for field in try table.tables(1) {
            let name = try field.string(0) ?? ""
            columns.append(TableColumn(name: name, type: try columnType(field, name: name)))
        }
        return TableSchema(columns: columns)
    }

    private static func columnType(_ field: FlatTableView, name: String) throws(CorruptData) -> ColumnType {
        if try field.table(4) != nil { throw CorruptData("column \"\(name)\" is dictionary-encoded, which is not supported") }
        let typeID = try field.scalar(2, default: UInt8(0))
        let typeTable = try field.table(3)
        if let type = try recognisedType(typeID, typeTable) { return type }
        throw CorruptData("column \"\(name)\" has an Arrow type Sluice does not read (\(describe(typeID, typeTable)));"
            + " supported: int64, float64, bool, utf8, date32, timestamp[us, UTC]")
    }

    private static func recognisedType(_ id: UInt8, _ table: FlatTableView?) throws(CorruptData) -> ColumnType? {
        switch id {
        case 2:
            let bits = try table?.scalar(0, default: Int32(0)) ?? 0
            let signed = try table?.scalar(1, default: UInt8(0)) ?? 0
            return bits == 64 && signed != 0 ? .int64 : nil
        case 3: return try table?.scalar(0, default: Int16(0)) == 2 ? .float64 : nil
        case 5: return .string
        case 6: return .bool
        case 8: return try table?.scalar(0, default: Int16(1)) == 0 ? .date : nil
        case 10:
            guard try table?.scalar(0, default: Int16(0)) == 2 else { return nil }
            let zone = try table?.string(1)
            return zone == nil || ["UTC", "Etc/UTC", "+00:00", "Z"].contains(zone) ? .timestamp : nil
        default: return nil
        }
    }

    private static func describe(_ id: UInt8, _ table: FlatTableView?) -> String {
        let names: [UInt8: String] = [1: "null", 2: "integer", 3: "floating point", 4: "binary", 5: "utf8",
                                      6: "bool", 7: "decimal", 8: "date", 9: "time", 10: "timestamp",
                                      11: "interval", 12: "list", 13: "struct", 17: "map", 18: "duration",
                                      19: "large binary", 20: "large utf8", 24: "utf8 view"]
        let name = names[id] ?? "type id \(id)"
        switch id {
        case 2: return "\(name) of \((try? table?.scalar(0, default: Int32(0))) ?? 0) bits"
        case 10:
            let units = ["s", "ms", "us", "ns"]
            let unit = Int((try? table?.scalar(0, default: Int16(0))) ?? 0)
            let zone = (try? table?.string(1)) ?? nil
            return "timestamp[\(units.indices.contains(unit) ? units[unit] : "?")\(zone.map { ", \($0)" } ?? "")]"
        default: return name
        }
    }

    private static func recordBatch(_ table: FlatTableView) throws(CorruptData) -> RecordBatchHeader {
        let length = try table.scalar(0, default: Int64(0))
        guard length >= 0, length <= Int64(Int32.max) else { throw CorruptData("bad record batch length \(length)") }
        if try table.table(3) != nil { throw CorruptData("compressed record batches are not supported") }
        let nodes = try structPairs(table, slot: 1).map { FieldNode(length: $0.0, nullCount: $0.1) }
        let buffers = try structPairs(table, slot: 2).map { BufferSpan(offset: $0.0, length: $0.1) }
        return RecordBatchHeader(length: Int(length), nodes: nodes, buffers: buffers)
    }

    /// A vector of 16-byte structs holding two i64s each.
    private static func structPairs(_ table: FlatTableView, slot: Int) throws(CorruptData) -> [(Int64, Int64)] {
        guard let (start, count) = try table.vector(slot, elementSize: 16) else { return [] }
        var pairs: [(Int64, Int64)] = []
        for index in 0..<count {
            let at = start + 16 * index
            pairs.append((try table.view.load(Int64.self, at: at), try table.view.load(Int64.self, at: at + 8)))
        }
        return pairs
    }
}
