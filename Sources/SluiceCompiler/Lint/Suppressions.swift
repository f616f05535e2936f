import SluiceDiagnostics

/// Silencing warnings: inline `# sluice: ignore[rule-id, ...]` comments (at
/// the end of the offending line, or alone on the line above it) and
/// `--ignore RULE` (everywhere). A suppression that silences nothing, names
/// no rule or is malformed is itself an `unused-suppression` warning, so
/// stale suppressions do not pile up.
///
/// Only warnings can be silenced. An error means the pipeline cannot be
/// planned or run; hiding it from `lint` would only move the failure to run
/// time, so naming an error rule in a suppression is reported instead.
public enum Suppressions {
    /// `diagnostics` minus the silenced ones, plus the warnings about
    /// suppressions themselves; `ignoring` is applied last, so a rule both
    /// ignored and suppressed inline does not make the comment look unused.
    /// Errors pass through `ignoring` too (callers refuse error rules up front).
    public static func apply(_ diagnostics: [Diagnostic], sources: [SpecSource], ignoring: Set<Rule> = []) -> [Diagnostic] {
        var result = diagnostics
        for source in sources {
            let scan = SuppressionScanner.scan(source.text, file: source.path)
            guard !scan.comments.isEmpty || !scan.malformed.isEmpty else { continue }
            var file = FileSuppressions(file: source.path, comments: scan.comments)
            result = file.filter(result) + scan.malformed
        }
        return ignoring.isEmpty ? result : result.filter { $0.severity == .error || !ignoring.contains($0.rule) }
    }

    /// Whether `rule` may be silenced at all (see the type's comment).
    public static func canSuppress(_ rule: Rule) -> Bool {
        rule.defaultSeverity != .error
    }
}

/// The suppression comments of one file, and which of their entries fired.
private struct FileSuppressions {
    let file: String
    let comments: [SuppressionComment]
    /// Comment indices by the line they silence.
    private let byTarget: [Int: [Int]]
    private var used: [[Bool]]

    init(file: String, comments: [SuppressionComment]) {
        self.file = file
        self.comments = comments
        var byTarget: [Int: [Int]] = [:]
        for (index, comment) in comments.enumerated() {
            if let target = comment.target { byTarget[target, default: []].append(index) }
        }
        self.byTarget = byTarget
        used = comments.map { Array(repeating: false, count: $0.entries.count) }
    }

    /// Drops this file's silenced warnings, then adds the unused-suppression warnings.
    mutating func filter(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        let kept = diagnostics.filter { !silence($0) }
        return kept + comments.indices.flatMap(problems(of:))
    }

    private mutating func silence(_ diagnostic: Diagnostic) -> Bool {
        guard diagnostic.file == file, diagnostic.severity != .error,
              let candidates = byTarget[diagnostic.range.start.line] else { return false }
        var silenced = false
        for c in candidates {
            for (e, entry) in comments[c].entries.enumerated() where entry.id == diagnostic.rule.id {
                used[c][e] = true
                silenced = true
            }
        }
        return silenced
    }

    /// The warnings for one comment. Listing `unused-suppression` in a comment
    /// keeps its other entries quiet (for a suppression that only sometimes
    /// applies), and is reported itself only when there was nothing to quiet.
    private func problems(of c: Int) -> [Diagnostic] {
        let comment = comments[c]
        let selfID = Rule.unusedSuppression.id
        let others = comment.entries.indices.filter { comment.entries[$0].id != selfID }
            .compactMap { problem(comment, entry: $0, used: used[c][$0]) }
        let quieting = comment.entries.filter { $0.id == selfID }
        guard !quieting.isEmpty else { return others }
        if !others.isEmpty { return [] }
        return quieting.map {
            warning(at: $0, "suppression of \"\(selfID)\" silences nothing: every other rule the comment lists applies",
                    help: comment.entries.count == 1 ? "remove the comment" : "remove \"\(selfID)\" from the list")
        }
    }

    private func problem(_ comment: SuppressionComment, entry e: Int, used: Bool) -> Diagnostic? {
        let entry = comment.entries[e]
        guard let rule = Rule(rawValue: entry.id) else {
            let suggestion = RuleDoc.suggestion(for: entry.id)
            return warning(at: entry, "suppression names \"\(entry.id)\", which is not a sluice rule",
                           help: suggestion.map { "did you mean \"\($0)\"?" } ?? "run \"sluice explain\" to list the rules")
        }
        guard Suppressions.canSuppress(rule) else {
            return warning(at: entry, "\"\(entry.id)\" is an error and cannot be suppressed",
                           notes: ["a spec with errors cannot be planned or run, so hiding the error would only delay it"],
                           help: "fix the error; run \"sluice explain \(entry.id)\" for how")
        }
        return used ? nil : unused(entry, in: comment)
    }

    private func unused(_ entry: SuppressionComment.Entry, in comment: SuppressionComment) -> Diagnostic {
        let reason = comment.target.map { "line \($0) has no \"\(entry.id)\" warning" } ?? "no line follows the comment"
        let help = comment.entries.count == 1 ? "remove the comment" : "remove \"\(entry.id)\" from the list"
        return warning(at: entry, "suppression of \"\(entry.id)\" silences nothing: \(reason)", help: help)
    }

    private func warning(at entry: SuppressionComment.Entry, _ message: String, notes: [String] = [], help: String) -> Diagnostic {
        Diagnostic(file: file, range: entry.range, rule: .unusedSuppression, message: message, notes: notes, help: help)
    }
}
