/// Something that yields a table's record batches in order.
public protocol RecordBatchReader: AnyObject {
    var schema: TableSchema { get }
    /// The next batch, or nil after the last one.
    func nextBatch() throws -> RecordBatch?
}

/// Opening Arrow data whatever its layout, whoever wrote it: Sluice's own
/// canonical files, and what pyarrow, pandas and polars write (compressed
/// bodies, dictionaries, large and view strings, narrow and unsigned ints,
/// other float widths, date64, timestamps in any unit and zone). Batches come
/// out in the canonical column types, one at a time.
public enum ArrowReader {
    /// Opens an IPC file (`ARROW1` magic) or, failing the magic, an IPC stream.
    public static func open(path: String) throws -> any RecordBatchReader {
        let file = try ReadOnlyFile(path: path)
        let start = try? file.read(offset: 0, count: 4)
        if start == [0xFF, 0xFF, 0xFF, 0xFF] { return try ArrowStreamReader(file: file) }
        return try ArrowFileReader(file: file)
    }

    /// Reads a whole (small) table into memory.
    public static func readAll(path: String) throws -> (schema: TableSchema, batches: [RecordBatch]) {
        let reader = try open(path: path)
        var batches: [RecordBatch] = []
        while let batch = try reader.nextBatch() { batches.append(batch) }
        return (reader.schema, batches)
    }

    /// Runs `body`, giving decoding problems the file's name.
    static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CorruptData {
            throw ArrowFormatError(path: path, problem: error.problem)
        }
    }
}

/// The dictionaries of dictionary-encoded columns, as dictionary batches
/// define, replace (streams) and extend (deltas) them.
struct DictionaryStore {
    private(set) var values: [Int64: ColumnData] = [:]

    mutating func apply(_ header: DictionaryBatchHeader, body: [UInt8], schema: ArrowSchema) throws(CorruptData) {
        guard let field = schema.fields.first(where: { $0.dictionary?.id == header.id }) else {
            throw CorruptData("a dictionary batch with id \(header.id), which no column uses")
        }
        let decoded = try BatchDecoder(schema: schema).decodeDictionary(header.batch, body: body, for: field)
        guard header.isDelta, var existing = values[header.id] else {
            values[header.id] = decoded
            return
        }
        guard existing.stringByteCount + decoded.stringByteCount <= Int(Int32.max) else {
            throw CorruptData("column \"\(field.name)\" has a dictionary of more than 2 GiB")
        }
        values[header.id] = nil  // keep `existing` uniquely referenced while it grows
        existing.append(contentsOf: decoded)
        values[header.id] = existing
    }
}

/// Reads an Arrow IPC file through its footer; batches are fetched one at a
/// time with positioned reads, so memory holds one batch (and the
/// dictionaries), not the file.
public final class ArrowFileReader: RecordBatchReader {
    public let path: String
    public let schema: TableSchema
    private let arrowSchema: ArrowSchema
    private let file: ReadOnlyFile
    private let blocks: [FileBlock]
    private let footerStart: Int
    private var dictionaries = DictionaryStore()
    private var nextIndex = 0
    private var rowsRead = 0

    public var batchCount: Int { blocks.count }

    public convenience init(path: String) throws {
        try self.init(file: ReadOnlyFile(path: path))
    }

    init(file: ReadOnlyFile) throws {
        self.file = file
        path = file.path
        let (arrowSchema, dictionaryBlocks, blocks, footerStart) = try ArrowReader.naming(file.path) { try Self.readFooter(file) }
        (self.arrowSchema, self.blocks, self.footerStart) = (arrowSchema, blocks, footerStart)
        schema = arrowSchema.table
        try ArrowReader.naming(file.path) {
            for block in dictionaryBlocks {
                guard let (header, body, _) = try MessageReader(file: file).message(at: Int(block.offset), limit: Self.end(of: block)),
                      case .dictionaryBatch(let dictionary) = header else {
                    throw CorruptData("a footer dictionary block does not point at a dictionary batch")
                }
                try dictionaries.apply(dictionary, body: body, schema: arrowSchema)
            }
        }
    }

    public func nextBatch() throws -> RecordBatch? {
        guard nextIndex < blocks.count else { return nil }
        let batch = try decodeBatch(at: nextIndex, firstRow: rowsRead)
        nextIndex += 1
        rowsRead += batch.rowCount
        return batch
    }

    /// The batch at `index` (0-based, in file order).
    public func batch(at index: Int) throws -> RecordBatch {
        guard blocks.indices.contains(index) else {
            throw ColumnarUsageError("batch \(index) requested from \"\(path)\", which has \(blocks.count)")
        }
        return try decodeBatch(at: index, firstRow: rowCount(ofFirst: index))
    }

    private func decodeBatch(at index: Int, firstRow: Int) throws -> RecordBatch {
        let block = blocks[index]
        return try ArrowReader.naming(path) {
            guard let (header, body, _) = try MessageReader(file: file).message(at: Int(block.offset), limit: Self.end(of: block)),
                  case .recordBatch(let batchHeader) = header else {
                throw CorruptData("footer block \(index) does not point at a record batch")
            }
            return try BatchDecoder(schema: arrowSchema, dictionaries: dictionaries.values, firstRow: firstRow)
                .decode(batchHeader, body: body)
        }
    }

    /// Total rows, from each batch's metadata (bodies are not read).
    public func rowCount() throws -> Int {
        try rowCount(ofFirst: blocks.count)
    }

    private func rowCount(ofFirst count: Int) throws -> Int {
        try ArrowReader.naming(path) {
            try blocks.prefix(count).reduce(0) { total, block in
                let message = try MessageReader(file: file).message(at: Int(block.offset), limit: Self.end(of: block), readingBody: false)
                guard case .recordBatch(let header)? = message?.header else {
                    throw CorruptData("a footer block does not point at a record batch")
                }
                return total + header.length
            }
        }
    }

    private static func end(of block: FileBlock) -> Int {
        Int(block.offset) + Int(block.metadataLength) + Int(block.bodyLength)
    }

    private static let trailerSize = 10  // i32 footer length + "ARROW1"

    private static func readFooter(_ file: ReadOnlyFile) throws -> (ArrowSchema, [FileBlock], [FileBlock], Int) {
        let magic = ArrowWriter.magic
        guard file.size >= 8 + trailerSize else { throw CorruptData("only \(file.size) bytes, too short for an Arrow file") }
        guard try file.read(offset: 0, count: 6) == magic else { throw CorruptData("it does not start with the ARROW1 magic") }
        let trailer = try file.read(offset: file.size - trailerSize, count: trailerSize)
        guard Array(trailer[4...]) == magic else {
            throw CorruptData("it does not end with the ARROW1 magic (truncated, or still being written?)")
        }
        let footerLength = Int(try ByteView(bytes: trailer).load(Int32.self, at: 0))
        let footerStart = file.size - trailerSize - footerLength
        guard footerLength > 0, footerStart >= 8 else { throw CorruptData("bad footer length \(footerLength)") }
        let (schema, dictionaries, blocks) = try ArrowMetadataDecoder.footer(file.read(offset: footerStart, count: footerLength))
        for block in dictionaries + blocks where !isInside(block, end: footerStart) {
            throw CorruptData("a footer block points outside the file")
        }
        return (schema, dictionaries, blocks, footerStart)
    }

    private static func isInside(_ block: FileBlock, end: Int) -> Bool {
        block.offset >= 8 && block.metadataLength > 0 && block.bodyLength >= 0
            && block.bodyLength <= Int64(end) - block.offset - Int64(block.metadataLength)
    }
}

/// Reads an Arrow IPC stream (no footer) from its first message onwards;
/// dictionary batches between record batches define, replace or extend the
/// dictionaries the following batches use.
public final class ArrowStreamReader: RecordBatchReader {
    public let path: String
    public let schema: TableSchema
    private let arrowSchema: ArrowSchema
    private let file: ReadOnlyFile
    private var offset: Int
    private var reachedEnd = false
    private var dictionaries = DictionaryStore()
    private var rowsRead = 0

    public convenience init(path: String) throws {
        try self.init(file: ReadOnlyFile(path: path))
    }

    init(file: ReadOnlyFile) throws {
        self.file = file
        path = file.path
        (arrowSchema, offset) = try ArrowReader.naming(file.path) {
            guard let (header, _, end) = try MessageReader(file: file).message(at: 0, limit: file.size),
                  case .schema(let schema) = header else {
                throw CorruptData("the stream does not begin with a schema message")
            }
            return (schema, end)
        }
        schema = arrowSchema.table
    }

    /// A stream may end with the end-of-stream marker or simply at the end of
    /// the file after a complete message; anything else is truncation.
    public func nextBatch() throws -> RecordBatch? {
        try ArrowReader.naming(path) {
            while !reachedEnd, offset < file.size {
                guard let (header, body, end) = try MessageReader(file: file).message(at: offset, limit: file.size) else {
                    reachedEnd = true
                    return nil
                }
                offset = end
                switch header {
                case .schema: throw CorruptData("a second schema message")
                case .dictionaryBatch(let dictionary):
                    try dictionaries.apply(dictionary, body: body, schema: arrowSchema)
                case .recordBatch(let batchHeader):
                    let batch = try BatchDecoder(schema: arrowSchema, dictionaries: dictionaries.values, firstRow: rowsRead)
                        .decode(batchHeader, body: body)
                    rowsRead += batch.rowCount
                    return batch
                }
            }
            return nil
        }
    }
}
