import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `sluice lsp`: the Language Server Protocol over stdio. One thread reads
/// a message, answers it, and publishes diagnostics for the documents that
/// changed once no further message is waiting, so a burst of keystrokes is
/// checked once, on its newest text, with no timer-based debounce.
public final class LanguageServer {
    private let channel: StdioChannel
    private let keys: KeyDocs
    private let version: String
    private var documents: [String: OpenDocument] = [:]
    /// Documents whose diagnostics are out of date, in the order they changed.
    private var stale: [String] = []
    /// Per open document: the files it last published diagnostics for (its
    /// own, and its params file), so a fixed problem elsewhere is cleared too.
    private var publishedFiles: [String: Set<String>] = [:]
    private var shutdownRequested = false

    /// `schema` gives completion its key documentation (`sluice schema`'s descriptions).
    public init(input: Int32, output: Int32, schema: SpecSchema, version: String) {
        channel = StdioChannel(input: input, output: output)
        keys = KeyDocs(schema)
        self.version = version
    }

    /// Serves until `exit` or the end of input; returns the exit status LSP
    /// asks for (0 after `shutdown`, 1 otherwise).
    public func run() -> Int32 {
        while let frame = channel.read() {
            switch frame {
            case .malformed(let why):
                send(error: -32700, "cannot read the message: \(why)", id: .null)
            case .message(let message):
                if message["method"]?.stringValue == "exit" { return shutdownRequested ? 0 : 1 }
                handle(message)
            }
            if !stale.isEmpty && !channel.hasPendingInput() { publishStale() }
        }
        return shutdownRequested ? 0 : 1
    }

    // MARK: - Dispatch

    private func handle(_ message: JSON) {
        guard let method = message["method"]?.stringValue else { return }  // a response to nothing we asked
        let params = message["params"] ?? .null
        guard let id = message["id"] else {
            notification(method, params)
            return
        }
        if shutdownRequested && method != "shutdown" {
            send(error: -32600, "the server is shutting down", id: id)
            return
        }
        switch method {
        case "initialize": reply(id, initializeResult())
        case "shutdown":
            shutdownRequested = true
            reply(id, .null)
        case "textDocument/definition": reply(id, definition(params))
        case "textDocument/references": reply(id, references(params))
        case "textDocument/prepareRename": reply(id, prepareRename(params))
        case "textDocument/rename":
            switch rename(params) {
            case .success(let edit): reply(id, edit)
            case .failure(let failure): send(error: failure.code, failure.message, id: id)
            }
        case "textDocument/completion": reply(id, completion(params))
        case "textDocument/hover": reply(id, hover(params))
        default: send(error: -32601, "\(method) is not supported", id: id)
        }
    }

    private func notification(_ method: String, _ params: JSON) {
        switch method {
        case "textDocument/didOpen":
            guard let item = params["textDocument"], let uri = item["uri"]?.stringValue, let text = item["text"]?.stringValue else { return }
            let document = OpenDocument(uri: uri, text: text, version: item["version"]?.intValue ?? 0)
            documents[document.path] = document
            changed(document.path)
        case "textDocument/didChange":
            guard let uri = params["textDocument"]?["uri"]?.stringValue, let document = documents[DocumentURI.path(uri)] else { return }
            // Full synchronisation: the last change holds the whole text.
            guard let text = params["contentChanges"]?.arrayValue?.last?["text"]?.stringValue else { return }
            let unchanged = text == document.text
            document.update(text: text, version: params["textDocument"]?["version"]?.intValue ?? 0, keepingAnalysis: unchanged)
            // The same text (an undo back to it, a format that changed nothing) is not checked again,
            // but its diagnostics are published for the new version.
            if !unchanged { changed(document.path) } else if !stale.contains(document.path) { stale.append(document.path) }
        case "textDocument/didClose":
            guard let uri = params["textDocument"]?["uri"]?.stringValue else { return }
            let path = DocumentURI.path(uri)
            documents[path] = nil
            stale.removeAll { $0 == path }
            for file in publishedFiles[path] ?? [] { publish(file, []) }
            publishedFiles[path] = nil
            // What triggered it, or read it as a params file, sees the disk again.
            invalidateAll()
        case "textDocument/didSave", "workspace/didChangeWatchedFiles":
            invalidateAll()
        default:
            break  // initialized, $/cancelRequest, $/setTrace ...: nothing to do
        }
    }

    /// A document's text changed: it is re-checked, and so is every open
    /// spec that may read it (a sibling pipeline a trigger names sits in the
    /// same directory; a params file is named by the spec).
    private func changed(_ path: String) {
        if !stale.contains(path) { stale.insert(path, at: 0) }
        let directory = SpecPaths.directory(of: path)
        for (other, document) in documents where other != path {
            let reads = SpecPaths.directory(of: other) == directory || document.analysis.map { $0.paramsFilePath == path } ?? true
            guard reads else { continue }
            document.analysis = nil
            if !stale.contains(other) { stale.append(other) }
        }
    }

    private func invalidateAll() {
        for (path, document) in documents {
            document.analysis = nil
            if !stale.contains(path) { stale.append(path) }
        }
    }

    private func initializeResult() -> JSON {
        let capabilities: JSON = .object([
            ("textDocumentSync", .object([("openClose", .bool(true)), ("change", .int(1)),
                                          ("save", .object([("includeText", .bool(false))]))])),
            ("definitionProvider", .bool(true)),
            ("referencesProvider", .bool(true)),
            ("renameProvider", .object([("prepareProvider", .bool(true))])),
            ("hoverProvider", .bool(true)),
            ("completionProvider", .object([("triggerCharacters", .array([".", " ", "[", ","].map { .string($0) }))])),
        ])
        return .object([("capabilities", capabilities),
                        ("serverInfo", .object([("name", .string("sluice")), ("version", .string(version))]))])
    }

    // MARK: - Analysis

    /// The open document's analysis, made now if its text changed since.
    func currentAnalysis(_ path: String) -> Analysis? {
        guard let document = documents[path], document.isSpec else { return nil }
        if let done = document.analysis { return done }
        let made = Analysis(path: path, text: document.text, files: editorFiles())
        document.analysis = made
        return made
    }

    private func editorFiles() -> EditorFiles {
        EditorFiles(open: documents.mapValues(\.text))
    }

    /// The document and cursor a `TextDocumentPositionParams` names.
    func target(_ params: JSON) -> (analysis: Analysis, location: SourceLocation)? {
        guard let uri = params["textDocument"]?["uri"]?.stringValue, let analysis = currentAnalysis(DocumentURI.path(uri)),
              let position = LSPPosition(params["position"]) else { return nil }
        return (analysis, analysis.positions.location(position))
    }

    /// Positions in `file`: the open document's, else the file on disk.
    func positions(for file: String, _ analysis: Analysis) -> PositionMap {
        if file == analysis.path { return analysis.positions }
        if let open = documents[file] { return PositionMap(open.text) }
        return PositionMap(analysis.files.read(file) ?? "")
    }

    func location(_ file: String, _ range: SourceRange, _ analysis: Analysis) -> JSON {
        .object([("uri", .string(DocumentURI.uri(file))), ("range", positions(for: file, analysis).range(range))])
    }

    // MARK: - Diagnostics

    private func publishStale() {
        let paths = stale
        stale = []
        for path in paths {
            guard documents[path] != nil else { continue }
            var byFile: [String: [JSON]] = [path: []]
            if let analysis = currentAnalysis(path) {
                for diagnostic in analysis.result.diagnostics {
                    byFile[diagnostic.file, default: []].append(DiagnosticConversion.json(diagnostic, positions(for: diagnostic.file, analysis)))
                }
            }
            let previous = publishedFiles[path] ?? []
            for file in previous.subtracting(byFile.keys) { publish(file, []) }
            for (file, items) in byFile.sorted(by: { $0.key < $1.key }) { publish(file, items) }
            publishedFiles[path] = Set(byFile.keys)
        }
    }

    private func publish(_ file: String, _ diagnostics: [JSON]) {
        var params: [(String, JSON)] = [("uri", .string(documents[file]?.uri ?? DocumentURI.uri(file)))]
        if let document = documents[file] { params.append(("version", .int(document.version))) }
        params.append(("diagnostics", .array(diagnostics)))
        channel.write(.object([("jsonrpc", .string("2.0")), ("method", .string("textDocument/publishDiagnostics")), ("params", .object(params))]))
    }

    // MARK: - Navigation

    private func definition(_ params: JSON) -> JSON {
        guard let (analysis, location) = target(params), let here = analysis.occurrence(at: location) else { return .null }
        if case .pipeline(let id) = here.symbol {
            guard let entry = analysis.result.pipelines.resolve(id, from: analysis.path) else { return .null }
            let range = entry.spec.pipeline?.range ?? SourceRange(at: SourceLocation(line: 1, column: 1))
            return .array([self.location(entry.file, range, analysis)])
        }
        let declarations = analysis.occurrences(of: here.symbol).filter(\.isDeclaration)
        return declarations.isEmpty ? .null : .array(declarations.map { self.location($0.file, $0.range, analysis) })
    }

    private func references(_ params: JSON) -> JSON {
        guard let (analysis, location) = target(params), let here = analysis.occurrence(at: location) else { return .null }
        let includeDeclaration = params["context"]?["includeDeclaration"]?.boolValue ?? true
        let found = analysis.occurrences(of: here.symbol).filter { includeDeclaration || !$0.isDeclaration }
        return .array(found.map { self.location($0.file, $0.range, analysis) })
    }

    /// Only the names a spec owns can be renamed: not the pipeline id, which other files name.
    private func renameable(_ params: JSON) -> (Analysis, Occurrence)? {
        guard let (analysis, location) = target(params), let here = analysis.occurrence(at: location) else { return nil }
        if case .pipeline = here.symbol { return nil }
        return (analysis, here)
    }

    private func prepareRename(_ params: JSON) -> JSON {
        guard let (analysis, here) = renameable(params) else { return .null }
        let range = RenameEdit.nameRange(here.range, in: analysis.positions)
        return .object([("range", analysis.positions.range(range)), ("placeholder", .string(RenameEdit.currentName(here.symbol)))])
    }

    struct RequestFailure: Error {
        var code: Int64
        var message: String
    }

    private func rename(_ params: JSON) -> Result<JSON, RequestFailure> {
        guard let (analysis, here) = renameable(params) else {
            return .failure(RequestFailure(code: -32602, message: "there is no task, output, param or pool here to rename"))
        }
        guard let newName = params["newName"]?.stringValue, RenameEdit.isPlainName(newName) else {
            return .failure(RequestFailure(code: -32602, message: "a new name is letters, digits, \"_\" and \"-\", starting with a letter or \"_\""))
        }
        var changes: [String: [JSON]] = [:]
        for occurrence in analysis.occurrences(of: here.symbol) {
            let map = positions(for: occurrence.file, analysis)
            let range = RenameEdit.nameRange(occurrence.range, in: map)
            changes[DocumentURI.uri(occurrence.file), default: []].append(
                .object([("range", map.range(range)), ("newText", .string(newName))]))
        }
        return .success(.object([("changes", .object(changes.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value)) }))]))
    }

    // MARK: - Replies

    private func reply(_ id: JSON, _ result: JSON) {
        channel.write(.object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)]))
    }

    private func send(error code: Int64, _ message: String, id: JSON) {
        channel.write(.object([("jsonrpc", .string("2.0")), ("id", id),
                               ("error", .object([("code", .int(code)), ("message", .string(message))]))]))
    }

    // Completion and hover live in their own files; they need these.
    var openDocuments: [String: OpenDocument] { documents }
    var keyDocs: KeyDocs { keys }
}

/// Where a rename writes: the name itself, without the quotes of a quoted scalar.
enum RenameEdit {
    static func nameRange(_ range: SourceRange, in positions: PositionMap) -> SourceRange {
        guard range.start.line == range.end.line, range.end.column - range.start.column >= 2,
              let line = positions.source.line(range.start.line) else { return range }
        let scalars = Array(line.unicodeScalars)
        let first = range.start.column - 1, last = range.end.column - 2
        guard first >= 0, last < scalars.count, scalars[first] == scalars[last], scalars[first] == "\"" || scalars[first] == "'" else { return range }
        return SourceRange(start: SourceLocation(line: range.start.line, column: range.start.column + 1),
                           end: SourceLocation(line: range.end.line, column: range.end.column - 1))
    }

    static func currentName(_ symbol: Symbol) -> String {
        switch symbol {
        case .task(let name), .pool(let name), .pipeline(let name): name
        case .output(_, let name): name
        case .param(let path): path.last ?? ""
        }
    }

    /// A name every place a name is written accepts unquoted (a task key,
    /// a `needs` entry, a `{{ }}` segment).
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}
