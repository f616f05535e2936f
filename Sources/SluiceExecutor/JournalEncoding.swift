import SluiceBasics
import SluicePlan

extension JournalEvent {
    /// The event as one compact JSON line (without the newline).
    func line() -> [UInt8] {
        guard case .task(let e) = self else { return Array(json().compact().utf8) }
        var writer = JSONBytesWriter(pretty: false, reservingCapacity: 384)
        Self.writeTaskLine(e, to: &writer)
        return writer.bytes
    }

    /// Lends the event's line (without the newline) to `body`, with no copy
    /// of a task event's bytes: the journal copies them into its own buffer.
    func withLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var writer = JSONBytesWriter(pretty: false, reservingCapacity: 384)
        return try withLine(writingInto: &writer, body)
    }

    /// `withLine`, a task event written into `scratch` (emptied first): the
    /// executor writes three lines a task, and a writer's storage made and
    /// freed for each cost about 1,500 instructions a line.
    func withLine<R>(writingInto scratch: inout JSONBytesWriter, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard case .task(let e) = self else { return try json().compactUTF8().withUnsafeBufferPointer(body) }
        scratch.removeWrittenText()
        Self.writeTaskLine(e, to: &scratch)
        return try scratch.withBytes(body)
    }

    /// A task event (three a task a run: queued, running, its end), written
    /// straight into bytes by the compact writer behind `JSON.compact()`: the
    /// generic `JSON` tree cost more to build and print than starting the
    /// task's process, and a line writer of its own (an array grown a byte at
    /// a time) cost about 7,000 instructions a line. The output is
    /// byte-for-byte what `event.json().compact()` prints (the tests compare the two).
    private static func writeTaskLine(_ e: TaskEvent, to w: inout JSONBytesWriter) {
        w.beginObject()
        w.key(literal: "event"); w.string("task")
        w.key(literal: "task"); w.string(e.task)
        w.key(literal: "map_index"); w.optionalInt(e.mapIndex.map(Int64.init))
        w.key(literal: "try"); w.int(Int64(e.attempt))
        w.key(literal: "state"); w.string(e.state.rawValue)
        w.key(literal: "time"); w.string(Timestamp.iso(e.time))
        if let code = e.exitCode { w.key(literal: "exit_code"); w.int(Int64(code)) }
        if let outputs = e.outputs { w.key(literal: "outputs"); w.value(outputs) }
        if let message = e.message { w.key(literal: "message"); w.string(message) }
        if let hit = e.cacheHit { w.key(literal: "cache_hit"); w.bool(hit) }
        if let log = e.log { w.key(literal: "log"); w.string(log) }
        if let bytes = e.logBytes { w.key(literal: "log_bytes"); w.int(Int64(bytes)) }
        if let delay = e.retryInMilliseconds { w.key(literal: "retry_in_ms"); w.int(delay) }
        if let key = e.cacheKey { w.key(literal: "cache_key"); w.string(key) }
        if let checks = e.checks { w.key(literal: "checks"); w.value(checks) }
        w.endObject()
    }
}
