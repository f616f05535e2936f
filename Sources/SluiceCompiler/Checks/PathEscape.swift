import SluiceDiagnostics
import SluiceSpec

/// `path-escape`: a `file` output path, a `deps` path or the `params_file`
/// that leaves the workspace (absolute, `~`, or climbing above it with `..`).
/// Tasks must not write, or make their cache depend on, files outside the
/// workspace; and a spec must not make lint print, or a plan or export carry,
/// the lines of any file the user can read (`params_file: /etc/passwd`).
struct PathEscape: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        if let paramsFile = context.spec.paramsFile, Self.escapes(paramsFile.value) {
            // PipelineContracts.loadParams does not read it.
            sink.emit(.pathEscape, at: paramsFile.range, "\"params_file\" names \"\(paramsFile.value)\", which is outside the workspace",
                      notes: ["Sluice reads no file outside the workspace: lint would print its lines, and plans and exports would carry its values"],
                      help: "copy the params file into the workspace, or name it by a path relative to the spec")
        }
        // By index: `for task in tasks` would copy every task, with all its fields.
        let tasks = context.spec.tasks
        for t in tasks.indices {
            for dep in tasks[t].deps where Self.escapes(dep.value) {
                sink.emit(.pathEscape, at: dep.range, "\"deps\" of task \"\(tasks[t].name.value)\" names \"\(dep.value)\", which is outside the workspace",
                          notes: ["deps paths resolve against the workspace, where each task runs, and must stay inside it"],
                          help: "copy the file into the workspace, or name it by a path relative to the workspace")
            }
            for output in tasks[t].outputs {
                guard let path = output.path, Self.escapes(path.value) else { continue }
                sink.emit(.pathEscape, at: path.range, "output \"\(output.name.value)\" of task \"\(tasks[t].name.value)\" would be written to \"\(path.value)\", outside the workspace",
                          notes: ["Sluice never writes outside the workspace"],
                          help: "use a path relative to the spec's directory, without leading \"..\"")
            }
        }
    }

    /// True when `path` is absolute or its `..` components climb above the root.
    static func escapes(_ path: String) -> Bool {
        var text = path
        return text.withUTF8 { bytes in
            // Byte by byte when every character is one ASCII byte (`\r\n` is
            // one character): the same answer without splitting into strings.
            guard TextBytes.isSingleByteCharacters(bytes) else { return escapesByCharacters(path) }
            return escapes(ascii: bytes)
        }
    }

    private static func escapes(ascii path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = path.first else { return false }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "~") || first == UInt8(ascii: "\\") { return true }
        if path.count >= 2, path[1] == UInt8(ascii: ":") { return true } // C:\...
        var depth = 0
        var start = 0
        for end in 0...path.count where end == path.count || path[end] == UInt8(ascii: "/") || path[end] == UInt8(ascii: "\\") {
            defer { start = end + 1 }
            let length = end - start
            guard length > 0 else { continue }
            let isDot = path[start] == UInt8(ascii: ".")
            if length == 1, isDot { continue }
            depth += length == 2 && isDot && path[start + 1] == UInt8(ascii: ".") ? -1 : 1
            if depth < 0 { return true }
        }
        return false
    }

    private static func escapesByCharacters(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix("\\") { return true }
        if path.count >= 2, path.dropFirst().first == ":" { return true } // C:\...
        var depth = 0
        for component in path.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 { return true }
        }
        return false
    }
}
