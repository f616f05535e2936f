import SluiceBasics
import Testing

/// The one line splitter every reader of user files uses.
struct TextLinesTests {
    @Test(arguments: [
        ("", [""]),
        ("a", ["a"]),
        ("a\n", ["a", ""]),
        ("a\nb", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b", ""]),
        ("a\r\n\r\nb", ["a", "", "b"]),
        ("mixed\nends\r\nhere\r", ["mixed", "ends", "here"]),
        ("lone\rcarriage\n", ["lone\rcarriage", ""]),
        ("é\r\n中\r\n🚀", ["é", "中", "🚀"]),
    ])
    func splitsOnNewlineBytesAndDropsCarriageReturns(_ text: String, _ expected: [String]) {
        #expect(TextLines.split(text).map(String.init) == expected)
    }

    /// The reason it exists: Swift's `Character` split does not cut CRLF text.
    @Test func characterSplitDoesNotCutCRLF() {
        let text = "# modeline\r\npipeline: p\r\n"
        #expect(text.split(separator: "\n").count == 1)
        #expect(TextLines.nonEmpty(text).map(String.init) == ["# modeline", "pipeline: p"])
    }

    /// LF text splits as `split(separator:omittingEmptySubsequences: false)` splits it.
    @Test func agreesWithCharacterSplitOnLFText() {
        for text in ["", "\n", "\n\n", "a\n\nb\n", "x y\tz\n  indented\n"] {
            #expect(TextLines.split(text) == text.split(separator: "\n", omittingEmptySubsequences: false), "\(text.debugDescription)")
        }
    }

    @Test func substringsSplitWithinTheirBounds() {
        let text = "skip\nkeep1\r\nkeep2\nskip"
        let middle = text.dropFirst(5).dropLast(5)
        #expect(TextLines.split(middle).map(String.init) == ["keep1", "keep2"])
    }

    @Test func byteOrderMarkIsDroppedOnlyAtTheStart() {
        #expect(TextLines.droppingByteOrderMark("\u{FEFF}pipeline: p") == "pipeline: p")
        #expect(TextLines.droppingByteOrderMark("a\u{FEFF}b") == "a\u{FEFF}b")
        #expect(TextLines.droppingByteOrderMark("") == "")
    }
}

/// Line starts and one-line cuts agree with `split`.
struct TextLineStartsTests {
    @Test(arguments: ["", "a", "a\n", "a\r\nb\r\n", "x\n\ny", "é\r\n中\n🚀\r", "no newline at all"])
    func lineStartsCutWhatSplitCuts(_ text: String) {
        let starts = TextLines.lineStarts(text)
        let lines = starts.indices.map { i in
            TextLines.line(of: text, from: starts[i], to: i + 1 < starts.count ? starts[i + 1] - 1 : text.utf8.count)
        }
        #expect(lines.map(String.init) == TextLines.split(text).map(String.init))
    }
}
