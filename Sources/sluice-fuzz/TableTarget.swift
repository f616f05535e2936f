// The table target: the CSV tokenizer, the JSON-lines
// parser, cell conversion to every column type, batch assembly, and the
// Arrow IPC writer, whose output is read back by our own reader and must give
// the same rows. Any input must give rows or an IngestError, never a trap.
//
// The first byte chooses the format and the schema, so one corpus covers both
// formats and every column type; the rest is the task's staging file.
import SluiceColumnar

#if canImport(Glibc)
import Glibc
#endif

let schemas: [TableSchema] = [
    TableSchema([("ts", .timestamp), ("symbol", .string), ("close", .float64), ("volume", .int64)]),
    TableSchema([("day", .date), ("ok", .bool), ("note", .string)]),
    TableSchema([("a", .int64)]),
    TableSchema([("x", .float64), ("y", .float64), ("label", .string), ("flag", .bool), ("n", .int64), ("d", .date), ("t", .timestamp)]),
]

/// A per-process scratch file for the Arrow round trip (tmpfs when there is one).
let tableScratchPath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/sluice-fuzz-table-\(getpid()).arrow"
}()

func fuzzTable(_ input: UnsafeBufferPointer<UInt8>) {
    guard let selector = input.first else { return }
    let format: TableIngest.InputFormat = selector & 1 == 0 ? .csv : .jsonLines
    let schema = schemas[Int(selector >> 1) % schemas.count]
    let body = Array(input.dropFirst())
    // Small batches so batch boundaries fall inside short inputs too.
    guard let batches = try? TableIngest.parse(body, format: format, schema: schema, rowsPerBatch: 3) else { return }

    // What parsed must come back unchanged from an Arrow file we wrote.
    do {
        try ArrowFile.write(batches, schema: schema, to: tableScratchPath)
        let (readSchema, readBatches) = try ArrowReader.readAll(path: tableScratchPath)
        guard readSchema == schema, rows(readBatches) == rows(batches) else {
            fatalError("Arrow round trip changed the table")
        }
    } catch {
        fatalError("writing or reading back parsed rows failed: \(error)")
    }
}

func rows(_ batches: [RecordBatch]) -> [[ColumnValue]] {
    batches.flatMap(\.rows)
}
