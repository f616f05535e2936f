import Foundation
import Testing
@testable import SluiceDiagnostics

/// Whatever positions a check reports and whatever the file holds, no
/// renderer traps: ranges past the end, before the start, on missing lines,
/// over binary or empty text all render something.
@Suite("Renderer robustness")
struct RendererRobustnessTests {
    static let texts = ["", "\n", "a", "\t\t\t", "x: 1\r\n\r\ny: 2", "\u{0}\u{1B}\u{FEFF}é\u{301}日", String(repeating: "ab\n", count: 50)]

    @Test func randomRangesNeverTrap() {
        let positions = [-5, -1, 0, 1, 2, 3, 7, 60, Int.max / 2]
        var diagnostics: [Diagnostic] = []
        for _ in 0..<2_000 {
            diagnostics.append(diagnostic(
                (positions.randomElement() ?? 1, positions.randomElement() ?? 1),
                (positions.randomElement() ?? 1, positions.randomElement() ?? 1),
                file: "f\(Int.random(in: 0..<Self.texts.count))",
                rule: Rule.allCases.randomElement() ?? .cycle,
                severity: Severity.allCases.randomElement(), message: "m\n\u{1B}", notes: ["n"], help: "h"))
        }
        let source: (String) -> String? = { file in
            Int(file.dropFirst()).flatMap { Self.texts.indices.contains($0) ? Self.texts[$0] : nil }
        }
        #expect(!TextRenderer(useColor: true, tabWidth: 3).render(diagnostics, source: source).isEmpty)
        #expect(!JSONRenderer().render(diagnostics, files: 7).isEmpty)
        #expect(!SARIFRenderer(toolVersion: "0").render(diagnostics).isEmpty)
        #expect(!GitHubRenderer().render(diagnostics).isEmpty)
    }

    @Test func sourceLinesSplitLikeLibyaml() {
        var lines = SourceLines("a\r\nb\rc\nd\u{85}e\u{2028}f\u{2029}g\n")
        let all = (1...8).map { lines.line($0).map { String(String.UnicodeScalarView($0)) } }
        #expect(all == ["a", "b", "c", "d", "e", "f", "g", ""])
        #expect(lines.line(9) == nil && lines.line(0) == nil && lines.line(-3) == nil)
    }
}
