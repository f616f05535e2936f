/// Where the paths a spec names point, as one rule for the compiler (lowering,
/// lint) and the executor (hashing `deps`). Pure string arithmetic: nothing
/// here reads the disk or the process's current directory, so a spec means
/// the same files whichever directory `sluice` was started in.
///
/// `deps` entries are relative to the workspace: the directory every task's
/// `run` starts in (the spec's directory, or its `workdir`), so a spec names a
/// script in `deps` exactly as its `run` does (`run: python3 scripts/a.py`,
/// `deps: [scripts/a.py]`), as DVC's `deps` are relative to a stage's `wdir`.
public enum WorkspacePaths {
    /// The workspace of a spec: its directory, or `workdir` resolved against
    /// it. Relative to wherever `specFile` is relative to (normally the
    /// directory `sluice` runs in); `.` for a spec in that directory.
    public static func workspace(specFile: String, workdir: String?) -> String {
        let directory = directory(of: specFile)
        guard let workdir else { return normalize(directory.isEmpty ? "." : directory) }
        if workdir.hasPrefix("/") || directory.isEmpty { return normalize(workdir) }
        return normalize(directory + "/" + workdir)
    }

    /// A `deps` entry as the plan holds it and `--explain` names it:
    /// relative to the workspace, normalized (`./scripts/../scripts/a.py` is
    /// `scripts/a.py`), so two spellings of one file are one key component.
    public static func depsEntry(_ entry: String) -> String { normalize(entry) }

    /// The file a `deps` entry names, to hash or to look for: the entry under
    /// `workspace` (an absolute entry, which lint rejects, is taken as it is).
    public static func depsFile(_ entry: String, inWorkspace workspace: String) -> String {
        let normalized = depsEntry(entry)
        if normalized.hasPrefix("/") { return normalized }
        if normalized == "." { return workspace }
        if workspace == "." { return normalized }
        return workspace.hasSuffix("/") ? workspace + normalized : workspace + "/" + normalized
    }

    /// The directory part of `path`, "" for a bare file name.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Removes `.` and empty components and folds `x/..`; keeps a leading `..`.
    public static func normalize(_ path: String) -> String {
        if isNormal(path) { return path }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", absolute, parts.isEmpty { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Whether `normalize` would return `path` as it is (most `deps` entries,
    /// `scripts/step.py`): not empty, no empty, `.` or `..` component, no
    /// trailing slash. Decided on the bytes, without splitting.
    static func isNormal(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes -> Bool in
            guard let last = bytes.last, last != UInt8(ascii: "/") else { return false }
            // Each component is the bytes after a slash (or the start, for a relative path).
            var start = bytes.first == UInt8(ascii: "/") ? 1 : 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                let length = end - start
                if length == 0 { return false }
                if bytes[start] == UInt8(ascii: "."), length == 1 || (length == 2 && bytes[start + 1] == UInt8(ascii: ".")) {
                    return false
                }
                start = end + 1
            }
            return true
        }
    }
}
