import SluiceDiagnostics
import SluiceSpec

/// `path-escape`: a `file` output path or a `deps` path that leaves the
/// workspace (absolute, `~`, or climbing above it with `..`). Tasks must not
/// write, or make their cache depend on, files outside the workspace.
struct PathEscape: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for task in context.spec.tasks {
            for dep in task.deps where Self.escapes(dep.value) {
                sink.emit(.pathEscape, at: dep.range, "\"deps\" of task \"\(task.name.value)\" names \"\(dep.value)\", which is outside the workspace",
                          notes: ["paths resolve against the spec's directory and must stay inside it"],
                          help: "copy the file into the workspace, or name it by a path relative to the spec")
            }
            for output in task.outputs {
                guard let path = output.path, Self.escapes(path.value) else { continue }
                sink.emit(.pathEscape, at: path.range, "output \"\(output.name.value)\" of task \"\(task.name.value)\" would be written to \"\(path.value)\", outside the workspace",
                          notes: ["Sluice never writes outside the workspace"],
                          help: "use a path relative to the spec's directory, without leading \"..\"")
            }
        }
    }

    /// True when `path` is absolute or its `..` components climb above the root.
    static func escapes(_ path: String) -> Bool {
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
