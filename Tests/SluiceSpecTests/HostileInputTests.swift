import Foundation
import SluiceDiagnostics
import SluiceSpec
import Testing

/// Acceptance: no input crashes the front end. Each case must come back with
/// diagnostics (or a clean empty result), never a trap.
struct HostileInputTests {
    static let example = """
        pipeline: sample
        schedule: "0 6 * * 1-5"
        defaults: { retries: 2, retry_delay: 30s }
        tasks:
          fetch:
            run: python3 fetch.py --ticker {{ item }}
            outputs: { prices: "table(date: date, close: float64)" }
          report:
            needs: [fetch]
            run: echo done

        """

    @Test func everyTruncationOfAValidSpec() {
        let bytes = Array(Self.example.utf8)
        for cut in 0...bytes.count {
            let text = String(decoding: bytes[..<cut], as: UTF8.self)
            _ = SpecParser.parse(text, file: "cut.yaml")
        }
    }

    @Test func randomBinary() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = SpecParser.parse(String(decoding: bytes, as: UTF8.self), file: "bin.yaml")
        }
    }

    @Test func nulBytesAndControlCharacters() {
        let (_, diagnostics) = SpecParser.parse("pipeline: a\u{0}b\ntasks: {}\n", file: "nul.yaml")
        #expect(diagnostics.contains { $0.rule == .yamlSyntax })
    }

    @Test func deepNestingTenThousandLevels() {
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let text = "pipeline: deep\ntasks: " + String(repeating: open, count: 10_000) + String(repeating: close, count: 10_000)
            let (_, diagnostics) = SpecParser.parse(text, file: "deep.yaml")
            #expect(diagnostics.contains { $0.rule == .yamlSyntax && $0.message.contains("nesting") })
        }
        let blocks = (0..<10_000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        let (_, diagnostics) = SpecParser.parse(blocks, file: "deep-block.yaml")
        #expect(diagnostics.contains { $0.rule == .yamlSyntax })
    }

    @Test func hugeScalar() {
        let text = "pipeline: big\ntasks:\n  a:\n    run: echo " + String(repeating: "x", count: 8_000_000) + "\n"
        let (spec, diagnostics) = SpecParser.parse(text, file: "huge.yaml")
        #expect(diagnostics.isEmpty)
        #expect(spec.tasks.first?.run?.scalar?.text.utf8.count == 8_000_005)
    }

    @Test func emptyAndWhitespaceOnly() {
        for text in ["", "\n\n", "   ", "# only a comment\n", "---\n"] {
            let (_, diagnostics) = SpecParser.parse(text, file: "empty.yaml")
            #expect(diagnostics.map(\.rule) == [.missingKey], "\(text.debugDescription): \(diagnostics)")
        }
    }

    @Test func wrongKindsEverywhere() {
        let values = ["[]", "{}", "1", "-1", "~", "[[]]", "{a: {b: c}}", "\"\"", "true"]
        for key in SpecParser.topLevelKeys.names + SpecParser.taskKeys.names {
            for value in values {
                let text = "pipeline: p\n\(key): \(value)\ntasks:\n  t:\n    \(key): \(value)\n"
                _ = SpecParser.parse(text, file: "kinds.yaml")
            }
        }
    }
}
