/// Converts one cell's text to its column's type and appends it. Shared by
/// CSV and JSON lines so both follow the same conventions.
enum CellConverter {
    /// Appends `text` as a value of `column.type`; nil on success, otherwise
    /// the reason it does not fit (nil reason text = plain mismatch).
    static func append(_ text: UnsafeBufferPointer<UInt8>, to data: inout ColumnData) -> ConversionFailure? {
        switch data.type {
        case .string:
            if let bad = UTF8Validation.firstInvalidOffset(text) { return ConversionFailure(reason: "invalid UTF-8 at byte \(bad + 1)") }
            guard text.count <= ArrowTableWriter.stringBytesPerBatchLimit else { return ConversionFailure(reason: "longer than 1 GiB") }
            data.appendStringBytes(text)
        case .int64:
            guard let value = ValueParser.int64(text) else { return ConversionFailure(reason: intReason(text)) }
            data.appendInt64(value)
        case .float64:
            guard let value = ValueParser.float64(text) else { return ConversionFailure() }
            data.appendFloat64(value)
        case .bool:
            guard let value = ValueParser.bool(text) else { return ConversionFailure(reason: "use true, false, 1 or 0") }
            data.appendBool(value)
        case .date:
            guard let value = ValueParser.date(text) else { return ConversionFailure(reason: "use YYYY-MM-DD") }
            data.appendInt32(value)
        case .timestamp:
            guard let value = ValueParser.timestamp(text) else {
                return ConversionFailure(reason: "use ISO 8601, e.g. 2024-01-31T09:30:00Z")
            }
            data.appendInt64(value)
        }
        return nil
    }

    /// Says "out of range" for well-formed integers that do not fit.
    private static func intReason(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        let body = text.first == UInt8(ascii: "-") || text.first == UInt8(ascii: "+") ? text.dropFirst() : text[...]
        let allDigits = !body.isEmpty && body.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return allDigits ? "out of range for int64" : nil
    }
}

/// Why a cell did not convert.
struct ConversionFailure {
    var reason: String?
}
