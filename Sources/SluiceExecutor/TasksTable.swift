import SluiceColumnar

/// `tasks.arrow`: one row per attempt (and one per instance settled without
/// an attempt, with try 0), for pandas, polars or `sluice cat`. A map
/// instance's `label` and `item` (its JSON text) close each row; new columns
/// go last, so readers by position keep working.
enum TasksTable {
    static let schema = TableSchema([
        ("task", .string), ("map_index", .int64), ("try", .int64), ("state", .string),
        ("start", .timestamp), ("end", .timestamp), ("duration_s", .float64), ("exit_code", .int64),
        ("cache_hit", .bool), ("message", .string), ("label", .string), ("item", .string),
    ])

    /// `durable`: synced (a process ran; see `Executor.requireDurability`).
    static func write(_ record: RunRecord, to path: String, durable: Bool = true) throws {
        try ArrowFile.withTableWriter(to: path, schema: schema, durable: durable) { table in
            // The records are read in place, by position, not copied (a copy retained and released a dozen fields).
            let instances = record.instances
            for i in instances.indices {
                let task = ColumnValue.string(instances[i].key.task)
                let index: ColumnValue = instances[i].key.mapIndex.map { .int64(Int64($0)) } ?? .null
                let label: ColumnValue = instances[i].label.map(ColumnValue.string) ?? .null
                let item: ColumnValue = instances[i].item.map { .string($0.compact()) } ?? .null
                if instances[i].attempts.isEmpty {
                    try table.append(row: [task, index, .int64(0), .string(instances[i].state.rawValue), .null, .null, .null, .null,
                                           .bool(instances[i].cacheHit), instances[i].message.map(ColumnValue.string) ?? .null, label, item])
                    continue
                }
                for attempt in instances[i].attempts {
                    let duration: ColumnValue = attempt.durationMicroseconds.map { .float64(Double($0) / 1_000_000) } ?? .null
                    try table.append(row: [
                        task, index, .int64(Int64(attempt.attempt)), .string(attempt.state.rawValue),
                        attempt.start.map(ColumnValue.timestamp) ?? .null, attempt.end.map(ColumnValue.timestamp) ?? .null, duration,
                        attempt.exitCode.map { .int64(Int64($0)) } ?? .null, .bool(attempt.cacheHit),
                        attempt.message.map(ColumnValue.string) ?? .null, label, item,
                    ])
                }
            }
        }
    }
}
