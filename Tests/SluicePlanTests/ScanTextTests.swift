import Testing
@testable import SluicePlan

/// `ScanText` (the scanners' text, bytes for ASCII) must answer exactly as
/// `ScalarText` (always scalars) does.
@Suite("ScanText")
struct ScanTextTests {
    @Test(arguments: ["", "abc", "  30s ", "üñí {{ item }}", "a\u{00A0}b", "\u{2003}x\u{3000}", "e\u{301}", "\r\n", "🚀 rocket", "\u{85}x\t"])
    func answersAsScalarTextDoes(text: String) {
        ScanText.with(text) { view in check(view, against: ScalarText(text)) }
    }

    private func check(_ view: ScanText, against reference: ScalarText) {
        #expect(view.count == reference.count)
        for index in -1...reference.count + 1 { #expect(view[safe: index] == reference[safe: index]) }
        for start in -1...reference.count + 1 {
            for end in -1...reference.count + 1 { #expect(view.slice(start, end) == reference.slice(start, end)) }
        }
        #expect(view.trimmedBounds() == reference.trimmedBounds())
        for start in -1...reference.count + 1 {
            let expected = (max(0, start)..<max(max(0, start), reference.count)).first { reference[safe: $0] == "{" } ?? reference.count
            #expect(view.index(ofASCII: UInt8(ascii: "{"), from: start) == expected)
        }
    }

    @Test func asciiShortcutsAgreeWithUnicodeProperties() {
        let scalars = (UInt32(0)...0x7F).compactMap(Unicode.Scalar.init) + ["\u{85}", "\u{A0}", "\u{2028}", "é", "ß", "中", "\u{300}"].flatMap(\.unicodeScalars)
        for scalar in scalars {
            #expect(ScanText.isWhitespace(scalar) == scalar.properties.isWhitespace, "U+\(String(scalar.value, radix: 16))")
            #expect(ScanText.isAlphabetic(scalar) == scalar.properties.isAlphabetic, "U+\(String(scalar.value, radix: 16))")
        }
    }
}
