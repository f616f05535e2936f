import SluiceBasics

/// A plan's tasks in the plan's order, asked for a range at a time while
/// the plan's JSON is written (`Plan.writeJSONPieces(of:threads:head:tasks:_:)`):
/// a plan's own array, or a spec's tasks lowered only then (SluiceCompiler's
/// `PlanLowering`). Read from two threads at once, each its own ranges.
public protocol PlanTaskSource: Sendable {
    /// How many tasks the plan has.
    var count: Int { get }
    /// Tasks `range` of the plan's order, `range` within `0..<count`.
    func tasks(_ range: Range<Int>) -> [PlanTask]
}

extension Array: PlanTaskSource where Element == PlanTask {
    public func tasks(_ range: Range<Int>) -> [PlanTask] { Array(self[range]) }
}

/// Tasks `0..<tasks` cut into chunks of `size` (the last may be shorter).
struct TaskChunks: Sendable {
    let tasks: Int
    let size: Int

    init(tasks: Int, size: Int) {
        self.tasks = tasks
        self.size = max(size, 1)
    }

    /// How many chunks.
    var count: Int { (tasks + size - 1) / size }

    /// The tasks of chunk `chunk`, `0 <= chunk < count`.
    func range(_ chunk: Int) -> Range<Int> { chunk * size..<min(tasks, (chunk + 1) * size) }
}

/// The plan's JSON form (DESIGN.md "plan", version 1), written and read here
/// only, so the shape has one definition. Every field is always present
/// (null when absent) so consumers never guess; field order is fixed.
extension Plan {
    /// The plan as a JSON value tree (the run record writes it compact).
    public func json() -> JSON {
        var builder = JSONTreeBuilder()
        write(to: &builder)
        return builder.result
    }

    /// The plan as pretty JSON text with a trailing newline.
    public func encoded() -> String { String(decoding: encodedUTF8(), as: UTF8.self) }

    /// `encoded()` as UTF-8 bytes, written straight from the plan into one
    /// buffer, never built as a tree. (`sluice plan` writes the same bytes in
    /// pieces, on two threads for a large plan: `writeJSONPieces`.)
    public func encodedUTF8() -> [UInt8] {
        // About 1.3 KB a task, so the buffer rarely grows more than once.
        var writer = JSONBytesWriter(pretty: true, reservingCapacity: 4096 + 1400 * tasks.count)
        write(to: &writer)
        writer.endLine()
        return writer.bytes
    }

    /// `encodedUTF8()`'s bytes handed to `emit` in order, in pieces of
    /// exactly `pieceSize` bytes but the last (shorter, never empty), written
    /// into storage of about one piece that is reused: for `plan -o`, which
    /// writes each piece to the file as it fills. Holding the whole text
    /// (13 MB at 10,000 tasks) was that much fresh memory, and on this VM
    /// first-touching fresh memory cost more than writing the text
    /// (docs/speed.md, "plan2"). The bytes are the same for any `threads`
    /// and `pieceSize` (`Plan.writeJSONPieces(of:threads:head:tasks:_:)`).
    public func writeJSONPieces(of pieceSize: Int, threads: Int = 1, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try Plan.writeJSONPieces(of: pieceSize, threads: threads, head: self, tasks: tasks, emit)
    }

    /// `head.writeJSONPieces(of:threads:_:)` with the tasks of `tasks` in
    /// place of `head`'s own (not read), asked for a chunk of
    /// `tasksPerChunk` at a time and dropped once written: `plan -o` of a
    /// spec lowers each chunk then (`PlanTaskSource`), so the lowered plan,
    /// 10 MB of fresh memory at 10,000 tasks, never exists whole, and the
    /// chunks reuse the memory their predecessors freed (docs/speed.md, "plan3").
    ///
    /// With `threads` of 2 a second thread makes every other chunk
    /// (`TakingTurns`: this one writes the head and the even chunks, emitting
    /// pieces as they fill, and appends the helper's odd chunks in their
    /// turn), each into a writer opened at the `tasks` array's depth after
    /// earlier members, so its bytes are what this thread would write there;
    /// the helper is at most a few chunks ahead, so it holds a few chunks'
    /// text, not half the plan's.
    public static func writeJSONPieces(of pieceSize: Int, threads: Int = 1, head: Plan, tasks: some PlanTaskSource,
                                       tasksPerChunk: Int = 128, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        // Room for one piece and the task that crosses its end (about 1.3 KB a task; a larger one grows the storage once).
        var writer = JSONBytesWriter(pretty: true, reservingCapacity: pieceSize + (64 << 10))
        let chunks = TaskChunks(tasks: tasks.count, size: tasksPerChunk)
        try head.write(to: &writer) { writer in
            let depth = writer.depth
            try TakingTurns.run(parts: chunks.count, helper: threads >= 2, mine: { chunk in
                for task in tasks.tasks(chunks.range(chunk)) {
                    task.write(to: &writer)
                    try writer.emitWholePieces(of: pieceSize, emit)
                }
            }, theirs: { chunk, spare in
                var part = spare.take() ?? JSONBytesWriter(pretty: true, reservingCapacity: 1400 * chunks.size,
                                                           membersAtDepth: depth, afterMembers: true)
                part.removeWrittenText()
                for task in tasks.tasks(chunks.range(chunk)) { task.write(to: &part) }
                return part
            }, consume: { part in
                try writer.appendMembers(of: part, emittingPiecesOf: pieceSize, emit)
            })
        }
        writer.endLine()
        try writer.emitWholePieces(of: pieceSize, emit)
        try writer.withBytes { rest in
            if !rest.isEmpty { try emit(UnsafeRawBufferPointer(rest)) }
        }
    }

    /// `json().compact()` as UTF-8, written straight from the plan (no value
    /// tree) and handed to `emit` in pieces: the head, then about 64 KiB of
    /// tasks at a time, so the run record's memory does not grow with the plan.
    public func writeCompactUTF8(_ emit: ([UInt8]) throws -> Void) rethrows {
        var head = self
        head.tasks = []
        var writer = JSONBytesWriter(pretty: false, reservingCapacity: 1 << 16)
        head.write(to: &writer)
        // The head ends with `"tasks":[]}`: the tasks go between the brackets.
        var bytes = writer.bytes
        bytes.removeLast(2)
        for (i, task) in tasks.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var one = JSONBytesWriter(pretty: false, reservingCapacity: 1024)
            task.write(to: &one)
            one.withBytes { bytes.append(contentsOf: $0) }
            if bytes.count >= 1 << 16 {
                try emit(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        bytes.append(contentsOf: "]}".utf8)
        try emit(bytes)
    }

    /// The one definition of the plan's JSON shape, for the text and the tree alike.
    func write<Sink: JSONSink>(to sink: inout Sink) {
        write(to: &sink) { sink in
            for task in tasks { task.write(to: &sink) }
        }
    }

    /// The plan with `writeTasks` writing the members of its `tasks` array.
    func write<Sink: JSONSink>(to sink: inout Sink, tasks writeTasks: (inout Sink) throws -> Void) rethrows {
        sink.beginObject()
        sink.key(literal: "version"); sink.int(Plan.formatVersion)
        sink.key(literal: "pipeline"); sink.string(pipeline)
        sink.key(literal: "description"); sink.optionalString(description)
        sink.key(literal: "source"); sink.string(source)
        sink.key(literal: "source_sha256"); sink.string(sourceSHA256)
        sink.key(literal: "workspace"); sink.string(workspace)
        sink.key(literal: "schedule"); sink.optionalString(schedule)
        sink.key(literal: "params"); sink.value(params)
        sink.key(literal: "pools")
        sink.beginObject()
        for pool in pools { sink.key(pool.name); sink.int(Int64(pool.slots)) }
        sink.endObject()
        sink.key(literal: "max_active_tasks"); sink.optionalInt(maxActiveTasks.map { Int64($0) })
        sink.key(literal: "env_file"); sink.optionalString(envFile)
        sink.key(literal: "secrets"); sink.strings(secrets)
        sink.key(literal: "tasks")
        sink.beginArray()
        try writeTasks(&sink)
        sink.endArray()
        sink.endObject()
    }

    public init(jsonText: String) throws(PlanDecodingError) {
        let value: JSON
        do { value = try JSON.parse(jsonText) } catch { throw PlanDecodingError("not JSON: \(error)") }
        try self.init(json: value)
    }

    public init(json: JSON) throws(PlanDecodingError) {
        let r = PlanReader(json, path: "plan")
        let version = try r.int("version")
        guard version == Plan.formatVersion else {
            throw PlanDecodingError("plan format version \(version) is not supported (this sluice reads version \(Plan.formatVersion))")
        }
        let paramsValue = try r.required("params")
        guard paramsValue.objectValue != nil else { throw PlanDecodingError("plan.params must be an object") }
        var pools: [Pool] = []
        for (name, slots) in try r.object("pools") {
            guard let n = slots.intValue, n >= 1 else { throw PlanDecodingError("plan.pools.\(name) must be a positive integer") }
            pools.append(Pool(name: name, slots: Int(n)))
        }
        self.init(
            pipeline: try r.string("pipeline"),
            description: try r.optionalString("description"),
            source: try r.string("source"),
            sourceSHA256: try r.string("source_sha256"),
            workspace: try r.string("workspace"),
            schedule: try r.optionalString("schedule"),
            params: paramsValue,
            pools: pools,
            maxActiveTasks: try r.optionalInt("max_active_tasks").map { Int($0) },
            envFile: try r.optionalString("env_file"),
            secrets: try r.strings("secrets"),
            tasks: try r.array("tasks").enumerated().map { i, task throws(PlanDecodingError) in
                try PlanTask(json: PlanReader(task, path: "plan.tasks[\(i)]"))
            }
        )
    }
}

public struct PlanDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension PlanTask {
    func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.beginObject()
        sink.key(literal: "id"); sink.string(id)
        sink.key(literal: "description"); sink.optionalString(description)
        sink.key(literal: "kind"); sink.string(kind.rawValue)
        sink.key(literal: "needs"); sink.strings(needs)
        sink.key(literal: "run")
        if let run { run.write(to: &sink) } else { sink.null() }
        sink.key(literal: "foreach")
        if let foreach { foreach.write(to: &sink) } else { sink.null() }
        sink.key(literal: "outputs")
        sink.beginArray()
        for output in outputs {
            sink.beginObject()
            sink.key(literal: "name"); sink.string(output.name)
            sink.key(literal: "type"); sink.string(output.type.description)
            sink.key(literal: "path"); sink.optionalString(output.path)
            // `checks` only when there are some: plans without checks read as before.
            if !output.checks.isEmpty {
                sink.key(literal: "checks")
                sink.beginArray()
                for check in output.checks { sink.value(check.json()) }
                sink.endArray()
            }
            sink.endObject()
        }
        sink.endArray()
        sink.key(literal: "inputs")
        sink.beginArray()
        for input in inputs {
            sink.beginObject()
            sink.key(literal: "name"); sink.string(input.name)
            sink.key(literal: "from"); input.from.write(to: &sink)
            sink.endObject()
        }
        sink.endArray()
        sink.key(literal: "branch")
        if let branch { sink.strings(branch) } else { sink.null() }
        sink.key(literal: "trigger")
        if let trigger {
            sink.beginObject()
            sink.key(literal: "pipeline"); sink.string(trigger.pipeline)
            sink.key(literal: "spec"); sink.string(trigger.spec)
            // `params` only when there are some: plans of triggers without params read as before.
            if !trigger.params.isEmpty {
                sink.key(literal: "params")
                sink.beginArray()
                for param in trigger.params {
                    sink.beginObject()
                    sink.key(literal: "path"); sink.string(param.path)
                    sink.key(literal: "value"); param.value.write(to: &sink)
                    sink.endObject()
                }
                sink.endArray()
            }
            sink.endObject()
        } else {
            sink.null()
        }
        // Written only when set, so plans without labels keep their exact form.
        if let label { sink.key(literal: "label"); label.write(to: &sink) }
        sink.key(literal: "trigger_rule"); sink.string(triggerRule.rawValue)
        sink.key(literal: "retries"); sink.int(Int64(retries))
        sink.key(literal: "retry_delay_ms"); sink.int(retryDelayMilliseconds)
        sink.key(literal: "retry_backoff"); sink.string(retryBackoff.rawValue)
        sink.key(literal: "timeout_ms"); sink.optionalInt(timeoutMilliseconds)
        sink.key(literal: "pool"); sink.optionalString(pool)
        sink.key(literal: "env")
        sink.beginArray()
        for variable in env {
            sink.beginObject()
            sink.key(literal: "name"); sink.string(variable.name)
            sink.key(literal: "value"); variable.value.write(to: &sink)
            sink.endObject()
        }
        sink.endArray()
        sink.key(literal: "deps"); sink.strings(deps)
        sink.key(literal: "cache"); sink.bool(cache)
        sink.key(literal: "reads")
        sink.beginObject()
        sink.key(literal: "params"); sink.strings(reads.params)
        sink.key(literal: "outputs")
        sink.beginArray()
        for output in reads.outputs { output.write(to: &sink) }
        sink.endArray()
        sink.endObject()
        sink.endObject()
    }

    init(json r: PlanReader) throws(PlanDecodingError) {
        guard let kind = Kind(rawValue: try r.string("kind")) else { throw r.error("kind", "must be command, trigger or empty") }
        guard let rule = TriggerRule(rawValue: try r.string("trigger_rule")) else { throw r.error("trigger_rule", "is not a trigger rule") }
        guard let backoff = Backoff(rawValue: try r.string("retry_backoff")) else { throw r.error("retry_backoff", "must be fixed or exponential") }
        var outputs: [PlanOutput] = []
        for (i, output) in try r.array("outputs").enumerated() {
            let o = r.child(output, "outputs[\(i)]")
            var checks: [PlanCheck] = []
            for (j, check) in (o.value["checks"]?.arrayValue ?? []).enumerated() {
                checks.append(try PlanCheck(json: o.child(check, "checks[\(j)]")))
            }
            outputs.append(PlanOutput(name: try o.string("name"), type: try o.type("type"), path: try o.optionalString("path"), checks: checks))
        }
        var inputs: [PlanInput] = []
        for (i, input) in try r.array("inputs").enumerated() {
            let o = r.child(input, "inputs[\(i)]")
            inputs.append(PlanInput(name: try o.string("name"), from: try OutputReference(json: o.child(try o.required("from"), "from"))))
        }
        var env: [EnvVariable] = []
        for (i, variable) in try r.array("env").enumerated() {
            let o = r.child(variable, "env[\(i)]")
            env.append(EnvVariable(name: try o.string("name"), value: try Template(json: try o.required("value"), o.path + ".value")))
        }
        let reads = r.child(try r.required("reads"), "reads")
        var readOutputs: [OutputReference] = []
        for (i, output) in try reads.array("outputs").enumerated() {
            readOutputs.append(try OutputReference(json: reads.child(output, "outputs[\(i)]")))
        }
        let runValue = try r.required("run")
        let foreachValue = try r.required("foreach")
        let triggerValue = try r.required("trigger")
        let branchValue = try r.required("branch")
        let retries = try r.int("retries")
        guard retries >= 0 else { throw r.error("retries", "must not be negative") }
        self.init(
            id: try r.string("id"),
            description: try r.optionalString("description"),
            kind: kind,
            needs: try r.strings("needs"),
            run: runValue.isNull ? nil : try Template(json: runValue, r.path + ".run"),
            foreach: foreachValue.isNull ? nil : try ForeachSource(json: r.child(foreachValue, "foreach")),
            outputs: outputs,
            inputs: inputs,
            branch: branchValue.isNull ? nil : try r.strings("branch"),
            trigger: triggerValue.isNull ? nil : try PlanTrigger(json: r.child(triggerValue, "trigger")),
            triggerRule: rule,
            retries: Int(retries),
            retryDelayMilliseconds: try r.duration("retry_delay_ms"),
            retryBackoff: backoff,
            timeoutMilliseconds: try r.optionalDuration("timeout_ms"),
            pool: try r.optionalString("pool"),
            env: env,
            deps: try r.strings("deps"),
            cache: try r.bool("cache"),
            reads: Reads(params: try reads.strings("params"), outputs: readOutputs)
        )
        if let labelValue = r.value["label"], !labelValue.isNull { label = try Template(json: labelValue, r.path + ".label") }
    }
}

extension PlanTrigger {
    init(json r: PlanReader) throws(PlanDecodingError) {
        var params: [TriggerParam] = []
        if r.value["params"] != nil {
            for (i, param) in try r.array("params").enumerated() {
                let o = r.child(param, "params[\(i)]")
                params.append(TriggerParam(path: try o.string("path"), value: try Template(json: try o.required("value"), o.path + ".value")))
            }
        }
        self.init(pipeline: try r.string("pipeline"), spec: try r.string("spec"), params: params)
    }
}

extension OutputReference {
    func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.beginObject()
        sink.key(literal: "task"); sink.string(task)
        sink.key(literal: "output"); sink.string(output)
        sink.key(literal: "type"); sink.string(type.description)
        sink.key(literal: "mapped"); sink.bool(mapped)
        if byLabel { sink.key(literal: "by_label"); sink.bool(true) }
        sink.endObject()
    }

    init(json r: PlanReader) throws(PlanDecodingError) {
        self.init(task: try r.string("task"), output: try r.string("output"), type: try r.type("type"), mapped: try r.bool("mapped"),
                  byLabel: r.value["by_label"]?.boolValue ?? false)
    }
}

extension ForeachSource {
    func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.beginObject()
        switch self {
        case .param(let path): sink.key(literal: "param"); sink.strings(path)
        case .output(let reference): sink.key(literal: "output"); reference.write(to: &sink)
        }
        sink.endObject()
    }

    init(json r: PlanReader) throws(PlanDecodingError) {
        if r.value["param"] != nil {
            self = .param(try r.strings("param"))
        } else if let output = r.value["output"] {
            self = .output(try OutputReference(json: r.child(output, "output")))
        } else {
            throw PlanDecodingError("\(r.path) must hold \"param\" or \"output\"")
        }
    }
}

extension Template {
    func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.beginArray()
        for segment in segments {
            sink.beginObject()
            switch segment {
            case .text(let text): sink.key(literal: "text"); sink.string(text)
            case .reference(.param(let path)): sink.key(literal: "param"); sink.strings(path)
            case .reference(.output(let reference)): sink.key(literal: "output"); reference.write(to: &sink)
            case .reference(.item): sink.key(literal: "var"); sink.string("item")
            case .reference(.itemField(let path)): sink.key(literal: "item"); sink.strings(path)
            case .reference(.index): sink.key(literal: "var"); sink.string("index")
            case .reference(.runID): sink.key(literal: "var"); sink.string("run.id")
            case .reference(.runDate): sink.key(literal: "var"); sink.string("run.date")
            }
            sink.endObject()
        }
        sink.endArray()
    }

    init(json: JSON, _ path: String) throws(PlanDecodingError) {
        guard let items = json.arrayValue else { throw PlanDecodingError("\(path) must be a list of segments") }
        var segments: [Segment] = []
        for (i, item) in items.enumerated() {
            let r = PlanReader(item, path: "\(path)[\(i)]")
            if let text = item["text"] {
                guard let string = text.stringValue else { throw r.error("text", "must be a string") }
                segments.append(.text(string))
            } else if item["param"] != nil {
                segments.append(.reference(.param(try r.strings("param"))))
            } else if let output = item["output"] {
                segments.append(.reference(.output(try OutputReference(json: r.child(output, "output")))))
            } else if item["item"] != nil {
                let path = try r.strings("item")
                guard !path.isEmpty else { throw r.error("item", "must name at least one field") }
                segments.append(.reference(.itemField(path)))
            } else if let variable = item["var"]?.stringValue {
                switch variable {
                case "item": segments.append(.reference(.item))
                case "index": segments.append(.reference(.index))
                case "run.id": segments.append(.reference(.runID))
                case "run.date": segments.append(.reference(.runDate))
                default: throw r.error("var", "is not item, index, run.id or run.date")
                }
            } else {
                throw PlanDecodingError("\(r.path) is not a template segment")
            }
        }
        self.init(segments)
    }
}

/// Typed access to one JSON object of a plan, with the JSON path in every error.
struct PlanReader {
    let value: JSON
    let path: String

    init(_ value: JSON, path: String) {
        self.value = value
        self.path = path
    }

    func child(_ value: JSON, _ name: String) -> PlanReader { PlanReader(value, path: path + "." + name) }

    func error(_ key: String, _ message: String) -> PlanDecodingError { PlanDecodingError("\(path).\(key) \(message)") }

    func required(_ key: String) throws(PlanDecodingError) -> JSON {
        guard value.objectValue != nil else { throw PlanDecodingError("\(path) must be an object") }
        guard let member = value[key] else { throw PlanDecodingError("\(path) lacks \"\(key)\"") }
        return member
    }

    func string(_ key: String) throws(PlanDecodingError) -> String {
        guard let s = try required(key).stringValue else { throw error(key, "must be a string") }
        return s
    }

    func optionalString(_ key: String) throws(PlanDecodingError) -> String? {
        let v = try required(key)
        if v.isNull { return nil }
        guard let s = v.stringValue else { throw error(key, "must be a string or null") }
        return s
    }

    func int(_ key: String) throws(PlanDecodingError) -> Int64 {
        guard let i = try required(key).intValue else { throw error(key, "must be an integer") }
        return i
    }

    /// Milliseconds between zero and `DurationLiteral.maximum`, as a spec may
    /// give: a hand-written plan must not smuggle in a duration whose
    /// nanosecond deadline overflows.
    func duration(_ key: String) throws(PlanDecodingError) -> Int64 {
        let milliseconds = try int(key)
        try checkDuration(key, milliseconds)
        return milliseconds
    }

    func optionalDuration(_ key: String) throws(PlanDecodingError) -> Int64? {
        let milliseconds = try optionalInt(key)
        if let milliseconds { try checkDuration(key, milliseconds) }
        return milliseconds
    }

    private func checkDuration(_ key: String, _ milliseconds: Int64) throws(PlanDecodingError) {
        guard (0...DurationLiteral.maximum.milliseconds).contains(milliseconds) else {
            throw error(key, "must be between 0 and \(DurationLiteral.maximum.milliseconds) (\(DurationLiteral.maximum)), not \(milliseconds)")
        }
    }

    func optionalInt(_ key: String) throws(PlanDecodingError) -> Int64? {
        let v = try required(key)
        if v.isNull { return nil }
        guard let i = v.intValue else { throw error(key, "must be an integer or null") }
        return i
    }

    func bool(_ key: String) throws(PlanDecodingError) -> Bool {
        guard let b = try required(key).boolValue else { throw error(key, "must be true or false") }
        return b
    }

    func array(_ key: String) throws(PlanDecodingError) -> [JSON] {
        guard let a = try required(key).arrayValue else { throw error(key, "must be a list") }
        return a
    }

    func object(_ key: String) throws(PlanDecodingError) -> [(String, JSON)] {
        guard let o = try required(key).objectValue else { throw error(key, "must be an object") }
        return o
    }

    func strings(_ key: String) throws(PlanDecodingError) -> [String] {
        var result: [String] = []
        for item in try array(key) {
            guard let s = item.stringValue else { throw error(key, "must be a list of strings") }
            result.append(s)
        }
        return result
    }

    func type(_ key: String) throws(PlanDecodingError) -> ValueType {
        switch ValueType.parse(try string(key)) {
        case .success(let type): return type
        case .failure(let failure): throw error(key, "is not a type: \(failure.message)")
        }
    }
}
