import Testing
import SluiceDiagnostics

/// A long source line is shown cut around the underlined part, so a report
/// grows with the number of diagnostics, not with diagnostics times line length.
struct LongLineExcerptTests {
    static let line = String(repeating: "abcdefghij", count: 1000)  // 10,000 characters

    @Test func longLineIsCutAroundTheUnderline() {
        let report = TextRenderer(useColor: false).render([diagnostic((1, 5001), (1, 5004))]) { _ in Self.line }
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false)
        let excerpt = String(lines[2]), carets = String(lines[3])
        #expect(excerpt.count < 300, "the excerpt is \(excerpt.count) characters")
        #expect(excerpt.hasPrefix("1 | …") && excerpt.hasSuffix("…"))
        // The carets sit under the same characters as in the whole line: "ab..." at column 5001 is an "a".
        let caretColumn = carets.distance(from: carets.startIndex, to: carets.firstIndex(of: "^") ?? carets.endIndex)
        let under = excerpt[excerpt.index(excerpt.startIndex, offsetBy: caretColumn)...].prefix(3)
        #expect(under == "abc", "\(carets)\n\(excerpt)")
        #expect(carets.filter { $0 == "^" }.count == 3)
    }

    @Test func shortLinesAreShownWhole() {
        let text = String(repeating: "x", count: 200)
        let report = TextRenderer(useColor: false).render([diagnostic((1, 10), (1, 12))]) { _ in text }
        #expect(report.contains("1 | " + text + "\n"))
        #expect(!report.contains("…"))
    }

    @Test func reportGrowsLinearlyWithDiagnosticsOnOneLine() {
        let diagnostics = (0..<2000).map { diagnostic((1, 1 + $0 * 5), (1, 3 + $0 * 5), message: "m\($0)") }
        let report = TextRenderer(useColor: false).render(diagnostics) { _ in Self.line }
        // About 300 characters of excerpt per diagnostic, never the 10,000-character line.
        #expect(report.utf8.count < diagnostics.count * 800, "\(report.utf8.count) bytes")
    }
}
