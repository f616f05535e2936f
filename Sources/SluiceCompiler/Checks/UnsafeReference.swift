import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unsafe-reference`: a `{{ }}` in `run` outside the spots where Sluice can
/// prove the shell reads its value as data (`ShellSpots`): inside backquotes,
/// a here-document body, `${…}`, arithmetic (for anything but an integer),
/// the arguments of `eval` or `sh -c`, after a construct the scanner does not
/// follow, or in a command whose quoting does not balance. The executor
/// refuses the same spots in a plan that was never linted.
struct UnsafeReference: TaskRangeCheck {
    func check(_ context: CheckContext, tasks: Range<Int>, into sink: inout DiagnosticSink) {
        var classifier = ShellSpots.Classifier()
        for task in tasks {
            // The `run` as the contracts scanned it: its text around its references, one each.
            guard let run = context.contracts.templates.runSpots(of: task, in: context.contracts.references, using: &classifier),
                  !run.references.isEmpty else { continue }
            for (reference, spot) in zip(run.references, run.spots) {
                if case .failed = reference.resolution { continue }
                switch spot {
                case .unsafe, .arithmetic: break
                default: continue
                }
                // `${{ x }}` is one mistake, GitHub Actions' syntax: `dollar-template` reports it, with its fix.
                if Self.followsDollar(reference, in: context.spec.tasks[task].run) { continue }
                let written = "{{ \(reference.scanned.dotted) }}"
                let place = context.place(reference, task: task)
                let variable = Self.variableName(reference.scanned.path.last ?? "value")
                let fix = "pass it through env: (\(variable): \"\(written)\") and use \"$\(variable)\" in the command"
                switch spot {
                case .unsafe(let spot):
                    sink.emit(.unsafeReference, at: context.range(of: reference),
                              "\(written) \(place) sits \(spot); a value there could run as shell code",
                              notes: [Self.allowList], help: fix)
                case .arithmetic:
                    guard let kind = Self.nonInteger(reference.resolution) else { continue }
                    sink.emit(.unsafeReference, at: context.range(of: reference),
                              "\(written) \(place) sits in arithmetic ($(( )), (( )), let, [[ -eq ]], declare -i) and is \(kind): the shell evaluates that text as an expression, where quotes do not protect it (dash runs a $( ) in it, bash the commands in an array subscript)",
                              notes: ["only an integer (an int output or param, {{ index }}) may go into arithmetic"],
                              help: fix + ", after checking it is a number: case $\(variable) in ''|*[!0-9]*) exit 1;; esac")
                default:
                    continue
                }
            }
        }
    }

    /// Whether the reference is written right after a `$` in the `run` text.
    /// Asked only of the few references in a spot worth reporting: it splits the text into scalars.
    static func followsDollar(_ reference: ResolvedReference, in run: YAMLNode?) -> Bool {
        let offset = reference.scanned.offset
        guard offset > 0, let text = run?.scalar?.text else { return false }
        let scalars = text.unicodeScalars
        guard let index = scalars.index(scalars.startIndex, offsetBy: offset - 1, limitedBy: scalars.endIndex),
              index < scalars.endIndex else { return false }
        return scalars[index] == "$"
    }

    static let allowList = "a value goes only outside quotes, inside '…' or \"…\", in a comment, or as an integer in arithmetic, "
        + "with nothing but $( ) and ( ) around it"

    /// What a reference is, when it may not be an integer; nil when it surely is one.
    static func nonInteger(_ resolution: ResolvedReference.Resolution) -> String? {
        switch resolution {
        case .param(_, let entry):
            if case .scalar(.int) = entry.value { return nil }
            return entry.kindDescription
        case .output(_, let output):
            return output.type == .int ? nil : "declared \(output.type)"
        case .index: return nil
        case .item: return "a foreach item, which may be anything"
        case .itemField: return "a field of a foreach item, which may be anything"
        case .runID, .runDate: return "text"
        case .failed: return nil
        }
    }

    /// An environment variable name for a reference's last segment: `horizon-days` → `HORIZON_DAYS`.
    static func variableName(_ segment: String) -> String {
        var name = String(String.UnicodeScalarView(segment.uppercased().unicodeScalars.map { scalar in
            (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x30 && scalar.value <= 0x39) ? scalar : "_"
        }))
        if let first = name.unicodeScalars.first, first.value >= 0x30 && first.value <= 0x39 { name = "V_" + name }
        return name.isEmpty ? "VALUE" : name
    }
}
