#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SluiceBasics
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// The checked facts about one pipeline's data contracts: merged params,
/// parsed output types, and every `{{ }}` reference resolved (or the reason
/// it did not resolve). Rules read these facts and decide what to report;
/// the plan is lowered from them. Built once per spec.
public struct PipelineContracts: Sendable {
    public var params: ParamSet
    /// The params could not be fully loaded (a broken `params_file`): unknown
    /// params are not reported, since the missing file already is.
    public var paramsIncomplete: Bool
    /// Diagnostics about the params themselves (params file missing, broken YAML in it ...).
    public var paramDiagnostics: [Diagnostic]
    /// Per task (spec order): its declared outputs with their parsed types.
    public var outputs: [[DeclaredOutput]]
    /// Per task: every reference in `run`, `env` and `foreach`, in source order.
    public var references: TaskReferences
    /// Per task: its `run` and `env` values as scanned, around those references.
    public var templates: TaskTemplates
    /// Per task: `{{ }}` syntax errors found while scanning.
    public var scanErrors: [[ScanError]]
    /// Per task: what `foreach` maps over, when the task has one.
    public var foreach: [ForeachFact?]
    /// Per task: its `inputs`, resolved.
    public var inputs: [[InputFact]]
}

/// Output types parsed once per spelling. A large spec repeats a few
/// spellings ("int", one table type) thousands of times: the first few
/// distinct ones are compared before any is hashed (two equal strings from
/// the parse's interner compare by their storage, a short one by its bits):
/// on the 10,000-task bench spec 1.8M instructions, against 4.4M to hash
/// every output's type text.
struct ParsedTypes {
    static let compareFirst = 4
    private var first: [(text: String, type: Result<ValueType, LiteralError>)] = []
    private var others: [String: Result<ValueType, LiteralError>] = [:]

    mutating func type(of text: String) -> Result<ValueType, LiteralError> {
        for k in first.indices where first[k].text == text { return first[k].type }
        if let known = others[text] { return known }
        let type = ValueType.parse(text)
        if first.count < Self.compareFirst { first.append((text, type)) } else { others[text] = type }
        return type
    }
}

/// `params.…` paths resolved once each. A large spec names a few params
/// thousands of times (`{{ params.s0.k }}`): the first distinct paths are
/// kept with their resolution (and its keys array), which every later
/// reference to the same path shares, where each reference made its keys
/// array and searched the params again (10.8M instructions for 10,000
/// references on the bench spec). Past the first few paths, each is
/// resolved as before. Used by one builder on one thread, once its params are
/// loaded (a resolution depends on `params` and `paramsIncomplete`).
final class ParamPaths {
    static let keepFirst = 16
    private var known: [(keys: [String], resolution: ResolvedReference.Resolution)] = []

    /// What the keys of `segments` (a reference's segments after `params`)
    /// resolved to, when they are a path kept.
    func resolution(of segments: ArraySlice<ScannedReference.Segment>) -> ResolvedReference.Resolution? {
        for k in known.indices where Self.same(known[k].keys, segments) { return known[k].resolution }
        return nil
    }

    /// Keeps what `keys` resolved to, while fewer than `keepFirst` paths are kept.
    func remember(_ keys: [String], _ resolution: ResolvedReference.Resolution) {
        if known.count < Self.keepFirst { known.append((keys, resolution)) }
    }

    private static func same(_ keys: [String], _ segments: ArraySlice<ScannedReference.Segment>) -> Bool {
        guard keys.count == segments.count else { return false }
        for (key, segment) in zip(keys, segments) where key != segment.name { return false }
        return true
    }
}

/// Every task's references in one array (rather than an array per task):
/// indexed by task, each element is that task's references in source order.
/// The same array also holds, after each task's own references, the
/// references of its inputs' `from`, so `CheckContext.allReferences` is a view
/// of it rather than a copy.
public struct TaskReferences: RandomAccessCollection, Sendable {
    /// Task by task: its references, then its inputs' `from` references.
    let storage: [ResolvedReference]
    /// The task of each element of `storage`.
    let owners: [Int]
    /// Per task: where its own references (not its inputs') are in `storage`.
    let ranges: [Range<Int>]

    public var startIndex: Int { 0 }
    public var endIndex: Int { ranges.count }
    public subscript(task: Int) -> ArraySlice<ResolvedReference> { storage[ranges[task]] }
}

/// Every `run` and `env` value that holds a `{`, scanned once: its literal
/// text around its references (`ScannedTemplate.texts`) and where those
/// references are in `TaskReferences`. Checks classify shell spots from it
/// and lowering writes the plan's templates from it; neither scans again.
public struct TaskTemplates: Sendable {
    /// Which value of its task a template is: `run`, or the env entry at a position.
    public enum Slot: Equatable, Sendable {
        case run
        case env(Int)
        case label
        /// The `trigger: { params: ... }` entry at a position.
        case triggerParam(Int)
    }

    struct Entry: Sendable {
        var slot: Slot
        var literals: Literals
        /// Its references in `TaskReferences.storage`: reference `i` follows literal text `i`.
        var references: Range<Int>
    }

    /// The literal text before, between and after a template's references.
    enum Literals: Sendable {
        /// As the scan wrote it out (`{{ "{{" }}` replaced by its text, a
        /// malformed reference kept as written).
        case texts([String])
        /// The bytes of this value (ASCII) around its references' spans:
        /// what nearly every value is. Kept as the value itself, so the
        /// contracts make no `String` per piece of text, and a check that
        /// reads the text (`unsafe-reference`) reads it in place.
        case aroundReferences(String)
    }

    let entries: [Entry]
    /// Per task: where its templates are in `entries`.
    let ranges: [Range<Int>]

    /// The template of one value, with its references resolved; nil when the
    /// value holds no `{` (it is all literal text).
    public func template(_ slot: Slot, of task: Int, in references: TaskReferences)
        -> (texts: LiteralTexts, references: ArraySlice<ResolvedReference>)? {
        guard let entry = entry(slot, of: task) else { return nil }
        let resolved = references.storage[entry.references]
        return (LiteralTexts(literals: entry.literals, references: resolved), resolved)
    }

    /// A value's literal texts in order, one more than its references: made
    /// one at a time, as a reader takes them (lowering writes each into the
    /// plan), with no array of them.
    public struct LiteralTexts: Sequence, IteratorProtocol {
        let literals: Literals
        let references: ArraySlice<ResolvedReference>
        private var position = 0
        /// Where the next text starts in the value's bytes.
        private var read = 0

        init(literals: Literals, references: ArraySlice<ResolvedReference>) {
            self.literals = literals
            self.references = references
        }

        public mutating func next() -> String? {
            switch literals {
            case .texts(let texts):
                guard position < texts.count else { return nil }
                position += 1
                return texts[position - 1]
            case .aroundReferences(var value):
                guard position <= references.count else { return nil }
                var span: Range<Int>?
                if position < references.count {
                    let scanned = references[references.startIndex + position].scanned
                    span = scanned.span
                }
                let text = LiteralBytes.before(span, from: read, count: value.utf8.count)
                read = text.next
                position += 1
                return value.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[text.literal]), as: UTF8.self) }
            }
        }
    }

    /// The shell spot of each reference of a task's `run`
    /// (`ShellSpots.classify`), with the references; nil when the `run`
    /// holds no `{`. The text is read in place where it was kept so.
    public func runSpots(of task: Int, in references: TaskReferences, using classifier: inout ShellSpots.Classifier)
        -> (spots: [ShellSpot], references: ArraySlice<ResolvedReference>)? {
        guard let entry = entry(.run, of: task) else { return nil }
        let resolved = references.storage[entry.references]
        switch entry.literals {
        case .texts(let texts): return (classifier.classify(texts), resolved)
        case .aroundReferences(let value):
            var value = value
            let spots = value.withUTF8 { bytes in
                withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: resolved.count) { spans in
                    for (k, reference) in zip(spans.indices, resolved) {
                        spans.initializeElement(at: k, to: reference.scanned.span)
                    }
                    defer { spans.deinitialize() }
                    return classifier.classify(bytes, around: UnsafeBufferPointer(spans))
                }
            }
            return (spots, resolved)
        }
    }

    private func entry(_ slot: Slot, of task: Int) -> Entry? {
        guard task >= 0, task < ranges.count else { return nil }
        return entries[ranges[task]].first(where: { $0.slot == slot })
    }
}

public struct DeclaredOutput: Sendable {
    /// The task's outputs as the spec declares them (shared with the spec,
    /// not copied: a copy per output was 3.6 MB on a 10,000-task spec) and
    /// which of them this is.
    let declarations: [OutputSpec]
    let position: Int
    public var type: Result<ValueType, LiteralError>

    init(_ declarations: [OutputSpec], _ position: Int, type: Result<ValueType, LiteralError>) {
        self.declarations = declarations
        self.position = position
        self.type = type
    }

    public var spec: OutputSpec { declarations[position] }
    public var name: String { declarations[position].name.value }
    public var parsedType: ValueType? { if case .success(let t) = type { t } else { nil } }
}

public struct ScanError: Sendable {
    public var node: YAMLNode
    public var error: LiteralError
    public var site: ReferenceSite
}

public enum ReferenceSite: Sendable, Equatable {
    case run
    case env(String)
    case foreach
    /// A `foreach` task's `label`.
    case label
    case input(String)
    /// A value of `trigger: { params: ... }`, by its dotted path.
    case triggerParam(String)

    public var description: String {
        switch self {
        case .run: "\"run\""
        case .env(let name): "env \"\(name)\""
        case .triggerParam(let path): "trigger param \"\(path)\""
        case .foreach: "\"foreach\""
        case .label: "\"label\""
        case .input(let name): "input \"\(name)\""
        }
    }
}

/// A reference where it was written, and what it resolved to.
public struct ResolvedReference: Sendable {
    public var site: ReferenceSite
    /// The scalar holding the reference (to locate it lazily: most never need locating).
    public var node: YAMLNode {
        get { holder.node }
        set { holder = NodeHolder(newValue) }
    }
    /// The node, shared by every reference in the same scalar: held inline,
    /// it made each of 20,000 references 80 bytes larger.
    var holder: NodeHolder
    public var scanned: ScannedReference
    public var resolution: Resolution

    init(site: ReferenceSite, holder: NodeHolder, scanned: ScannedReference, resolution: Resolution) {
        self.site = site
        self.holder = holder
        self.scanned = scanned
        self.resolution = resolution
    }

    /// A scalar node, held once for all the references in it.
    final class NodeHolder: Sendable {
        let node: YAMLNode
        init(_ node: YAMLNode) { self.node = node }
    }

    public enum Resolution: Sendable {
        case param([String], ParamEntry)
        case output(producer: Int, OutputReference)
        case item, index, runID, runDate
        /// `{{ item.ticker }}`: the fields after `item`.
        case itemField([String])
        case failed(ReferenceFailure)
    }

    public var reference: Reference? {
        switch resolution {
        case .param(let path, _): .param(path)
        case .output(_, let output): .output(output)
        case .item: .item
        case .itemField(let path): .itemField(path)
        case .index: .index
        case .runID: .runID
        case .runDate: .runDate
        case .failed: nil
        }
    }
}

/// Why a reference did not resolve; each case belongs to exactly one rule.
public enum ReferenceFailure: Sendable {
    // bad-reference
    case unknownRoot(String)
    case bareRoot(String)
    case outsideForeach(String)
    case itemField
    case unknownRunField(String)
    case tooDeep(task: String)
    case needsOutput(task: String)
    /// A `label` names an instance before it runs: it cannot read task outputs.
    case outputInLabel
    // unknown-param
    case unknownParam(depth: Int, candidates: [String])
    case paramNotSection(depth: Int, entry: ParamEntry)
    // unknown-output
    case unknownOutput(task: Int, candidates: [String])
    // not-upstream
    case notUpstream(producer: Int)
    case ownOutput
    /// Not reported: the params file is already reported broken.
    case paramsUnavailable
}

/// Indirect: the facts are one per task, mostly nil, and a reference inline
/// would make every slot (nil ones included) as large as a reference.
public indirect enum ForeachFact: Sendable {
    /// `foreach: [a, b]` or `foreach: 3`: a value, not a name.
    case inlineValue(YAMLNode)
    /// A string that is not one reference (`foreach: AAPL, MSFT`).
    case notAReference(YAMLNode, LiteralError)
    case reference(ResolvedReference)
}

public struct InputFact: Sendable {
    public var spec: InputSpec
    /// nil when `from` is missing or not `task.output`.
    public var from: ResolvedReference?
    public var fromError: LiteralError?
    public var expectedType: Result<ValueType, LiteralError>?
    public var columns: [(name: Spanned<String>, node: YAMLNode, type: Result<TableColumnType, LiteralError>)]
}

extension PipelineContracts {
    /// Builds the facts for `spec`. `files` reads its `params_file`.
    public static func build(_ spec: PipelineSpec, graph: TaskGraph, files: any ProjectFiles) -> PipelineContracts {
        var builder = ContractsBuilder(spec: spec, graph: graph)
        builder.loadParams(files)
        return builder.finish()
    }
}

struct ContractsBuilder {
    let spec: PipelineSpec
    let graph: TaskGraph
    var params = ParamSet()
    var paramsIncomplete = false
    var paramDiagnostics: [Diagnostic] = []
    var outputs: [[DeclaredOutput]] = []
    /// Output name → index into `outputs[task]`, for the tasks with more
    /// outputs than a linear search suits (most have one or two).
    var largeOutputIndexes: [Int: [String: Int]] = [:]
    static let linearOutputLimit = 8
    /// Topological rank per task, when the graph has no cycle: prunes upstream searches.
    var rank: [Int]?
    /// A reference type, so that `resolve` stays non-mutating: a call from a
    /// mutating method to a non-mutating one of this struct copies the whole
    /// builder (a `memcpy` of it), three per reference when `resolve` was mutating.
    let paramPaths = ParamPaths()

    init(spec: PipelineSpec, graph: TaskGraph) {
        self.spec = spec
        self.graph = graph
    }

    mutating func loadParams(_ files: any ProjectFiles) {
        var fileMembers: [(key: String, entry: ParamEntry)] = []
        if let paramsFile = spec.paramsFile {
            let path = SpecPaths.join(SpecPaths.directory(of: spec.file), paramsFile.value)
            if PathEscape.escapes(paramsFile.value) {
                // Never read: the `path-escape` check reports it.
                paramsIncomplete = true
            } else if let text = files.read(path) {
                let document = YAMLParser.parse(text, file: path)
                paramDiagnostics += document.diagnostics
                // A duplicate key still leaves every value readable; broken YAML does not.
                if document.diagnostics.contains(where: { $0.rule == .yamlSyntax }) { paramsIncomplete = true }
                if let root = document.root {
                    if root.mapping != nil {
                        fileMembers = ParamSet.members(of: root, file: path, into: &paramDiagnostics)
                    } else if !(root.scalar.map { $0.resolved == .null } ?? false) {
                        paramsIncomplete = true
                        paramDiagnostics.append(Diagnostic(file: path, range: root.range, rule: .invalidValue,
                                                           message: "a params file must be a mapping of sections, not \(root.kindDescription)"))
                    }
                }
            } else {
                paramsIncomplete = true
                paramDiagnostics.append(Diagnostic(file: spec.file, range: paramsFile.range, rule: .invalidValue,
                                                   message: "\"params_file\" \(paramsFile.value.debugDescription) cannot be read (looked for \(path))",
                                                   help: "params_file is relative to the spec's directory"))
            }
        }
        var inline: [(key: String, entry: ParamEntry)] = []
        if let node = spec.params { inline = ParamSet.members(of: node, file: spec.file, into: &paramDiagnostics) }
        params = ParamSet(root: ParamSet.merge(fileMembers, inline))
    }

    mutating func finish() -> PipelineContracts {
        rank = topologicalRank()
        var parsedTypes = ParsedTypes()
        outputs.reserveCapacity(spec.tasks.count)
        // By index: `for task in spec.tasks` would copy every task, with all its fields.
        for t in spec.tasks.indices {
            let taskOutputs = spec.tasks[t].outputs
            var declared: [DeclaredOutput] = []
            declared.reserveCapacity(taskOutputs.count)
            var index: [String: Int] = [:]
            let indexed = taskOutputs.count > Self.linearOutputLimit
            // By index too: `enumerated()` copied each output with all its fields.
            for position in taskOutputs.indices {
                if indexed {
                    let name = taskOutputs[position].name.value
                    index[name] = index[name] ?? declared.count
                }
                let type = parsedTypes.type(of: taskOutputs[position].type.scalar?.text ?? "")
                declared.append(DeclaredOutput(taskOutputs, position, type: type))
            }
            outputs.append(declared)
            if indexed { largeOutputIndexes[t] = index }
        }
        var found: [ResolvedReference] = []
        // Allocated once, at most a little too large, rather than regrown: a
        // doubling array of references peaked at twice their size in fresh memory.
        found.reserveCapacity(referenceBound())
        var owners: [Int] = []
        var ranges: [Range<Int>] = []
        var templates: [TaskTemplates.Entry] = []
        var templateRanges: [Range<Int>] = []
        templateRanges.reserveCapacity(spec.tasks.count)
        var scanErrors: [[ScanError]] = []
        var foreach: [ForeachFact?] = []
        var inputs: [[InputFact]] = []
        ranges.reserveCapacity(spec.tasks.count)
        scanErrors.reserveCapacity(spec.tasks.count)
        foreach.reserveCapacity(spec.tasks.count)
        inputs.reserveCapacity(spec.tasks.count)
        // The builder as it now stays, taken once: each call from this
        // mutating method to a non-mutating one copied the whole builder.
        let builder = self
        for i in spec.tasks.indices {
            let start = found.count
            let firstTemplate = templates.count
            var errors: [ScanError] = []
            let mapped = spec.tasks[i].foreach != nil
            if let run = spec.tasks[i].run, let text = run.scalar?.text {
                builder.scan(text, node: run, site: .run, slot: .run, task: i, mapped: mapped, into: &found, &templates, errors: &errors)
            }
            for (position, entry) in spec.tasks[i].env.enumerated() {
                guard let text = entry.value.scalar?.text else { continue }
                builder.scan(text, node: entry.value, site: .env(entry.name.value), slot: .env(position), task: i, mapped: mapped,
                     into: &found, &templates, errors: &errors)
            }
            if let label = spec.tasks[i].label, let text = label.scalar?.text {
                builder.scan(text, node: label, site: .label, slot: .label, task: i, mapped: mapped, into: &found, &templates, errors: &errors)
            }
            for (position, entry) in spec.tasks[i].triggerParams.enumerated() {
                guard let text = entry.value.scalar?.text else { continue }
                builder.scan(text, node: entry.value, site: .triggerParam(entry.path.value), slot: .triggerParam(position), task: i, mapped: mapped,
                     into: &found, &templates, errors: &errors)
            }
            templateRanges.append(firstTemplate..<templates.count)
            var fact: ForeachFact?
            if let node = spec.tasks[i].foreach {
                fact = builder.resolveForeach(node, task: i)
                if case .reference(let reference) = fact { found.append(reference) }
            }
            ranges.append(start..<found.count)
            scanErrors.append(errors)
            foreach.append(fact)
            let taskInputs = spec.tasks[i].inputs
            let facts = taskInputs.isEmpty ? [] : taskInputs.map { builder.resolveInput($0, task: i) }
            for input in facts {
                if let from = input.from { found.append(from) }
            }
            inputs.append(facts)
            owners.append(contentsOf: repeatElement(i, count: found.count - start))
        }
        let references = TaskReferences(storage: found, owners: owners, ranges: ranges)
        return PipelineContracts(params: params, paramsIncomplete: paramsIncomplete, paramDiagnostics: paramDiagnostics,
                                 outputs: outputs, references: references,
                                 templates: TaskTemplates(entries: templates, ranges: templateRanges),
                                 scanErrors: scanErrors, foreach: foreach, inputs: inputs)
    }

    /// Scans one `run` or `env` value, once: its references are resolved into
    /// `found`, and its literal text is kept with them in `templates`.
    func scan(_ text: String, node: YAMLNode, site: ReferenceSite, slot: TaskTemplates.Slot, task: Int, mapped: Bool,
              into found: inout [ResolvedReference], _ templates: inout [TaskTemplates.Entry], errors: inout [ScanError]) {
        // Most strings hold no reference at all: skip the scanner for them.
        // (A string without "{" has neither references nor malformed ones.)
        var bytes = text
        let start = found.count
        let hasBrace = bytes.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return false }
            return memchr(base, Int32(UInt8(ascii: "{")), utf8.count) != nil
        }
        guard hasBrace else { return }
        // The value's node, shared by its references (held once, made before
        // the scan: a `var` set by the first reference cost an access check a reference).
        let holder = ResolvedReference.NodeHolder(node)
        func append(_ scanned: ScannedReference) {
            var resolution = resolve(scanned, task: task, mapped: mapped, inForeach: false)
            // The case first: comparing sites (enums with strings) cost more than the rest of this line.
            if case .output = resolution, site == .label { resolution = .failed(.outputInLabel) }
            // Moved, not copied: a copy retained and then released every payload of the resolution.
            found.append(ResolvedReference(site: site, holder: holder, scanned: scanned, resolution: consume resolution))
        }
        // The common case (ASCII, well-formed references) straight into `found`, its text kept as it is.
        if bytes.withUTF8({ TemplateScanner.forEachPlainReference($0, append) }) {
            templates.append(TaskTemplates.Entry(slot: slot, literals: .aroundReferences(text), references: start..<found.count))
        } else {
            // Anything else: drop what the common case took before it stopped, and scan in general.
            found.removeSubrange(start...)
            let result = TemplateScanner.scanTemplateInGeneral(text)
            for error in result.errors { errors.append(ScanError(node: node, error: error, site: site)) }
            for scanned in result.references { append(scanned) }
            templates.append(TaskTemplates.Entry(slot: slot, literals: .texts(result.texts), references: start..<found.count))
        }
    }

    func resolveForeach(_ node: YAMLNode, task: Int) -> ForeachFact {
        guard let scalar = node.scalar, case .string = scalar.resolved else { return .inlineValue(node) }
        switch TemplateScanner.scanBareReference(scalar.text) {
        case .failure(let error): return .notAReference(node, error)
        case .success(let scanned):
            return .reference(ResolvedReference(site: .foreach, holder: ResolvedReference.NodeHolder(node), scanned: scanned,
                                                resolution: resolve(scanned, task: task, mapped: false, inForeach: true)))
        }
    }

    func resolveInput(_ input: InputSpec, task: Int) -> InputFact {
        var fact = InputFact(spec: input, from: nil, fromError: nil, expectedType: nil, columns: [])
        if let from = input.from {
            let scalarNode = YAMLNode(.scalar(YAMLScalar(text: from.value, style: .plain)), range: from.range)
            switch TemplateScanner.scanBareReference(from.value) {
            case .failure(let error): fact.fromError = error
            case .success(let scanned):
                var resolution = resolve(scanned, task: task, mapped: false, inForeach: false)
                if case .param = resolution { resolution = .failed(.needsOutput(task: "params")) }
                if case .item = resolution { resolution = .failed(.needsOutput(task: "item")) }
                if case .itemField = resolution { resolution = .failed(.needsOutput(task: "item")) }
                if case .index = resolution { resolution = .failed(.needsOutput(task: "index")) }
                if case .runID = resolution { resolution = .failed(.needsOutput(task: "run")) }
                if case .runDate = resolution { resolution = .failed(.needsOutput(task: "run")) }
                fact.from = ResolvedReference(site: .input(input.name.value), holder: ResolvedReference.NodeHolder(scalarNode),
                                              scanned: scanned, resolution: resolution)
            }
        }
        if let typeNode = input.type { fact.expectedType = ValueType.parse(typeNode.scalar?.text ?? "") }
        for (name, node) in input.columns {
            let text = node.scalar?.text ?? ""
            let trimmed = text.trimmingCharacters(in: " \t")
            let type: Result<TableColumnType, LiteralError> = TableColumnType(rawValue: trimmed).map { .success($0) }
                ?? .failure(LiteralError(message: "unknown column type \(trimmed.debugDescription); expected one of "
                                         + TableColumnType.allCases.map(\.rawValue).joined(separator: ", "),
                                         offset: 0, length: text.unicodeScalars.count))
            fact.columns.append((name, node, type))
        }
        return fact
    }

    /// Resolves one reference's dotted path as seen from task `task`.
    func resolve(_ scanned: ScannedReference, task: Int, mapped: Bool, inForeach: Bool) -> ResolvedReference.Resolution {
        // The segments themselves: `scanned.path` would build an array per reference.
        let path = scanned.segments
        guard let root = path.first?.name else { return .failed(.unknownRoot("")) }
        switch root {
        case "params":
            guard path.count > 1 else { return .failed(.bareRoot("params")) }
            if let known = paramPaths.resolution(of: path.dropFirst()) { return known }
            let keys = path.dropFirst().map(\.name)
            let resolution: ResolvedReference.Resolution = switch params.lookup(keys) {
            case .found(let entry): .param(keys, entry)
            case .missing(let depth, let candidates):
                paramsIncomplete ? .failed(.paramsUnavailable) : .failed(.unknownParam(depth: depth + 1, candidates: candidates))
            case .notSection(let depth, let entry): .failed(.paramNotSection(depth: depth + 1, entry: entry))
            }
            paramPaths.remember(keys, resolution)
            return resolution
        case "item", "index":
            guard mapped, !inForeach else { return .failed(.outsideForeach(root)) }
            guard path.count == 1 else {
                return root == "item" ? .itemField(path.dropFirst().map(\.name)) : .failed(.itemField)
            }
            return root == "item" ? .item : .index
        case "run":
            guard path.count == 2, path[1].name == "id" || path[1].name == "date" else {
                return .failed(.unknownRunField(path.count > 1 ? path[1].name : ""))
            }
            return path[1].name == "id" ? .runID : .runDate
        default:
            guard let producer = producer(named: root, of: task) else { return .failed(.unknownRoot(root)) }
            guard path.count >= 2 else { return .failed(.needsOutput(task: root)) }
            let byLabel = path.count == 3 && path[2].name == OutputReference.byLabelField && spec.tasks[producer].foreach != nil
            guard path.count == 2 || byLabel else { return .failed(.tooDeep(task: root)) }
            let name = path[1].name
            let type: ValueType
            if let index = outputIndex(producer, name) {
                // An output whose type does not parse is reported by invalid-type; read it as json meanwhile.
                type = outputs[producer][index].parsedType ?? .json
            } else if name == BranchOutput.name, spec.tasks[producer].branch != nil {
                type = BranchOutput.type
            } else {
                return .failed(.unknownOutput(task: producer, candidates: outputs[producer].map(\.name)))
            }
            if producer == task { return .failed(.ownOutput) }
            guard isUpstream(producer, of: task) else { return .failed(.notUpstream(producer: producer)) }
            let isMapped = spec.tasks[producer].foreach != nil
            if byLabel { return .output(producer: producer, OutputReference(task: root, output: name, type: .json, mapped: true, byLabel: true)) }
            return .output(producer: producer, OutputReference(task: root, output: name, type: isMapped ? .list(type) : type, mapped: isMapped))
        }
    }

    /// The task called `name` (the first, if several are), as `graph.index`
    /// answers: found among `task`'s direct upstream tasks first, without
    /// hashing the name, since nearly every output a command reads is of a
    /// task it needs. (An upstream task was resolved from its name in
    /// `needs` by the same index, so the first task of that name is it.)
    func producer(named name: String, of task: Int) -> Int? {
        if task >= 0, task < graph.count {
            for up in graph.upstream[task] where graph.names[up] == name { return up }
        }
        return graph.index[name]
    }

    /// About as many references as `finish` will find, to size their array
    /// once: one per `{{` in the spec's text (every `{{` of a `run`, `env`,
    /// `label` or trigger param value is written there), plus one per
    /// `foreach` and per input. Counted over the whole text in one pass
    /// rather than value by value, which read each task's values again (4.1M
    /// instructions on the bench spec against about 1.5M). A value repeated
    /// through a YAML alias, or with its braces written as escapes, may hold
    /// more than the text shows: the array then grows as any array does.
    func referenceBound() -> Int {
        var text = spec.source.text
        var bound = text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return 0 }
            var found = 0, offset = 0
            while offset < utf8.count, let hit = memchr(base + offset, Int32(UInt8(ascii: "{")), utf8.count - offset) {
                offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                if offset < utf8.count, utf8[offset] == UInt8(ascii: "{") { found += 1; offset += 1 }
            }
            return found
        }
        for t in spec.tasks.indices {
            if spec.tasks[t].foreach != nil { bound += 1 }
            bound += spec.tasks[t].inputs.count
        }
        return bound
    }

    /// The index in `outputs[task]` of the (first) output called `name`.
    func outputIndex(_ task: Int, _ name: String) -> Int? {
        if outputs[task].count > Self.linearOutputLimit, let index = largeOutputIndexes[task] { return index[name] }
        return outputs[task].firstIndex { $0.name == name }
    }

    /// Whether `producer` is a transitive upstream of `consumer`. Direct needs
    /// answer at once (the common case); otherwise a search upward, pruned by
    /// topological rank so a long chain does not cost a whole walk per reference.
    func isUpstream(_ producer: Int, of consumer: Int) -> Bool {
        if graph.upstream[consumer].contains(producer) { return true }
        if let rank, rank[producer] >= rank[consumer] { return false }
        var visited = Set<Int>([consumer])
        var stack = [consumer]
        while let node = stack.popLast() {
            for up in graph.upstream[node] where visited.insert(up).inserted {
                if up == producer { return true }
                if let rank, rank[up] <= rank[producer] { continue }
                stack.append(up)
            }
        }
        return false
    }

    /// Position of each task in a topological order, or nil when there is a cycle.
    func topologicalRank() -> [Int]? {
        let order = TopologicalOrder.sorted(upstream: graph.upstream, downstream: graph.downstream, ready: ReadyInArrivalOrder())
        return order.count == graph.count ? TopologicalOrder.positions(of: order) : nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var view = Substring(self).unicodeScalars
        while let first = view.first, scalars.contains(first) { view.removeFirst() }
        while let last = view.last, scalars.contains(last) { view.removeLast() }
        return String(view)
    }
}
