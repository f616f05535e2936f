import SluiceBasics
import SluicePlan

/// Compact JSON for journal lines, written straight into bytes: a run writes
/// three lines per task, and the generic `JSON` tree costs more to build and
/// print than starting the task's process. The output is byte-for-byte what
/// `event.json().compact()` prints (the tests compare the two).
struct JSONLineWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256) }

    mutating func begin() { bytes.append(UInt8(ascii: "{")) }
    mutating func end() { bytes.append(UInt8(ascii: "}")) }

    mutating func key(_ name: StaticString) {
        if bytes.last != UInt8(ascii: "{") { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        // Byte by byte: an array literal here was an allocation per key, a quarter of a line's cost.
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ text: String) { JSONString.write(text, to: &bytes) }

    /// The decimal digits written in place (`DecimalDigits`): `String(value)` went
    /// through the generic radix conversion and made a string for each of a line's numbers.
    mutating func int<I: BinaryInteger>(_ value: I) {
        guard let wide = Int64(exactly: value) else { bytes.append(contentsOf: String(value).utf8); return }
        bytes.appendDecimal(wide)
    }
    mutating func null() { bytes.append(contentsOf: "null".utf8) }
    mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func raw(_ value: JSON) { bytes.append(contentsOf: value.compact().utf8) }
    mutating func time(_ micros: Int64) { string(Timestamp.iso(micros)) }

    mutating func optional<T>(_ value: T?, _ write: (inout JSONLineWriter, T) -> Void) {
        if let value { write(&self, value) } else { null() }
    }
}

extension JournalEvent {
    /// The event as one compact JSON line (without the newline).
    func line() -> [UInt8] {
        guard case .task(let e) = self else { return Array(json().compact().utf8) }
        var w = JSONLineWriter()
        w.begin()
        w.key("event"); w.string("task")
        w.key("task"); w.string(e.task)
        w.key("map_index"); w.optional(e.mapIndex) { $0.int($1) }
        w.key("try"); w.int(e.attempt)
        w.key("state"); w.string(e.state.rawValue)
        w.key("time"); w.time(e.time)
        if let code = e.exitCode { w.key("exit_code"); w.int(code) }
        if let outputs = e.outputs { w.key("outputs"); w.raw(outputs) }
        if let message = e.message { w.key("message"); w.string(message) }
        if let hit = e.cacheHit { w.key("cache_hit"); w.bool(hit) }
        if let log = e.log { w.key("log"); w.string(log) }
        if let bytes = e.logBytes { w.key("log_bytes"); w.int(bytes) }
        if let delay = e.retryInMilliseconds { w.key("retry_in_ms"); w.int(delay) }
        if let key = e.cacheKey { w.key("cache_key"); w.string(key) }
        if let checks = e.checks { w.key("checks"); w.raw(checks) }
        w.end()
        return w.bytes
    }
}
