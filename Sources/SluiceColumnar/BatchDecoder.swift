/// Turns a record batch's body bytes into columns, validating every buffer
/// against the metadata first (bounds, sizes, null counts, offsets, UTF-8),
/// so a damaged file is an error and never an out-of-bounds read.
struct BatchDecoder {
    let schema: TableSchema

    func decode(_ header: RecordBatchHeader, body: [UInt8]) throws(CorruptData) -> RecordBatch {
        guard header.nodes.count == schema.columns.count else {
            throw CorruptData("a record batch has \(header.nodes.count) columns, the schema \(schema.columns.count)")
        }
        let expectedBuffers = schema.columns.reduce(0) { $0 + ($1.type == .string ? 3 : 2) }
        guard header.buffers.count == expectedBuffers else {
            throw CorruptData("a record batch has \(header.buffers.count) buffers, \(expectedBuffers) expected")
        }
        var buffers = header.buffers[...]
        var columns: [ColumnData] = []
        for (column, node) in zip(schema.columns, header.nodes) {
            let count = column.type == .string ? 3 : 2
            let spans = Array(buffers.prefix(count))
            buffers = buffers.dropFirst(count)
            guard node.length == Int64(header.length) else {
                throw CorruptData("column \"\(column.name)\" has \(node.length) rows, the batch \(header.length)")
            }
            let reader = BufferReader(body: body, column: column.name)
            columns.append(try reader.column(column.type, count: header.length, nullCount: node.nullCount, spans: spans))
        }
        return RecordBatch(schema: schema, columns: columns, rowCount: header.length)
    }
}

/// Reads one column's buffers out of a body.
private struct BufferReader {
    let body: [UInt8]
    let column: String

    func column(_ type: ColumnType, count: Int, nullCount: Int64, spans: [BufferSpan]) throws(CorruptData) -> ColumnData {
        let validity = try validity(spans[0], count: count, nullCount: nullCount)
        switch type {
        case .int64, .timestamp:
            let values = try fixedWidth(spans[1], count: count, as: Int64.self)
            return ColumnData(type: type, count: count, validity: validity) { $0.int64Values = values }
        case .float64:
            let values = try fixedWidth(spans[1], count: count, as: Double.self)
            return ColumnData(type: type, count: count, validity: validity) { $0.float64Values = values }
        case .date:
            let values = try fixedWidth(spans[1], count: count, as: Int32.self)
            return ColumnData(type: type, count: count, validity: validity) { $0.int32Values = values }
        case .bool:
            let bits = BitBuffer(bytes: try bytes(spans[1], atLeast: (count + 7) / 8), count: count)
            return ColumnData(type: type, count: count, validity: validity) { $0.boolValues = bits }
        case .string:
            let (offsets, data) = try strings(offsets: spans[1], data: spans[2], count: count)
            return ColumnData(type: type, count: count, validity: validity) {
                $0.stringOffsets = offsets
                $0.stringBytes = data
            }
        }
    }

    private func validity(_ span: BufferSpan, count: Int, nullCount: Int64) throws(CorruptData) -> BitBuffer {
        guard nullCount >= 0, nullCount <= Int64(count) else { throw problem("a bad null count \(nullCount)") }
        guard nullCount > 0 else {
            return BitBuffer(bytes: [UInt8](repeating: 0xFF, count: (count + 7) / 8), count: count)
        }
        let bitmap = BitBuffer(bytes: try bytes(span, atLeast: (count + 7) / 8), count: count)
        guard bitmap.zeroCount == Int(nullCount) else {
            throw problem("a null count of \(nullCount) but \(bitmap.zeroCount) nulls in its validity bitmap")
        }
        return bitmap
    }

    private func fixedWidth<T>(_ span: BufferSpan, count: Int, as type: T.Type) throws(CorruptData) -> [T] {
        let size = MemoryLayout<T>.stride
        let range = try checkedRange(span, atLeast: count.multipliedReportingOverflow(by: size))
        return [T](unsafeUninitializedCapacity: count) { destination, initialized in
            body.withUnsafeBytes { source in
                if count > 0, let target = destination.baseAddress, let base = source.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: base + range.lowerBound, byteCount: count * size)
                }
            }
            initialized = count
        }
    }

    /// utf8 offsets (rebased to start at 0) and the bytes they cover.
    private func strings(offsets span: BufferSpan, data dataSpan: BufferSpan, count: Int) throws(CorruptData) -> ([Int32], [UInt8]) {
        if count == 0 { return ([0], []) }
        let offsets = try fixedWidth(span, count: count + 1, as: Int32.self)
        let dataRange = try checkedRange(dataSpan, atLeast: (0, false))
        guard let first = offsets.first, let last = offsets.last, first >= 0, Int(last) <= dataRange.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw problem("utf8 offsets that are out of order or out of bounds")
        }
        let data = Array(body[(dataRange.lowerBound + Int(first))..<(dataRange.lowerBound + Int(last))])
        let rebased = first == 0 ? offsets : offsets.map { $0 - first }
        try checkUTF8(data, offsets: rebased)
        return (rebased, data)
    }

    /// Valid UTF-8 overall, and no offset splits a character.
    private func checkUTF8(_ data: [UInt8], offsets: [Int32]) throws(CorruptData) {
        let valid = data.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
        let splits = offsets.contains { Int($0) < data.count && data[Int($0)] & 0xC0 == 0x80 }
        if !valid || splits { throw problem("invalid UTF-8 in a utf8 column") }
    }

    private func bytes(_ span: BufferSpan, atLeast needed: Int) throws(CorruptData) -> [UInt8] {
        let range = try checkedRange(span, atLeast: (needed, false))
        return Array(body[range.lowerBound..<(range.lowerBound + needed)])
    }

    /// The span's byte range, checked to lie in the body and hold `needed` bytes.
    private func checkedRange(_ span: BufferSpan, atLeast needed: (Int, overflow: Bool)) throws(CorruptData) -> Range<Int> {
        guard span.offset >= 0, span.length >= 0, span.offset <= Int64(body.count),
              span.length <= Int64(body.count) - span.offset else {
            throw problem("a buffer outside the record batch body")
        }
        guard !needed.overflow, Int64(needed.0) <= span.length else {
            throw problem("a buffer of \(span.length) bytes where \(needed.0) are needed")
        }
        return Int(span.offset)..<Int(span.offset + span.length)
    }

    private func problem(_ text: String) -> CorruptData {
        CorruptData("column \"\(column)\" has \(text)")
    }
}
