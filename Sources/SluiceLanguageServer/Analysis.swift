import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// A name the editor can navigate: where it is declared and everywhere it is used.
enum Symbol: Hashable {
    case task(String)
    case output(task: String, name: String)
    /// A params path without the leading `params`.
    case param([String])
    case pool(String)
    case pipeline(String)
}

/// One place a symbol is written.
struct Occurrence {
    var symbol: Symbol
    var file: String
    var range: SourceRange
    var isDeclaration: Bool
}

/// What the compiler made of one open document: its diagnostics (the full
/// `sluice lint` of it, with the open documents and the disk around it) and,
/// when asked for, every navigable name in it.
final class Analysis {
    let path: String
    let result: LintResult
    let positions: PositionMap
    let files: EditorFiles
    private var builtOccurrences: [Occurrence]?

    init(path: String, text: String, files: EditorFiles) {
        self.path = path
        self.files = files
        // As `sluice lint` reads files: without a byte order mark (editors keep it out of the buffer too).
        var text = text
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        result = Linter.lint([SpecSource(path: path, text: text)], files: files)
        positions = PositionMap(result.specs.first?.source ?? SourceText(text))
    }

    var spec: PipelineSpec? { result.specs.first }
    var checked: CheckedPipeline? { result.checked.first }

    var occurrences: [Occurrence] {
        if let builtOccurrences { return builtOccurrences }
        let made = checked.map { SymbolCollector.collect($0, files: files) } ?? []
        builtOccurrences = made
        return made
    }

    /// The symbol written at `location` in this document.
    func occurrence(at location: SourceLocation) -> Occurrence? {
        // The narrowest: a `{{ a.b }}` segment rather than anything wider around it.
        occurrences.filter { $0.file == path && $0.range.touches(location) }
            .min { width($0.range) < width($1.range) }
    }

    /// In file order, then source order.
    func occurrences(of symbol: Symbol) -> [Occurrence] {
        occurrences.filter { $0.symbol == symbol }.sorted { ($0.file, $0.range) < ($1.file, $1.range) }
    }

    private func width(_ range: SourceRange) -> Int {
        (range.end.line - range.start.line) * 100_000 + range.end.column - range.start.column
    }

    /// The params file's path as the compiler resolved it, when it read one.
    var paramsFilePath: String? {
        guard let spec, let file = spec.paramsFile else { return nil }
        return SpecPaths.join(SpecPaths.directory(of: spec.file), file.value)
    }
}

/// Walks a checked spec for every name it declares or uses.
enum SymbolCollector {
    static func collect(_ pipeline: CheckedPipeline, files: EditorFiles) -> [Occurrence] {
        let spec = pipeline.spec
        let file = spec.file
        var found: [Occurrence] = []
        func add(_ symbol: Symbol, _ range: SourceRange, declaration: Bool = false, in path: String? = nil) {
            found.append(Occurrence(symbol: symbol, file: path ?? file, range: range, isDeclaration: declaration))
        }
        if let id = spec.pipeline { add(.pipeline(id.value), id.range, declaration: true) }
        for pool in spec.pools { add(.pool(pool.name.value), pool.name.range, declaration: true) }
        if let pool = spec.defaults.pool { add(.pool(pool.value), pool.range) }
        for task in spec.tasks {
            let name = task.name.value
            add(.task(name), task.name.range, declaration: true)
            for need in task.needs { add(.task(need.value), need.range) }
            for choice in task.branch ?? [] { add(.task(choice.value), choice.range) }
            for output in task.outputs { add(.output(task: name, name: output.name.value), output.name.range, declaration: true) }
            if let trigger = task.trigger { add(.pipeline(trigger.value), trigger.range) }
            if let pool = task.settings.pool { add(.pool(pool.value), pool.range) }
        }
        let locator = ReferenceLocator(pipeline)
        let tasks = Set(pipeline.graph.names)
        for (_, reference) in locator.allReferences {
            let path = reference.scanned.path
            guard let root = path.first else { continue }
            if root == "params" {
                for depth in path.indices.dropFirst() {
                    add(.param(Array(path[1...depth])), locator.range(of: reference, segments: depth, depth + 1))
                }
            } else if tasks.contains(root) {
                add(.task(root), locator.range(of: reference, segments: 0, 1))
                if path.count == 2 { add(.output(task: root, name: path[1]), locator.range(of: reference, segments: 1, 2)) }
            }
        }
        // Param declarations: the params file's (when the compiler read it), then the inline ones over them.
        if let paramsFile = spec.paramsFile {
            let path = SpecPaths.join(SpecPaths.directory(of: file), paramsFile.value)
            let wasRead = pipeline.contracts.params.root.contains { $0.entry.file == path }
            if wasRead, let text = files.read(path), let root = YAMLParser.parse(text, file: path).root {
                paramKeys(root, under: [], file: path) { add(.param($0), $1, declaration: true, in: path) }
            }
        }
        if let params = spec.params {
            paramKeys(params, under: [], file: file) { add(.param($0), $1, declaration: true) }
        }
        return found
    }

    /// Every key of a params mapping with its path, sections included.
    static func paramKeys(_ node: YAMLNode, under prefix: [String], file: String, depth: Int = 0, _ visit: ([String], SourceRange) -> Void) {
        guard depth < 64, let pairs = node.mapping else { return }
        for pair in pairs {
            guard let key = pair.key.keyText else { continue }
            visit(prefix + [key], pair.key.range)
            paramKeys(pair.value, under: prefix + [key], file: file, depth: depth + 1, visit)
        }
    }
}
