import Testing
@testable import SluicePlan

/// `ScalarText` keeps ASCII text as bytes and other text as scalars; the
/// scanners built on it must answer the same either way.
@Suite("ScalarText")
struct ScalarTextTests {
    @Test(arguments: ["", "abc", "  30s ", "üñí {{ item }}", "a\u{00A0}b", "\u{2003}x\u{3000}", "e\u{301}", "\r\n", "🚀 rocket"])
    func matchesTheScalarsOfTheText(text: String) {
        let scalars = Array(text.unicodeScalars)
        let view = ScalarText(text)
        #expect(view.count == scalars.count)
        for index in -1...scalars.count { #expect(view[safe: index] == (scalars.indices.contains(index) ? scalars[index] : nil)) }
        for start in -1...scalars.count + 1 {
            for end in -1...scalars.count + 1 {
                let lo = max(0, min(start, scalars.count)), hi = max(lo, min(end, scalars.count))
                var expected = String.UnicodeScalarView()
                expected.append(contentsOf: scalars[lo..<hi])
                #expect(view.slice(start, end) == String(expected))
            }
        }
        var start = 0, end = scalars.count
        while start < end, scalars[start].properties.isWhitespace { start += 1 }
        while end > start, scalars[end - 1].properties.isWhitespace { end -= 1 }
        #expect(view.trimmedBounds() == (start, end))
    }

    @Test func asciiShortcutsAgreeWithUnicodeProperties() {
        for value in UInt32(0)...0x7F {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(isWhitespace(scalar) == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
            #expect(isAlphabetic(scalar) == scalar.properties.isAlphabetic, "U+\(String(value, radix: 16))")
        }
        for scalar in ["\u{85}", "\u{A0}", "\u{2028}", "é", "ß", "中", "1", "\u{300}"].flatMap(\.unicodeScalars) {
            #expect(isWhitespace(scalar) == scalar.properties.isWhitespace)
            #expect(isAlphabetic(scalar) == scalar.properties.isAlphabetic)
        }
    }
}
