/// Turns a record batch's body bytes into canonical columns, validating every
/// buffer against the metadata first (bounds, sizes, null counts, offsets,
/// views, dictionary indices, UTF-8), so a damaged file is an error and never
/// an out-of-bounds read. Compressed bodies are decompressed first.
struct BatchDecoder {
    let schema: ArrowSchema
    /// The dictionaries read so far, by id, for dictionary-encoded columns.
    var dictionaries: [Int64: ColumnData] = [:]
    /// Rows of the table before this batch, so an error names the table's row.
    var firstRow = 0

    init(schema: ArrowSchema, dictionaries: [Int64: ColumnData] = [:], firstRow: Int = 0) {
        self.schema = schema
        self.dictionaries = dictionaries
        self.firstRow = firstRow
    }

    func decode(_ header: RecordBatchHeader, body: [UInt8]) throws(CorruptData) -> RecordBatch {
        let columns = try decodeColumns(header, body: body, fields: schema.fields)
        return RecordBatch(schema: schema.table, columns: columns, rowCount: header.length)
    }

    /// The values of a dictionary batch: one column of `field`'s value type.
    func decodeDictionary(_ header: RecordBatchHeader, body: [UInt8], for field: ArrowField) throws(CorruptData) -> ColumnData {
        var valueField = field
        valueField.dictionary = nil
        guard let values = try decodeColumns(header, body: body, fields: [valueField]).first else {
            throw CorruptData("an empty dictionary batch")
        }
        return values
    }

    private func decodeColumns(_ header: RecordBatchHeader, body: [UInt8], fields: [ArrowField]) throws(CorruptData) -> [ColumnData] {
        guard header.nodes.count == fields.count else {
            throw CorruptData("a record batch has \(header.nodes.count) columns, the schema \(fields.count)")
        }
        var (body, spans) = (body, header.buffers)
        if let codec = header.compression {
            (body, spans) = try BodyDecompression.decompress(body, spans: spans, codec: codec)
        }
        let counts = try bufferCounts(fields, variadic: header.variadicBufferCounts)
        let expected = counts.reduce(0, +)
        guard spans.count == expected else {
            throw CorruptData("a record batch has \(spans.count) buffers, \(expected) expected")
        }
        var remaining = spans[...]
        var columns: [ColumnData] = []
        for ((field, node), count) in zip(zip(fields, header.nodes), counts) {
            let columnSpans = Array(remaining.prefix(count))
            remaining = remaining.dropFirst(count)
            guard node.length == Int64(header.length) else {
                throw CorruptData("column \"\(field.name)\" has \(node.length) rows, the batch \(header.length)")
            }
            let reader = BufferReader(body: body, field: field, firstRow: firstRow)
            if let encoding = field.dictionary {
                guard let dictionary = dictionaries[encoding.id] else {
                    throw CorruptData("column \"\(field.name)\" uses dictionary \(encoding.id), which no dictionary batch defined")
                }
                columns.append(try reader.dictionaryColumn(encoding, dictionary, count: header.length, nullCount: node.nullCount,
                                                           spans: columnSpans))
            } else {
                columns.append(try reader.column(count: header.length, nullCount: node.nullCount, spans: columnSpans))
            }
        }
        return columns
    }

    /// Buffers per column: validity and values, plus offsets for strings,
    /// plus the variadic data buffers of each view column.
    private func bufferCounts(_ fields: [ArrowField], variadic: [Int64]) throws(CorruptData) -> [Int] {
        var variadic = variadic[...]
        var counts: [Int] = []
        for field in fields {
            switch field.layout {
            case _ where field.dictionary != nil: counts.append(2)
            case .variableBinary: counts.append(3)
            case .view:
                guard let extra = variadic.popFirst(), extra >= 0, extra <= Int64(Int32.max) else {
                    throw CorruptData("column \"\(field.name)\" has views without a valid count of data buffers")
                }
                counts.append(2 + Int(extra))
            default: counts.append(2)
            }
        }
        return counts
    }
}

/// Reads one column's buffers out of a (decompressed) body.
private struct BufferReader {
    let body: [UInt8]
    let field: ArrowField
    let firstRow: Int

    func column(count: Int, nullCount: Int64, spans: [BufferSpan]) throws(CorruptData) -> ColumnData {
        let validity = try validity(spans[0], count: count, nullCount: nullCount)
        let type = field.layout.canonicalType
        switch field.layout {
        case .integer(let bits, let signed):
            let values = try integers(spans[1], count: count, bits: bits, signed: signed, validity: validity)
            return ColumnData(type: type, count: count, validity: validity) { $0.int64Values = values }
        case .floatingPoint(let bits):
            let values: [Double]
            switch bits {
            case 16: values = try fixedWidth(spans[1], count: count, as: UInt16.self).map(Self.double(fromHalf:))
            case 32: values = try fixedWidth(spans[1], count: count, as: Float.self).map { Double($0) }
            default: values = try fixedWidth(spans[1], count: count, as: Double.self)
            }
            return ColumnData(type: type, count: count, validity: validity) { $0.float64Values = values }
        case .date32:
            let values = try fixedWidth(spans[1], count: count, as: Int32.self)
            return ColumnData(type: type, count: count, validity: validity) { $0.int32Values = values }
        case .date64:
            let values = try days(fromMilliseconds: fixedWidth(spans[1], count: count, as: Int64.self), validity: validity)
            return ColumnData(type: type, count: count, validity: validity) { $0.int32Values = values }
        case .timestamp(let unit):
            let values = try microseconds(fixedWidth(spans[1], count: count, as: Int64.self), unit: unit, validity: validity)
            return ColumnData(type: type, count: count, validity: validity) { $0.int64Values = values }
        case .bool:
            let bits = BitBuffer(bytes: try bytes(spans[1], atLeast: (count + 7) / 8), count: count)
            return ColumnData(type: type, count: count, validity: validity) { $0.boolValues = bits }
        case .variableBinary(let offsetBytes, _):
            let (offsets, data) = offsetBytes == 8
                ? try strings(offsets: spans[1], data: spans[2], count: count, as: Int64.self)
                : try strings(offsets: spans[1], data: spans[2], count: count, as: Int32.self)
            return ColumnData(type: type, count: count, validity: validity) {
                $0.stringOffsets = offsets
                $0.stringBytes = data
            }
        case .view:
            let (offsets, data) = try views(spans[1], data: Array(spans.dropFirst(2)), count: count, validity: validity)
            return ColumnData(type: type, count: count, validity: validity) {
                $0.stringOffsets = offsets
                $0.stringBytes = data
            }
        }
    }

    /// A dictionary-encoded column, expanded: each row takes its dictionary value.
    func dictionaryColumn(_ encoding: DictionaryEncoding, _ dictionary: ColumnData, count: Int, nullCount: Int64,
                          spans: [BufferSpan]) throws(CorruptData) -> ColumnData {
        let validity = try validity(spans[0], count: count, nullCount: nullCount)
        let indices = try integers(spans[1], count: count, bits: encoding.indexBits, signed: encoding.indexSigned,
                                   validity: validity, indices: true)
        var column = ColumnData(type: dictionary.type)
        for row in 0..<count {
            guard validity[row] else {
                column.appendNull()
                continue
            }
            let index = indices[row]
            guard index >= 0, index < Int64(dictionary.count) else {
                throw problem("a dictionary index \(index) outside its dictionary of \(dictionary.count) values")
            }
            column.append(row: Int(index), of: dictionary)
            guard column.stringByteCount <= Int(Int32.max) else { throw problem("more than 2 GiB of strings in one batch") }
        }
        return column
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

    /// Integers of any width as int64; uint64 (and uint64 dictionary indices)
    /// only while they fit, naming the first row that does not.
    private func integers(_ span: BufferSpan, count: Int, bits: Int, signed: Bool, validity: BitBuffer,
                          indices: Bool = false) throws(CorruptData) -> [Int64] {
        switch (bits, signed) {
        case (8, true): return try fixedWidth(span, count: count, as: Int8.self).map { Int64(truncatingIfNeeded: $0) }
        case (16, true): return try fixedWidth(span, count: count, as: Int16.self).map { Int64(truncatingIfNeeded: $0) }
        case (32, true): return try fixedWidth(span, count: count, as: Int32.self).map { Int64(truncatingIfNeeded: $0) }
        case (8, false): return try fixedWidth(span, count: count, as: UInt8.self).map { Int64(truncatingIfNeeded: $0) }
        case (16, false): return try fixedWidth(span, count: count, as: UInt16.self).map { Int64(truncatingIfNeeded: $0) }
        case (32, false): return try fixedWidth(span, count: count, as: UInt32.self).map { Int64(truncatingIfNeeded: $0) }
        case (64, false):
            let raw = try fixedWidth(span, count: count, as: UInt64.self)
            if !indices, let row = raw.indices.first(where: { raw[$0] > UInt64(Int64.max) && validity[$0] }) {
                throw valueProblem(row: row, "\(raw[row]), beyond int64")
            }
            // A huge index becomes negative and is refused as out of range.
            return raw.map { Int64(truncatingIfNeeded: $0) }
        default: return try fixedWidth(span, count: count, as: Int64.self)
        }
    }

    /// IEEE half precision to double, exactly (every half is a double).
    static func double(fromHalf bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    private func days(fromMilliseconds values: [Int64], validity: BitBuffer) throws(CorruptData) -> [Int32] {
        let perDay: Int64 = 86_400_000
        var days = [Int32](repeating: 0, count: values.count)
        for (row, value) in values.enumerated() where validity[row] {
            guard value % perDay == 0 else { throw valueProblem(row: row, "\(value) ms, not a whole day") }
            guard let day = Int32(exactly: value / perDay) else { throw valueProblem(row: row, "\(value) ms, beyond date32") }
            days[row] = day
        }
        return days
    }

    /// Timestamps in microseconds; nanoseconds only when they are whole microseconds.
    private func microseconds(_ values: [Int64], unit: TimeUnit, validity: BitBuffer) throws(CorruptData) -> [Int64] {
        switch unit {
        case .microsecond: return values
        case .nanosecond:
            var result = [Int64](repeating: 0, count: values.count)
            for (row, value) in values.enumerated() where validity[row] {
                guard value % 1000 == 0 else {
                    throw valueProblem(row: row, "\(value) ns, whose last three digits a Sluice timestamp (microseconds) cannot hold")
                }
                result[row] = value / 1000
            }
            return result
        case .second, .millisecond:
            let factor: Int64 = unit == .second ? 1_000_000 : 1000
            var result = [Int64](repeating: 0, count: values.count)
            for (row, value) in values.enumerated() where validity[row] {
                let (scaled, overflow) = value.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw valueProblem(row: row, "\(value) \(unit.name), beyond the microsecond range") }
                result[row] = scaled
            }
            return result
        }
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

    /// Offsets (32- or 64-bit, rebased to start at 0, as 32-bit) and the bytes they cover.
    private func strings<Offset: FixedWidthInteger>(offsets span: BufferSpan, data dataSpan: BufferSpan, count: Int,
                                                    as offsetType: Offset.Type) throws(CorruptData) -> ([Int32], [UInt8]) {
        if count == 0 { return ([0], []) }
        let offsets = try fixedWidth(span, count: count + 1, as: Offset.self)
        let dataRange = try checkedRange(dataSpan, atLeast: (0, false))
        guard let first = offsets.first, let last = offsets.last, first >= 0, last <= dataRange.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw problem("\(field.layout.arrowName) offsets that are out of order or out of bounds")
        }
        guard last - first <= Int32.max else { throw problem("more than 2 GiB of strings in one batch") }
        let data = Array(body[(dataRange.lowerBound + Int(first))..<(dataRange.lowerBound + Int(last))])
        let rebased = offsets.map { Int32(truncatingIfNeeded: $0 - first) }
        try checkUTF8(data, offsets: rebased)
        return (rebased, data)
    }

    /// utf8_view / binary_view: 16 bytes per row, `length i32` then either the
    /// bytes inline (length <= 12) or `prefix, buffer index i32, offset i32`
    /// into one of the data buffers. Gathered into utf8 offsets and bytes.
    private func views(_ span: BufferSpan, data dataSpans: [BufferSpan], count: Int,
                       validity: BitBuffer) throws(CorruptData) -> ([Int32], [UInt8]) {
        let viewRange = try checkedRange(span, atLeast: count.multipliedReportingOverflow(by: 16))
        var dataRanges: [Range<Int>] = []
        for dataSpan in dataSpans { dataRanges.append(try checkedRange(dataSpan, atLeast: (0, false))) }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(count + 1)
        var data: [UInt8] = []
        var failure: String?
        body.withUnsafeBytes { raw in
            for row in 0..<count {
                if validity[row] {
                    let view = viewRange.lowerBound + 16 * row
                    let length = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: view, as: Int32.self)))
                    if length < 0 {
                        failure = "a view of negative length"
                        return
                    }
                    if length <= 12 {
                        data.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(view + 4)..<(view + 4 + length)]))
                    } else {
                        let buffer = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: view + 8, as: Int32.self)))
                        let offset = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: view + 12, as: Int32.self)))
                        guard dataRanges.indices.contains(buffer), offset >= 0, length <= dataRanges[buffer].count - offset else {
                            failure = "a view outside its data buffers"
                            return
                        }
                        let start = dataRanges[buffer].lowerBound + offset
                        data.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
                    }
                    if data.count > Int(Int32.max) {
                        failure = "more than 2 GiB of strings in one batch"
                        return
                    }
                }
                offsets.append(Int32(truncatingIfNeeded: data.count))
            }
        }
        if let failure { throw problem(failure) }
        try checkUTF8(data, offsets: offsets)
        return (offsets, data)
    }

    /// Valid UTF-8 in every cell; binary columns become strings only so.
    private func checkUTF8(_ data: [UInt8], offsets: [Int32]) throws(CorruptData) {
        let valid = data.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
        let splits = offsets.contains { Int($0) < data.count && data[Int($0)] & 0xC0 == 0x80 }
        guard !valid || splits else { return }
        let row = zip(offsets, offsets.dropFirst()).enumerated().first { _, cell in
            data[Int(cell.0)..<Int(cell.1)].withContiguousStorageIfAvailable { !UTF8Validation.isValid($0) } ?? true
        }?.offset ?? 0
        throw valueProblem(row: row, "bytes that are not valid UTF-8")
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
        CorruptData("column \"\(field.name)\" has \(text)")
    }

    /// A value Sluice cannot hold, named by column, Arrow type and table row (1-based).
    private func valueProblem(row: Int, _ text: String) -> CorruptData {
        CorruptData("column \"\(field.name)\" (\(field.arrowName)) row \(firstRow + row + 1) holds \(text)")
    }
}
