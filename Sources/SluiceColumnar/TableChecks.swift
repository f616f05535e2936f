/// Runs data checks over a canonical Arrow table in one streaming pass: each
/// batch is read, every check looks at its columns, the batch is dropped.
/// Memory stays one batch plus, for `unique`, a set of the distinct keys.
public enum TableChecks {
    /// Failing rows kept per check as examples.
    public static let exampleLimit = 5

    /// Reads the Arrow file at `path` batch by batch and runs `checks` on it.
    public static func run(_ checks: [TableCheck], path: String) throws -> [TableCheckResult] {
        let reader = try ArrowReader.open(path: path)
        // Sized for every row being a distinct key, when the file says how many
        // rows it holds: growing a set of millions of keys costs more than the probes.
        // Capped: a damaged footer must not ask for terabytes; past the cap the set grows as it goes.
        let rows = (reader as? ArrowFileReader).flatMap { try? $0.rowCount() }.map { min($0, 1 << 24) }
        var evaluator = try TableCheckEvaluator(checks, schema: reader.schema, expectedRows: rows)
        while let batch = try reader.nextBatch() { evaluator.consume(batch) }
        return evaluator.results()
    }

    /// Converts `inputPath` into the canonical Arrow file `outputPath`
    /// (`TableIngest.ingest`) and runs `checks` on the batches as they are
    /// written: the same results as `run(_:path:)` on the file afterwards,
    /// without reading it back and decoding it a second time.
    public static func ingest(
        from inputPath: String, format: TableIngest.InputFormat? = nil, schema: TableSchema, to outputPath: String,
        rowsPerBatch: Int = ArrowFile.defaultRowsPerBatch, followingSymlinks: Bool = true, checks: [TableCheck]
    ) throws -> [TableCheckResult] {
        var evaluator = try TableCheckEvaluator(checks, schema: schema)
        try TableIngest.ingest(from: inputPath, format: format, schema: schema, to: outputPath, rowsPerBatch: rowsPerBatch,
                               followingSymlinks: followingSymlinks) {
            evaluator.consume($0)
        }
        return evaluator.results()
    }
}

/// A check that cannot run on the table it was given: a column it names is
/// missing, or of a type the check (or its values) does not fit.
public struct TableCheckError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The checks' running state over the batches of one table.
public struct TableCheckEvaluator {
    private var states: [CheckState]
    private var rowsSeen = 0

    /// `expectedRows`, when known, sizes `unique`'s key set up front.
    public init(_ checks: [TableCheck], schema: TableSchema, expectedRows: Int? = nil) throws(TableCheckError) {
        try self.init(checks, schema: schema, expectedRows: expectedRows, gridBudget: .standard)
    }

    /// As the public init, with `unique`'s grid budget chosen (tests force the hash map with it).
    init(_ checks: [TableCheck], schema: TableSchema, expectedRows: Int?, gridBudget: KeyGridBudget) throws(TableCheckError) {
        states = []
        for check in checks {
            states.append(try CheckState(check, schema: schema, expectedRows: expectedRows ?? 0, gridBudget: gridBudget))
        }
    }

    /// Runs every check over one batch, whose rows follow the previous batches'.
    public mutating func consume(_ batch: RecordBatch) {
        for index in states.indices { states[index].consume(batch, firstRow: rowsSeen) }
        rowsSeen += batch.rowCount
    }

    /// The results, in the order the checks were given.
    public func results() -> [TableCheckResult] {
        states.map { $0.result(totalRows: rowsSeen) }
    }
}

/// One check prepared for a schema: column positions resolved, bounds and
/// accepted values in the column's storage type.
private struct CheckState {
    enum Prepared {
        case unique([Int])
        case notNull([Int])
        case rangeInt64(Int, min: Int64, max: Int64)
        case rangeDate(Int, min: Int32, max: Int32)
        case rangeFloat(Int, min: Double, max: Double)
        case acceptedInt64(Int, Set<Int64>)
        case acceptedInt32(Int, Set<Int32>)
        case acceptedFloat(Int, Set<UInt64>)
        case acceptedBool(Int, Set<Bool>)
        case acceptedString(Int, AcceptedStrings)
        case rows(min: Int?, max: Int?)
    }

    let check: TableCheck
    let prepared: Prepared
    let columns: [Int]
    /// `unique`'s key codes; nil for the other checks.
    var keys: UniqueKeys?
    var failing = 0
    var examples: [TableCheckResult.Example] = []

    init(_ check: TableCheck, schema: TableSchema, expectedRows: Int, gridBudget: KeyGridBudget) throws(TableCheckError) {
        self.check = check
        var positions: [Int] = []
        for name in check.columns {
            guard let position = schema.columns.firstIndex(where: { $0.name == name }) else {
                throw TableCheckError(description: "check \(check.label): the table has no column \"\(name)\"")
            }
            positions.append(position)
        }
        columns = positions
        prepared = try Self.prepare(check, positions, schema)
        if case .unique = check.rule { keys = UniqueKeys(columns: positions.count, expectedKeys: expectedRows, budget: gridBudget) }
    }

    private static func prepare(_ check: TableCheck, _ positions: [Int], _ schema: TableSchema) throws(TableCheckError) -> Prepared {
        func misfit() -> TableCheckError {
            let types = positions.map { "\(schema.columns[$0].name): \(schema.columns[$0].type)" }.joined(separator: ", ")
            return TableCheckError(description: "check \(check.label) does not apply to column \(types)")
        }
        switch check.rule {
        case .unique: return .unique(positions)
        case .notNull: return .notNull(positions)
        case .rows(let min, let max): return .rows(min: min, max: max)
        case .range(_, let low, let high):
            guard let column = positions.first else { throw misfit() }
            switch schema.columns[column].type {
            case .int64, .timestamp:
                guard let min = int64(low, .min), let max = int64(high, .max) else { throw misfit() }
                return .rangeInt64(column, min: min, max: max)
            case .date:
                guard let min = date(low, .min), let max = date(high, .max) else { throw misfit() }
                return .rangeDate(column, min: min, max: max)
            case .float64:
                guard let min = float(low, -.infinity), let max = float(high, .infinity) else { throw misfit() }
                return .rangeFloat(column, min: min, max: max)
            case .bool, .string:
                throw misfit()
            }
        case .acceptedValues(_, let values):
            guard let column = positions.first else { throw misfit() }
            let type = schema.columns[column].type
            guard values.allSatisfy({ $0.columnType == type }) else { throw misfit() }
            switch type {
            case .int64, .timestamp: return .acceptedInt64(column, Set(values.compactMap { int64($0, 0) }))
            case .date: return .acceptedInt32(column, Set(values.compactMap { date($0, 0) }))
            case .float64: return .acceptedFloat(column, Set(values.compactMap { float($0, 0).map(CellKey.floatBits) }))
            case .bool: return .acceptedBool(column, Set(values.compactMap { if case .bool(let b) = $0 { b } else { nil } }))
            case .string:
                return .acceptedString(column, AcceptedStrings(values.compactMap { if case .string(let text) = $0 { text } else { nil } }))
            }
        }
    }

    /// A bound in Int64 storage (int64, timestamp); `absent` when not given, nil when of another kind.
    private static func int64(_ value: ColumnValue?, _ absent: Int64) -> Int64? {
        switch value {
        case nil: absent
        case .int64(let v)?, .timestamp(let v)?: v
        default: nil
        }
    }

    private static func date(_ value: ColumnValue?, _ absent: Int32) -> Int32? {
        switch value {
        case nil: absent
        case .date(let v)?: v
        default: nil
        }
    }

    private static func float(_ value: ColumnValue?, _ absent: Double) -> Double? {
        switch value {
        case nil: absent
        case .float64(let v)?: v
        case .int64(let v)?: Double(v)
        default: nil
        }
    }

    mutating func consume(_ batch: RecordBatch, firstRow: Int) {
        let count = batch.rowCount
        switch prepared {
        case .unique(let positions):
            scanUnique(batch, positions, firstRow: firstRow)
        case .notNull(let positions):
            // Column by column into one flag per row, then one pass over the flags: no per-row walk over columns.
            var flags = [UInt8](repeating: 0, count: count)
            var any = false
            for position in positions {
                let data = batch.columns[position]
                if data.nullCount > 0 {
                    any = true
                    for row in 0..<count where data.isNull(at: row) { flags[row] = 1 }
                }
                if data.type == .float64 {
                    data.float64Values.withUnsafeBufferPointer { values in
                        for row in 0..<count where values[row].isNaN {
                            flags[row] = 1
                            any = true
                        }
                    }
                }
            }
            guard any else { return }
            flags.withUnsafeBufferPointer { flags in scan(batch, count, firstRow) { flags[$0] != 0 } }
        case .rangeInt64(let column, let min, let max):
            let data = batch.columns[column]
            data.int64Values.withUnsafeBufferPointer { values in
                scan(batch, count, firstRow) { row in (values[row] < min || values[row] > max) && !data.isNull(at: row) }
            }
        case .rangeDate(let column, let min, let max):
            let data = batch.columns[column]
            data.int32Values.withUnsafeBufferPointer { values in
                scan(batch, count, firstRow) { row in (values[row] < min || values[row] > max) && !data.isNull(at: row) }
            }
        case .rangeFloat(let column, let min, let max):
            let data = batch.columns[column]
            // `!(in bounds)` rather than `out of bounds`: NaN is in no bounds.
            data.float64Values.withUnsafeBufferPointer { values in
                scan(batch, count, firstRow) { row in !(values[row] >= min && values[row] <= max) && !data.isNull(at: row) }
            }
        case .acceptedInt64(let column, let accepted):
            let data = batch.columns[column]
            data.int64Values.withUnsafeBufferPointer { values in
                scan(batch, count, firstRow) { row in !accepted.contains(values[row]) && !data.isNull(at: row) }
            }
        case .acceptedInt32(let column, let accepted):
            let data = batch.columns[column]
            scan(batch, count, firstRow) { row in !accepted.contains(data.int32Values[row]) && !data.isNull(at: row) }
        case .acceptedFloat(let column, let accepted):
            let data = batch.columns[column]
            scan(batch, count, firstRow) { row in !accepted.contains(CellKey.floatBits(data.float64Values[row])) && !data.isNull(at: row) }
        case .acceptedBool(let column, let accepted):
            let data = batch.columns[column]
            scan(batch, count, firstRow) { row in !data.isNull(at: row) && !accepted.contains(data.boolValues[row]) }
        case .acceptedString(let column, let accepted):
            let data = batch.columns[column]
            data.stringOffsets.withUnsafeBufferPointer { offsets in
                data.stringBytes.withUnsafeBytes { bytes in
                    scan(batch, count, firstRow) { row in
                        !accepted.contains(bytes, Int(offsets[row]), Int(offsets[row + 1])) && !data.isNull(at: row)
                    }
                }
            }
        case .rows:
            return
        }
    }

    /// Counts the rows of the batch for which `fails` holds, keeping the first few as examples.
    @inline(__always)
    private mutating func scan(_ batch: RecordBatch, _ count: Int, _ firstRow: Int, _ fails: (Int) -> Bool) {
        for row in 0..<count where fails(row) {
            failing += 1
            if examples.count < TableChecks.exampleLimit { noteExample(batch, row, firstRow) }
        }
    }

    private mutating func noteExample(_ batch: RecordBatch, _ row: Int, _ firstRow: Int, repeats: Int? = nil) {
        let values = columns.map { batch.columns[$0].value(at: row) }
        examples.append(TableCheckResult.Example(row: firstRow + row + 1, values: values, repeatsRow: repeats.map { $0 + 1 }))
    }

    /// Factorises the batch's key columns and folds their codes into one
    /// key code per row (`UniqueKeys`): the per-row work is a probe per column.
    private mutating func scanUnique(_ batch: RecordBatch, _ positions: [Int], firstRow: Int) {
        guard var keys else { return }
        self.keys = nil  // not two owners of its buffers while it changes
        let found = keys.consume(positions.map { batch.columns[$0] }, batch.rowCount, firstRow: firstRow,
                                 room: TableChecks.exampleLimit - examples.count)
        self.keys = keys
        failing += found.repeats
        for duplicate in found.examples { noteExample(batch, duplicate.row - firstRow, firstRow, repeats: duplicate.earlier) }
    }

    func result(totalRows: Int) -> TableCheckResult {
        var failing = failing
        if case .rows(let min, let max) = prepared {
            failing = (min.map { totalRows < $0 } ?? false) || (max.map { totalRows > $0 } ?? false) ? 1 : 0
        }
        return TableCheckResult(check: check, failingRows: failing, totalRows: totalRows, examples: examples)
    }
}

/// `accepted_values` of a string column: strings of up to 7 bytes as packed
/// words (one probe, no hashing of bytes), longer ones by their bytes.
struct AcceptedStrings {
    private let short = CodeMap()
    private var long = RowKeySet()

    init(_ values: [String]) {
        for value in values {
            var value = value
            value.withUTF8 { bytes in
                let text = UnsafeRawBufferPointer(bytes)
                if let packed = CellKey.packedString(text, 0, text.count) {
                    _ = short.code(for: packed)
                } else {
                    _ = long.insert(text, row: 0)
                }
            }
        }
    }

    /// True when `text[start..<end]` is one of the values.
    @inline(__always)
    func contains(_ text: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        if let packed = CellKey.packedString(text, start, end) { return short.contains(packed) }
        return long.contains(UnsafeRawBufferPointer(rebasing: text[start..<end]))
    }
}

/// Cells as keys: equal values give equal keys.
enum CellKey {
    /// -0.0 is 0.0 and every NaN is one NaN, as values compare.
    static func floatBits(_ value: Double) -> UInt64 {
        if value.isNaN { return Double.nan.bitPattern }
        return value == 0 ? 0 : value.bitPattern
    }
}
