/// A FlatBuffers table to be encoded: the fields that are present, by slot
/// (slot = declaration order in the `.fbs`; a union takes two slots).
struct FlatTable {
    var fields: [FlatField]

    init(_ fields: [FlatField]) {
        self.fields = fields
    }
}

/// One present field of a `FlatTable`.
struct FlatField {
    let slot: Int
    let value: FlatValue

    init(_ slot: Int, _ value: FlatValue) {
        self.slot = slot
        self.value = value
    }
}

/// The kinds of field value Arrow's metadata needs.
enum FlatValue {
    case uint8(UInt8)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    case string(String)
    case table(FlatTable)
    case tables([FlatTable])
    /// A vector of fixed-size structs already laid out little-endian.
    case structs(count: Int, bytes: [UInt8])

    /// Bytes the field takes inside its table (references are 4-byte offsets).
    var inlineSize: Int {
        switch self {
        case .uint8: return 1
        case .int16: return 2
        case .int32, .string, .table, .tables, .structs: return 4
        case .int64: return 8
        }
    }
}

/// A forward FlatBuffers encoder, as described in shared/arrow/FACTS.md §3:
/// parents are written before children, so every offset points forward.
/// Alignment is measured from byte 0, which the caller places 8-aligned.
struct FlatBufferBuilder {
    private(set) var bytes: [UInt8] = [0, 0, 0, 0]

    /// Encodes `root` and returns the flatbuffer (not yet padded to 8).
    static func encode(_ root: FlatTable) -> [UInt8] {
        var builder = FlatBufferBuilder()
        let rootPosition = builder.writeTable(root)
        builder.store(UInt32(rootPosition), at: 0)
        return builder.bytes
    }

    private mutating func writeTable(_ table: FlatTable) -> Int {
        var slotCount = 0
        for field in table.fields { slotCount = max(slotCount, field.slot + 1) }
        pad(toMultipleOf: 2)
        let vtableStart = bytes.count
        let tableStart = Self.alignUp(vtableStart + 4 + 2 * slotCount, 4)
        let (positions, tableEnd) = layOut(table, slotCount: slotCount, tableStart: tableStart)
        appendInteger(UInt16(4 + 2 * slotCount))
        appendInteger(UInt16(tableEnd - tableStart))
        for position in positions {
            appendInteger(UInt16(position.map { $0 - tableStart } ?? 0))
        }
        bytes.append(contentsOf: repeatElement(0, count: tableStart - bytes.count))
        appendInteger(Int32(tableStart - vtableStart))
        bytes.append(contentsOf: repeatElement(0, count: tableEnd - bytes.count))
        // Children in slot order (a slot given twice keeps its last value, as it always did).
        for field in table.fields.sorted(by: { $0.slot < $1.slot }) {
            guard let position = positions[field.slot] else { continue }
            writeFieldValue(field.value, at: position)
        }
        return tableStart
    }

    /// Inline positions by slot (nil for an absent field), largest fields
    /// first so each lands aligned; ties keep declaration order. An array, not
    /// a dictionary: slots are small, and tasks.arrow's schema has a hundred
    /// fields hashed twice per run otherwise.
    private func layOut(_ table: FlatTable, slotCount: Int, tableStart: Int) -> (positions: [Int?], end: Int) {
        var positions = [Int?](repeating: nil, count: slotCount)
        var cursor = tableStart + 4
        let bySize = table.fields.indices.sorted { a, b in
            let (sizeA, sizeB) = (table.fields[a].value.inlineSize, table.fields[b].value.inlineSize)
            return sizeA != sizeB ? sizeA > sizeB : a < b
        }
        for index in bySize {
            let field = table.fields[index]
            cursor = Self.alignUp(cursor, field.value.inlineSize)
            positions[field.slot] = cursor
            cursor += field.value.inlineSize
        }
        return (positions, cursor)
    }

    private mutating func writeFieldValue(_ value: FlatValue, at position: Int) {
        switch value {
        case .uint8(let v): store(v, at: position)
        case .int16(let v): store(v, at: position)
        case .int32(let v): store(v, at: position)
        case .int64(let v): store(v, at: position)
        case .string(let text): storeOffset(to: writeString(text), at: position)
        case .table(let child): storeOffset(to: writeTable(child), at: position)
        case .tables(let children): storeOffset(to: writeTableVector(children), at: position)
        case .structs(let count, let raw): storeOffset(to: writeStructVector(count: count, raw: raw), at: position)
        }
    }

    private mutating func writeString(_ text: String) -> Int {
        pad(toMultipleOf: 4)
        let start = bytes.count
        appendInteger(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
        bytes.append(0)
        return start
    }

    private mutating func writeTableVector(_ tables: [FlatTable]) -> Int {
        pad(toMultipleOf: 4)
        let start = bytes.count
        appendInteger(UInt32(tables.count))
        bytes.append(contentsOf: repeatElement(0, count: 4 * tables.count))
        for (index, table) in tables.enumerated() {
            storeOffset(to: writeTable(table), at: start + 4 + 4 * index)
        }
        return start
    }

    /// The count sits at 4 mod 8 so 8-byte struct members land 8-aligned.
    private mutating func writeStructVector(count: Int, raw: [UInt8]) -> Int {
        while bytes.count % 8 != 4 { bytes.append(0) }
        let start = bytes.count
        appendInteger(UInt32(count))
        bytes.append(contentsOf: raw)
        return start
    }

    private mutating func storeOffset(to target: Int, at position: Int) {
        store(UInt32(target - position), at: position)
    }

    private mutating func store<T: FixedWidthInteger>(_ value: T, at position: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (offset, byte) in raw.enumerated() { bytes[position + offset] = byte }
        }
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func pad(toMultipleOf alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}
