import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `missing-deps`: a `deps` entry that names nothing on disk, or a glob.
/// The executor hashes each `deps` path into the task's cache key; a path
/// that does not exist always hashes as "missing", so editing the file it
/// was meant to name never re-runs the task. Globs are not expanded: `*.py`
/// is a file literally named `*.py`. Paths resolve as the executor hashes
/// them (`WorkspacePaths.depsFile`: relative to the workspace, the spec's
/// directory or its `workdir`).
struct MissingDeps: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let tasks = context.spec.tasks
        let workspace = WorkspacePaths.workspace(specFile: context.spec.file, workdir: context.spec.workdir?.value)
        // Tasks mostly name the same few files: each distinct entry is resolved and looked up once.
        var known: [String: (resolved: String, exists: Bool)] = [:]
        for t in tasks.indices {
            // A path outside the workspace is already a `path-escape` error.
            for dep in tasks[t].deps where !PathEscape.escapes(dep.value) {
                let task = tasks[t].name.value
                if Self.isGlob(dep.value) {
                    sink.emit(.missingDeps, at: dep.range, "\"deps\" of task \"\(task)\" names \"\(dep.value)\", a glob; deps are paths and globs are not expanded",
                              notes: ["a directory in deps stands for every file below it"],
                              help: "list the files, or name the directory that holds them")
                    continue
                }
                let (resolved, exists) = Self.lookUp(dep.value, inWorkspace: workspace, files: context.files, known: &known)
                guard !exists else { continue }
                sink.emit(.missingDeps, at: dep.range, "\"deps\" of task \"\(task)\" names \"\(dep.value)\", which does not exist (looked for \"\(resolved)\")",
                          notes: ["deps are relative to the workspace (the directory the task runs in: the spec's directory, or its workdir); a missing file is hashed as \"missing\", so editing the file meant here never re-runs the task"],
                          help: "fix the path, or remove the entry")
            }
        }
    }

    /// Where `entry` resolves to and whether it exists, from `known` when an
    /// earlier task named the same entry.
    static func lookUp(_ entry: String, inWorkspace workspace: String, files: any ProjectFiles,
                       known: inout [String: (resolved: String, exists: Bool)]) -> (resolved: String, exists: Bool) {
        if let found = known[entry] { return found }
        let resolved = WorkspacePaths.depsFile(entry, inWorkspace: workspace)
        let found = (resolved: resolved, exists: files.exists(resolved))
        known[entry] = found
        return found
    }

    /// `*`, `?` or `[`: what a shell or `glob(3)` would expand.
    static func isGlob(_ path: String) -> Bool {
        path.unicodeScalars.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }
}
