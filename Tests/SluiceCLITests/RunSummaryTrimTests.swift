import Foundation
@testable import sluice
import Testing

/// The run summary's and `sluice runs`' lines are trimmed without Foundation's
/// `CharacterSet` (its first use cost 0.8M instructions at the end of every run):
/// the result must be exactly `trimmingCharacters(in: .whitespaces)`'s.
struct RunSummaryTrimTests {
    /// Every Unicode scalar alone; and, between others at both ends and in the middle, those
    /// below U+3100 and every separator, control or format scalar (the candidates for the set).
    @Test func trimsExactlyWhatFoundationsWhitespaceSetTrims() {
        var differing: [String] = []
        let candidates: Set<Unicode.GeneralCategory> = [.spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format]
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let s = String(Character(scalar))
            let combined = value < 0x3100 || candidates.contains(scalar.properties.generalCategory)
            for line in combined ? [s, " " + s + "\t", s + "x" + s, "a  " + s, s + "  b", "\u{3000}" + s + "\u{A0}"] : [s] {
                if RunSummary.trimmingHorizontalSpace(line) != line.trimmingCharacters(in: .whitespaces) {
                    differing.append(String(format: "U+%04X in %@", value, line.debugDescription))
                }
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(20))")
    }

    @Test func linesOfTheSummaryKeepTheirInsideAndLoseTheirEnds() {
        #expect(RunSummary.trimmingHorizontalSpace("each [1]  1 success  1      0.0s    ") == "each [1]  1 success  1      0.0s")
        #expect(RunSummary.trimmingHorizontalSpace(" \t\u{2003}x y\u{202F}\t ") == "x y")
        #expect(RunSummary.trimmingHorizontalSpace("line\n  ") == "line\n", "a newline is not a horizontal space")
        #expect(RunSummary.trimmingHorizontalSpace(" \t ") == "")
        #expect(RunSummary.trimmingHorizontalSpace("") == "")
        #expect(RunSummary.trimmingHorizontalSpace("e\u{301} ") == "e\u{301}")
    }
}
