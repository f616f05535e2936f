#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks an Arrow IPC table a task wrote against the declared schema and
/// passes its batches on in the schema's column order, one at a time.
///
/// Columns are matched by name as a CSV header is (missing, unexpected and
/// repeated names are errors); each column's type is the one the reader maps
/// the Arrow type to (an int32 column reads as int64), and it must be the
/// declared type.
struct ArrowIngest {
    let path: String
    let schema: TableSchema
    /// False for a task's staged file: a symlink there is refused, as for CSV.
    let followingSymlinks: Bool

    func run(_ body: (RecordBatch) throws -> Void) throws {
        if !followingSymlinks {
            // The reader follows links; the same file is refused first if it is one (or not regular).
            close(try RegularFile.openForReading(path, followingSymlinks: false).descriptor)
        }
        let reader = try ArrowReader.open(path: path)
        let order = try HeaderMatcher(file: path, line: nil, schema: schema).fieldOrder(header: reader.schema.names)
        for (declared, position) in zip(schema.columns, order) {
            let found = reader.schema.columns[position].type
            guard found == declared.type else {
                throw IngestError(file: path, column: declared.name,
                                  problem: "the Arrow file holds \(found) (\(found.arrowName)), but the table declares \(declared.type)")
            }
        }
        while let batch = try reader.nextBatch() {
            guard batch.columns.count == reader.schema.columns.count else {
                throw ArrowFormatError(path: path, problem: "a record batch has \(batch.columns.count) columns, the schema \(reader.schema.columns.count)")
            }
            try body(RecordBatch(schema: schema, columns: order.map { batch.columns[$0] }, rowCount: batch.rowCount))
        }
    }
}
