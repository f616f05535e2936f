import SluiceTestSupport
import Testing
@testable import SluicePlan

/// The table that finds every unclosed `{{`'s end in one pass must answer
/// exactly as scanning forward from each `{{` does (the scan it replaced,
/// which made a line of unclosed `{{` quadratic).
struct ClosingBracesTests {
    @Test func tableAnswersAsTheForwardScan() {
        var random = SeededGenerator(seed: 26_7)
        let alphabet: [Unicode.Scalar] = ["{", "}", "\"", "'", "\n", "a", " ", "é"]
        for _ in 0..<3000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &random) { scalars.append(alphabet.randomElement(using: &random)!) }
            let text = String(scalars)
            ScanText.with(text) { view in
                let table = TemplateScanner.ClosingBraces(view)
                for start in 0...(view.count + 1) {
                    #expect(table.close(from: start) == TemplateScanner.closingBraces(view, from: start), "\(text.debugDescription) from \(start)")
                }
            }
        }
    }

    /// Every unclosed `{{` is still reported, at its own offset.
    @Test func everyUnclosedOpeningIsReported() {
        let unclosed = TemplateScanner.scan(String(repeating: "{{", count: 1000))
        #expect(unclosed.errors.count == 1000)
        #expect(unclosed.errors.map(\.offset) == Array(stride(from: 0, to: 2000, by: 2)))
    }
}
