import SluiceDiagnostics
import SluiceSpec

/// `dollar-template`: `${{ params.x }}`, GitHub Actions' expression syntax.
/// Sluice references have no `$`: the `{{ }}` is substituted and the `$`
/// stays in the command, so the shell sees `$` glued to the quoted value
/// (`$'eu'`, which bash reads as `eu` and dash as `$eu`), never what was meant.
struct DollarTemplate: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let all = context.allReferences
        // Read in place: copying each reference out (its site, scanned path and
        // resolution) cost more than the rest of the check on a large spec.
        all.references.storage.withUnsafeBufferPointer { references in
            // References of one scalar are consecutive; each scalar's text is read once.
            var dollarsOfHolder: (holder: ObjectIdentifier, offsets: Set<Int>)?
            for position in references.indices {
                let holder = ObjectIdentifier(references[position].holder)
                if dollarsOfHolder?.holder != holder {
                    dollarsOfHolder = (holder, Self.dollarBraceOffsets(references[position].node.scalar?.text ?? ""))
                }
                // The `$` sits right before the reference's `{{` (scanned offsets count Unicode scalars).
                let offset = references[position].scanned.offset
                guard offset > 0, dollarsOfHolder?.offsets.contains(offset - 1) == true else { continue }
                let (task, reference) = all[position]
                report(reference, task: task, context, into: &sink)
            }
        }
    }

    private func report(_ reference: ResolvedReference, task: Int, _ context: CheckContext, into sink: inout DiagnosticSink) {
        let written = "{{ \(reference.scanned.dotted) }}"
        sink.emit(.dollarTemplate, at: context.locate(reference.node, offset: reference.scanned.offset - 1, length: reference.scanned.length + 1),
                  "\"$\(written)\" \(context.place(reference, task: task)) is GitHub Actions syntax: the \"$\" is not part of a Sluice reference",
                  notes: ["the \"$\" stays in the command, glued to the substituted value"],
                  help: "write \(written); for a literal \"$\" before the value, write \(Self.literalDollar(before: written, inRun: reference.site == .run))")
    }

    /// A `$` the shell keeps as text in `run` is a quoted one (`'$'`): a bare
    /// `$` glued to the substituted value would start an expansion, which
    /// `unsafe-reference` refuses. Elsewhere nothing expands, and `{{ "$" }}`
    /// writes the `$` in a way this rule does not mistake for the habit.
    static func literalDollar(before written: String, inRun: Bool) -> String {
        inRun ? "'$'" + written : "{{ \"$\" }}" + written
    }

    /// Offsets (in Unicode scalars) of every `$` followed by `{{`.
    static func dollarBraceOffsets(_ text: String) -> Set<Int> {
        // Read on the UTF-8: `$` and `{` are one byte each, no byte of a longer
        // character equals them, and every byte but a continuation byte
        // (0b10xxxxxx) starts a scalar, which counts the offsets. The bytes
        // are read in place (iterating `text.utf8` cost several times more a
        // byte), and only a text holding a `$` is counted at all.
        var text = text
        return text.withUTF8 { bytes in
            var offsets = Set<Int>()
            guard bytes.contains(UInt8(ascii: "$")) else { return offsets }
            var scalar = -1
            var previous: UInt8 = 0, beforePrevious: UInt8 = 0
            for byte in bytes {
                if byte & 0xC0 != 0x80 { scalar += 1 }
                if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "{"), beforePrevious == UInt8(ascii: "$") {
                    offsets.insert(scalar - 2)
                }
                (beforePrevious, previous) = (previous, byte)
            }
            return offsets
        }
    }
}
