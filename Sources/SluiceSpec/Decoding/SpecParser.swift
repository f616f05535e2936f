import SluiceDiagnostics

/// Text → `PipelineSpec` + diagnostics. Never throws and never stops at the
/// first problem: a bad key or value is reported and the rest still decodes.
public enum SpecParser {
    /// Names a task may not take: they are the roots of `{{ }}` references.
    public static let reservedTaskNames: Set<String> = ["params", "item", "index", "run"]

    public static let topLevelKeys = TopLevelKey.keySet
    public static let defaultsKeys = SettingKey.keySet
    public static let outputKeys = OutputKey.keySet
    public static let inputKeys = InputKey.keySet
    public static let taskKeys = TaskKey.keySet
    public static let triggerKeys = TriggerKey.keySet
    public static let checkKeys = CheckKey.keySet

    /// Decodes straight from libyaml's events (through a `YAMLTape`): no
    /// tree is built except for the values the spec keeps as nodes, and each
    /// task is decoded as soon as it is read (see `TaskStream`).
    public static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) -> (spec: PipelineSpec, diagnostics: [Diagnostic]) {
        var stream = TaskStream(file: file, text: text)
        let document = YAMLParser.parseTape(text, file: file, limits: limits, streaming: &stream)
        // Its line index was made while libyaml read the first events (or is made here, when nothing was read).
        var spec = PipelineSpec(file: file, source: stream.source ?? SourceText(text))
        if document.root != nil { spec.limits = limits }
        let syntaxFailed = document.diagnostics.contains { $0.rule == .yamlSyntax && $0.severity == .error } && document.root == nil
        let syntax = document.diagnostics.map { explainSyntaxError($0, spec.source) }
        return document.tape.withView { view in
            var decoder = SpecDecoder(spec: spec, reader: ValueReader(tape: view, sink: DiagnosticSink(file: file)),
                                      stream: stream, streamedMapping: document.streamedMapping)
            if !syntaxFailed { decoder.decodeRoot(document.root) }
            return (decoder.spec, syntax + decoder.reader.sink.diagnostics)
        }
    }

    /// libyaml's messages say what broke, not how to fix it: a help line
    /// for the YAML mistakes people make most, told from the line the error
    /// is on.
    static func explainSyntaxError(_ diagnostic: Diagnostic, _ source: SourceText) -> Diagnostic {
        guard diagnostic.rule == .yamlSyntax, diagnostic.help == nil,
              let line = source.line(diagnostic.range.start.line),
              let help = unquotedTableType(line) ?? tabIndentation(line) ?? colonInPlainValue(line, diagnostic.message) else { return diagnostic }
        var explained = diagnostic
        explained.help = help
        return explained
    }

    /// `out: table(a: int64)` is not valid YAML (`: ` inside a plain scalar
    /// starts a mapping), and the design's own example once wrote it so.
    static func unquotedTableType(_ line: Substring) -> String? {
        guard line.contains("table("), !line.contains("\"table("), !line.contains("'table(") else { return nil }
        return "quote table types: \"table(col: type, ...)\""
    }

    /// YAML forbids tabs in indentation; editors insert them unseen.
    static func tabIndentation(_ line: Substring) -> String? {
        line.prefix { $0 == " " || $0 == "\t" }.contains("\t") ? "indent with spaces: YAML does not allow tabs in indentation" : nil
    }

    /// `run: echo note: hello`: the second `: ` starts a mapping inside a
    /// plain value. The help shows the value quoted (`quotedExample`) and
    /// the block form, which takes any command as it is.
    static func colonInPlainValue(_ line: Substring, _ message: String) -> String? {
        guard message.hasPrefix("mapping values are not allowed"),
              let separator = line.firstRange(of: ": ") else { return nil }
        var key = line[..<separator.lowerBound].drop { $0 == " " }
        if key.hasPrefix("- ") { key = key.dropFirst(2) }
        var value = line[separator.upperBound...].drop { $0 == " " || $0 == "\t" }
        while let last = value.last, last == " " || last == "\t" || last == "\r" { value = value.dropLast() }
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
              value.contains(": "), let first = value.first, !"\"'[{|>&*!".contains(first) else { return nil }
        return "\": \" in a plain value starts a mapping: quote the value, \(quotedExample(key, value)), or write \"\(key): |\" and the command on the next line, indented"
    }

    /// `key: 'value'` (single quotes keep everything verbatim), or
    /// `key: "value"` when the value holds a single quote but nothing double
    /// quotes would change; `key: '...'` when it is long or holds both.
    static func quotedExample(_ key: Substring, _ value: Substring) -> String {
        guard value.count <= 60 else { return "\(key): '...'" }
        if !value.contains("'") { return "\(key): '\(value)'" }
        if !value.contains("\"") && !value.contains("\\") { return "\(key): \"\(value)\"" }
        return "\(key): '...'"
    }
}

struct SpecDecoder {
    var spec: PipelineSpec
    var reader: ValueReader
    /// The tasks already decoded while the document was read, and the mapping they came from (or -1).
    var stream: TaskStream
    let streamedMapping: Int

    var tape: TapeView { reader.tape }

    mutating func decodeRoot(_ root: NodeRef?) {
        let start = SourceRange(at: SourceLocation(line: 1, column: 1))
        guard let root, !reader.isNull(root) else {
            reader.sink.emit(.missingKey, at: start, "the file is empty: a pipeline spec needs the keys \"pipeline\" and \"tasks\"")
            return
        }
        guard tape.kind(root) == .mapping else {
            reader.sink.emit(.invalidValue, at: reader.range(root), "a pipeline spec must be a mapping, not \(reader.kindDescription(root))")
            return
        }
        let pairs = tape.pairs(root)
        reader.reportUnknownKeys(pairs, TopLevelKey.self, in: "the pipeline")
        for pair in pairs {
            if let key = reader.key(pair.key, as: TopLevelKey.self) { decodeTopLevel(key, pair.value) }
        }
        reportMissing(["pipeline", "tasks"], in: pairs, mapping: root, context: "a pipeline spec")
    }

    mutating func reportMissing(_ required: [String], in pairs: PairSequence, mapping: NodeRef, context: String) {
        let at = pairs.first.map { reader.range($0.key) } ?? reader.range(mapping)
        for key in required where !reader.contains(pairs, key: key) {
            reader.sink.emit(.missingKey, at: at, "\(context) needs the key \"\(key)\"")
        }
    }

    mutating func decodeTopLevel(_ key: TopLevelKey, _ value: NodeRef) {
        switch key {
        case .pipeline:
            if let id = reader.string(value, "\"pipeline\""), reader.identifier(id, "pipeline id", .pipeline) { spec.pipeline = id }
        case .description: spec.description = reader.text(value, "\"description\"")
        case .schedule: spec.schedule = reader.isNull(value) ? nil : reader.scalarNode(value, "\"schedule\"")
        case .workdir: spec.workdir = reader.string(value, "\"workdir\"")
        case .paramsFile: spec.paramsFile = reader.string(value, "\"params_file\"")
        case .params: if reader.mapping(value, "\"params\"") != nil { spec.params = reader.tree(value) }
        case .defaults:
            if let pairs = reader.mapping(value, "\"defaults\"") {
                spec.defaults = TaskSettings()
                withUnsafeTemporaryAllocation(of: KnownPair<SettingKey>.self, capacity: pairs.count) { buffer in
                    let count = reader.collectKnownPairs(pairs, into: buffer, in: "\"defaults\"")
                    reader.decodeSettings(into: &spec.defaults, UnsafeMutableBufferPointer(rebasing: buffer[..<count]))
                }
            }
        case .maxActiveTasks: spec.maxActiveTasks = reader.int(value, "\"max_active_tasks\"", minimum: 1)
        case .pools: decodePools(value)
        case .envFile: spec.envFile = reader.string(value, "\"env_file\"")
        case .secrets: decodeSecrets(value)
        case .tasks: decodeTasks(value)
        }
    }

    mutating func decodePools(_ node: NodeRef) {
        guard let pairs = reader.mapping(node, "\"pools\"") else { return }
        for pair in pairs {
            guard let name = reader.string(pair.key, "a pool name") else { continue }
            guard reader.identifier(name, "pool name", .variable) else { continue }
            if let slots = reader.int(pair.value, "pool \"\(name.value)\" slots", minimum: 1) {
                spec.pools.append(PoolSpec(name: name, slots: slots))
            }
        }
    }

    /// `secrets: [NAME, ...]`; the mapping form `{NAME: value}` is read too so
    /// the checker can flag the literal value instead of failing on the shape.
    mutating func decodeSecrets(_ node: NodeRef) {
        if tape.kind(node) == .mapping {
            for pair in tape.pairs(node) {
                guard let name = reader.string(pair.key, "a secret name"), reader.identifier(name, "secret name", .variable) else { continue }
                spec.secrets.append(SecretSpec(name: name, literal: reader.isNull(pair.value) ? nil : reader.tree(pair.value)))
            }
            return
        }
        for name in reader.stringList(node, "\"secrets\"") ?? [] where reader.identifier(name, "secret name", .variable) {
            spec.secrets.append(SecretSpec(name: name, literal: nil))
        }
    }

    mutating func decodeTasks(_ node: NodeRef) {
        guard tape.kind(node) == .mapping else {
            reader.sink.emit(.invalidValue, at: reader.range(node), "\"tasks\" must be a mapping of task names to tasks, not \(reader.kindDescription(node))")
            return
        }
        let pairs = tape.pairs(node)
        if pairs.isEmpty {
            reader.sink.emit(.invalidValue, at: reader.range(node), "\"tasks\" is empty: a pipeline needs at least one task")
        }
        if node.index == streamedMapping {
            // Decoded while the document was read, in this same order; their values may be gone from the tape.
            reader.sink.append(contentsOf: stream.reader.sink.diagnostics)
            // Moved, not copied (`+=` would copy every task into fresh memory).
            if spec.tasks.isEmpty { spec.tasks = stream.takeTasks() } else { spec.tasks += stream.takeTasks() }
            return
        }
        // One allocation for the whole task list instead of regrowing (and copying) it.
        spec.tasks.reserveCapacity(spec.tasks.count + pairs.count)
        for pair in pairs { Self.decodeTask(pair, &reader, into: &spec.tasks) }
    }

    /// One pair of `tasks`: the name checked, then the task decoded in place at the end of `tasks`.
    static func decodeTask(_ pair: YAMLTape.Pair, _ reader: inout ValueReader, into tasks: inout [TaskSpec]) {
        guard let name = reader.string(pair.key, "a task name"), reader.identifier(name, "task name", .task) else { return }
        if isReserved(name.value) {
            reader.sink.emit(.invalidValue, at: name.range, "task name \"\(name.value)\" is reserved",
                             notes: ["params, item, index and run are the roots of {{ }} references"])
            return
        }
        tasks.append(TaskSpec(name: name))
        reader.decodeTask(into: &tasks[tasks.count - 1], pair.value)
    }

    /// `SpecParser.reservedTaskNames.contains(name)` for a name that passed
    /// the task-name rule, without hashing most task names: such a name is
    /// ASCII, and an ASCII name longer than every reserved one cannot equal one.
    static func isReserved(_ name: String) -> Bool {
        guard name.utf8.count <= longestReservedName else { return false }
        // Four names: comparing a short name with each costs a fraction of
        // hashing it (`t00001` has the length of `params`, so most names get here).
        return reservedNameList.contains(name)
    }

    private static let reservedNameList = Array(SpecParser.reservedTaskNames)

    private static let longestReservedName = SpecParser.reservedTaskNames.map(\.utf8.count).max() ?? 0
}

/// Decodes the tasks of a spec while libyaml is still reading it: each task's
/// subtree is decoded as soon as it is complete (and still in cache), then the
/// tape can drop it, so a large spec's tasks are never all on the tape at once.
/// Tasks and their diagnostics wait here until the decoder reaches `tasks`.
struct TaskStream: TapeConsumer {
    var reader: ValueReader
    private var tasks: [TaskSpec] = []
    private let text: String
    /// The spec's text with its line index, made once reading has started.
    private(set) var source: SourceText?
    private var firstLine = 0

    init(file: String, text: String) {
        self.reader = ValueReader(tape: .empty, sink: DiagnosticSink(file: file))
        self.text = text
    }

    /// The line index (a pass over the whole text) is made here, on the
    /// consumer's thread while libyaml's thread reads the first events: made
    /// before, it delayed the parse, the longest thread of a lint, by as long.
    mutating func readingStarted() {
        if source == nil { source = SourceText(text) }
    }

    func streams(topLevelKey key: UnsafeBufferPointer<UInt8>) -> Bool {
        TopLevelKey.matching(key) == .tasks
    }

    mutating func consume(_ pair: YAMLTape.Pair, in view: TapeView) {
        reader.tape = view
        defer { reader.tape = .empty } // the view is valid during this call only
        reserveForRemainingTasks(at: view.range(pair.key).start.line)
        SpecDecoder.decodeTask(pair, &reader, into: &tasks)
    }

    mutating func takeTasks() -> [TaskSpec] {
        defer { tasks = [] }
        return tasks
    }

    /// The task count is known only at the end. Once a few tasks are in,
    /// their lines per task project the rest, and the list is allocated once
    /// at about its final size rather than regrown (each regrowth copies it
    /// into fresh memory). A wrong guess only costs a regrowth; the guess is
    /// capped (a task per 64 bytes of text) so an odd file cannot make it huge.
    private mutating func reserveForRemainingTasks(at line: Int) {
        if tasks.isEmpty { firstLine = line }
        guard tasks.count == 32, line > firstLine, let lineCount = source?.lineCount else { return }
        let linesPerTask = Double(line - firstLine) / 32
        let projected = Double(lineCount - firstLine) / linesPerTask
        tasks.reserveCapacity(Int(min(projected * 1.05, Double(text.utf8.count / 64))) + 16)
    }
}
