/// The header of a decoded IPC message.
enum MessageHeader {
    case schema(ArrowSchema)
    case recordBatch(RecordBatchHeader)
    case dictionaryBatch(DictionaryBatchHeader)
}

/// A record batch's metadata: its row count and where each buffer is.
struct RecordBatchHeader {
    var length: Int
    var nodes: [FieldNode]
    var buffers: [BufferSpan]
    /// How each buffer of the body is compressed; nil when it is not.
    var compression: CompressionCodec?
    /// For each view-typed column in order, how many data buffers follow its views.
    var variadicBufferCounts: [Int64] = []
}

/// A dictionary (the values of a dictionary-encoded column), or a delta that
/// extends the dictionary with this id.
struct DictionaryBatchHeader {
    var id: Int64
    var batch: RecordBatchHeader
    var isDelta: Bool
}

/// Decodes Arrow metadata written by Sluice or by other Arrow libraries, and
/// refuses, by name, the features Sluice does not read.
enum ArrowMetadataDecoder {
    static let dictionaryBatchHeaderType: UInt8 = 2

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
        case dictionaryBatchHeaderType: return (.dictionaryBatch(try dictionaryBatch(header)), Int(bodyLength))
        default: throw CorruptData("unexpected message type \(headerType)")
        }
    }

    static func footer(_ flatbuffer: [UInt8]) throws(CorruptData) -> (schema: ArrowSchema, dictionaries: [FileBlock], batches: [FileBlock]) {
        let footer = try FlatTableView.root(of: flatbuffer)
        guard let schemaTable = try footer.table(1) else { throw CorruptData("footer without a schema") }
        return (try schema(schemaTable), try blocks(footer, slot: 2), try blocks(footer, slot: 3))
    }

    private static func blocks(_ footer: FlatTableView, slot: Int) throws(CorruptData) -> [FileBlock] {
        guard let (start, count) = try footer.vector(slot, elementSize: 24) else { return [] }
        var blocks: [FileBlock] = []
        for index in 0..<count {
            let at = start + 24 * index
            blocks.append(FileBlock(
                offset: try footer.view.load(Int64.self, at: at),
                metadataLength: try footer.view.load(Int32.self, at: at + 8),
                bodyLength: try footer.view.load(Int64.self, at: at + 16)))
        }
        return blocks
    }

    private static func schema(_ table: FlatTableView) throws(CorruptData) -> ArrowSchema {
        guard try table.scalar(0, default: Int16(0)) == 0 else { throw CorruptData("big-endian data is not supported") }
        var fields: [ArrowField] = []
        for field in try table.tables(1) {
            fields.append(try self.field(field))
        }
        return ArrowSchema(fields: fields)
    }

    private static func field(_ field: FlatTableView) throws(CorruptData) -> ArrowField {
        let name = try field.string(0) ?? ""
        let typeID = try field.scalar(2, default: UInt8(0))
        let typeTable = try field.table(3)
        guard let layout = try layout(typeID, typeTable) else {
            throw CorruptData("column \"\(name)\" has an Arrow type Sluice does not read (\(describe(typeID, typeTable)));"
                + " supported: int8-int64, uint8-uint64, float16-float64, bool, utf8, large_utf8, utf8_view, binary,"
                + " large_binary, binary_view, date32, date64, timestamp (any unit and zone), and dictionaries of these")
        }
        var timeZone: String?
        if typeID == 10 { timeZone = try typeTable?.string(1) }
        return ArrowField(name: name, layout: layout, timeZone: timeZone, dictionary: try dictionaryEncoding(field, name: name))
    }

    /// Field slot 4: `DictionaryEncoding { id, indexType: Int (default int32), isOrdered, kind }`.
    private static func dictionaryEncoding(_ field: FlatTableView, name: String) throws(CorruptData) -> DictionaryEncoding? {
        guard let encoding = try field.table(4) else { return nil }
        let id = try encoding.scalar(0, default: Int64(0))
        var bits = 32
        var signed = true
        if let indexType = try encoding.table(1) {
            bits = Int(try indexType.scalar(0, default: Int32(0)))
            signed = try indexType.scalar(1, default: UInt8(0)) != 0
        }
        guard [8, 16, 32, 64].contains(bits) else {
            throw CorruptData("column \"\(name)\" has dictionary indices of \(bits) bits")
        }
        return DictionaryEncoding(id: id, indexBits: bits, indexSigned: signed)
    }

    private static func layout(_ id: UInt8, _ table: FlatTableView?) throws(CorruptData) -> ArrowValueLayout? {
        switch id {
        case 2:
            let bits = Int(try table?.scalar(0, default: Int32(0)) ?? 0)
            let signed = try table?.scalar(1, default: UInt8(0)) ?? 0
            return [8, 16, 32, 64].contains(bits) ? .integer(bits: bits, signed: signed != 0) : nil
        case 3:
            switch try table?.scalar(0, default: Int16(0)) ?? 0 {
            case 0: return .floatingPoint(bits: 16)
            case 1: return .floatingPoint(bits: 32)
            case 2: return .floatingPoint(bits: 64)
            default: return nil
            }
        case 4: return .variableBinary(offsetBytes: 4, isUTF8: false)
        case 5: return .variableBinary(offsetBytes: 4, isUTF8: true)
        case 6: return .bool
        case 8:
            switch try table?.scalar(0, default: Int16(1)) ?? 1 {
            case 0: return .date32
            case 1: return .date64
            default: return nil
            }
        case 10:
            guard let unit = TimeUnit(rawValue: try table?.scalar(0, default: Int16(0)) ?? 0) else { return nil }
            return .timestamp(unit: unit)
        case 19: return .variableBinary(offsetBytes: 8, isUTF8: false)
        case 20: return .variableBinary(offsetBytes: 8, isUTF8: true)
        case 23: return .view(isUTF8: false)
        case 24: return .view(isUTF8: true)
        default: return nil
        }
    }

    private static func describe(_ id: UInt8, _ table: FlatTableView?) -> String {
        let names: [UInt8: String] = [1: "null", 2: "integer", 3: "floating point", 7: "decimal", 8: "date", 9: "time",
                                      10: "timestamp", 11: "interval", 12: "list", 13: "struct", 14: "union",
                                      15: "fixed_size_binary", 16: "fixed_size_list", 17: "map", 18: "duration",
                                      21: "large_list", 22: "run_end_encoded", 25: "list_view", 26: "large_list_view"]
        let name = names[id] ?? "type id \(id)"
        switch id {
        case 2: return "\(name) of \((try? table?.scalar(0, default: Int32(0))) ?? 0) bits"
        case 7: return "decimal"
        default: return name
        }
    }

    private static func recordBatch(_ table: FlatTableView) throws(CorruptData) -> RecordBatchHeader {
        let length = try table.scalar(0, default: Int64(0))
        guard length >= 0, length <= Int64(Int32.max) else { throw CorruptData("bad record batch length \(length)") }
        let nodes = try structPairs(table, slot: 1).map { FieldNode(length: $0.0, nullCount: $0.1) }
        let buffers = try structPairs(table, slot: 2).map { BufferSpan(offset: $0.0, length: $0.1) }
        var header = RecordBatchHeader(length: Int(length), nodes: nodes, buffers: buffers)
        // Slot 3: BodyCompression { codec: LZ4_FRAME 0 | ZSTD 1, method: BUFFER 0 }.
        if let compression = try table.table(3) {
            let codec = try compression.scalar(0, default: Int8(0))
            guard let known = CompressionCodec(rawValue: codec) else { throw CorruptData("unknown compression codec \(codec)") }
            guard try compression.scalar(1, default: Int8(0)) == 0 else { throw CorruptData("unknown body compression method") }
            header.compression = known
        }
        if let (start, count) = try table.vector(4, elementSize: 8) {
            for index in 0..<count {
                header.variadicBufferCounts.append(try table.view.load(Int64.self, at: start + 8 * index))
            }
        }
        return header
    }

    private static func dictionaryBatch(_ table: FlatTableView) throws(CorruptData) -> DictionaryBatchHeader {
        let id = try table.scalar(0, default: Int64(0))
        guard let data = try table.table(1) else { throw CorruptData("dictionary batch \(id) without data") }
        return DictionaryBatchHeader(id: id, batch: try recordBatch(data), isDelta: try table.scalar(2, default: UInt8(0)) != 0)
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
