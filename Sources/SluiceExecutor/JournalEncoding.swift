import SluiceBasics
import SluicePlan

extension JournalEvent {
    /// The event as one compact JSON line (without the newline).
    func line() -> [UInt8] {
        var writer = JournalLineWriter()
        return withLine(writingInto: &writer) { Array($0) }
    }

    /// Lends the event's line (without the newline) to `body`, with no copy
    /// of a task event's bytes: the journal copies them into its own buffer.
    func withLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var writer = JournalLineWriter()
        return try withLine(writingInto: &writer, body)
    }

    /// `withLine`, a task or `mapped` event written into `writer`'s storage:
    /// the executor writes three lines a task, and storage made and freed for
    /// each cost about 1,500 instructions a line. The other events (a few a
    /// run) go through their `JSON` tree.
    func withLine<R>(writingInto writer: inout JournalLineWriter, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch self {
        case .task(let e):
            return try writer.withLine(of: e, body)
        case .mapped(let task, let count, let time, let labels, let items):
            return try writer.withMappedLine(task: task, count: count, time: time, labels: labels, items: items, body)
        case .runStarted, .childRun, .runFinished, .runResumed:
            return try json().compactUTF8().withUnsafeBufferPointer(body)
        }
    }
}

/// Writes task lines (three a task a run: queued, running, its end) straight
/// into bytes, its storage kept from line to line. The generic `JSON` tree
/// cost more to build and print than starting the task's process; the
/// compact JSON writer cost about 3,200 instructions a line, a third of it
/// the time's `String` and the quoting of the fixed `"task"`. Here the fixed
/// text between the values is copied as literals, the time is written in
/// place, and strings go through the one escaper (`JSONString`). The output
/// is byte-for-byte what `event.json().compact()` prints: the field order of
/// `JournalEvent.json()`, which the tests compare it with for every field.
struct JournalLineWriter {
    private var line = ByteBuffer(reservingCapacity: 384)
    /// A task line's JSON values (`outputs`, `checks`), written by the compact writer and copied into `line`.
    private var values = JSONBytesWriter(pretty: false, reservingCapacity: 64)

    /// Writes `e`'s line over the previous one and lends it to `body`.
    mutating func withLine<R>(of e: JournalEvent.TaskEvent, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        line.removeAll()
        line.append(#"{"event":"task","task":"#)
        JSONString.write(e.task, to: &line)
        line.append(#","map_index":"#)
        if let index = e.mapIndex { line.appendDecimal(Int64(index)) } else { line.append("null") }
        line.append(#","try":"#)
        line.appendDecimal(Int64(e.attempt))
        // A state's name is a fixed identifier (no byte of it is escaped): copied between its quotes.
        line.append(#","state":""#)
        line.appendUTF8(e.state.rawValue)
        line.append("\"")
        line.append(#","time":"#)
        appendTime(e.time)
        if let code = e.exitCode { line.append(#","exit_code":"#); line.appendDecimal(Int64(code)) }
        if let outputs = e.outputs { line.append(#","outputs":"#); append(outputs) }
        if let message = e.message { line.append(#","message":"#); JSONString.write(message, to: &line) }
        if let hit = e.cacheHit { line.append(hit ? #","cache_hit":true"# : #","cache_hit":false"#) }
        if let log = e.log { line.append(#","log":"#); JSONString.write(log, to: &line) }
        if let bytes = e.logBytes { line.append(#","log_bytes":"#); line.appendDecimal(Int64(bytes)) }
        if let delay = e.retryInMilliseconds { line.append(#","retry_in_ms":"#); line.appendDecimal(delay) }
        if let key = e.cacheKey { line.append(#","cache_key":"#); JSONString.write(key, to: &line) }
        if let checks = e.checks { line.append(#","checks":"#); append(checks) }
        line.append("}")
        return try line.withBytes(body)
    }

    /// A `mapped` line (one a mapped task, with a label and an item for each
    /// of its instances), written as a task line is rather than through a
    /// `JSON` tree of them all.
    mutating func withMappedLine<R>(task: String, count: Int, time: Int64, labels: [String]?, items: [JSON]?,
                                    _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        line.removeAll()
        line.append(#"{"event":"mapped","task":"#)
        JSONString.write(task, to: &line)
        line.append(#","count":"#)
        line.appendDecimal(Int64(count))
        line.append(#","time":"#)
        appendTime(time)
        if let labels {
            line.append(#","labels":["#)
            for (i, label) in labels.enumerated() {
                if i > 0 { line.append(",") }
                JSONString.write(label, to: &line)
            }
            line.append("]")
        }
        if let items { line.append(#","items":"#); append(.array(items)) }
        line.append("}")
        return try line.withBytes(body)
    }

    /// `Timestamp.iso` quoted, its digits written on the stack rather than into a `String`.
    private mutating func appendTime(_ micros: Int64) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Timestamp.isoCount) { digits -> Bool in
            guard Timestamp.writeISO(micros, into: digits) else { return false }
            line.append("\"")
            line.append(UnsafeBufferPointer(digits))
            line.append("\"")
            return true
        }
        if !written { JSONString.write(Timestamp.iso(micros), to: &line) }
    }

    private mutating func append(_ value: JSON) {
        values.removeWrittenText()
        values.value(value)
        values.withBytes { line.append($0) }
    }
}
