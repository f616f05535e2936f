import SluiceBasics
import Testing
@testable import SluiceGraph

/// The renderers write labels piece by piece (`EscapedText`); what they
/// write must be what escaping the whole text, joined, gives: `printable` of
/// it, then each format's mapping of each scalar (the renderers' rule before
/// they wrote pieces, kept here as the reference).
struct EscapedTextTests {
    static func dotReference(_ text: String, ampersand: Bool) -> String {
        var out = ""
        for scalar in printable(text).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "&" where ampersand: out += "&amp;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func mermaidReference(_ text: String) -> String {
        var out = ""
        for scalar in printable(text).unicodeScalars {
            switch scalar {
            case "#": out += "#35;"
            case "\"": out += "#quot;"
            case "&": out += "#amp;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "|": out += "#124;"
            case "`": out += "#96;"
            case "%": out += "#37;"
            case "\n": out += "<br>"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `lines` written as one label: each line in pieces, line breaks between the lines.
    static func streamed<E: TextEscaping>(_ lines: [[String]], _: E.Type) -> String {
        var out = ByteBuffer()
        var text = EscapedText<E>()
        for (i, pieces) in lines.enumerated() {
            if i > 0 { text.appendLineBreak(to: &out) }
            for piece in pieces { text.append(piece, to: &out) }
        }
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Pieces that meet at every awkward boundary: a CR ending one piece and
    /// an LF starting the next (or the line break after it), control
    /// characters, escapes of each format, non-ASCII, empty pieces.
    static let alphabet = ["a", "b c", "", "\r", "\n", "\r\n", "\n\r", "\t", "\u{0}", "\u{7F}", "\u{85}", "\u{FFFE}", "\"", "\\", "&",
                           "#", "<br>", "|", "`", "%", "ü", "日本", "🚀", "\\n", "x\r", "\ny"]

    @Test(arguments: 0..<200)
    func piecesEscapeAsTheWholeText(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        let lines = (0...below(4)).map { _ in (0...below(5)).map { _ in Self.alphabet[below(Self.alphabet.count)] } }
        let whole = lines.map { $0.joined() }.joined(separator: "\n")
        #expect(Self.streamed(lines, DOTLabelEscaping.self) == Self.dotReference(whole, ampersand: true), "\(lines)")
        #expect(Self.streamed(lines, DOTIdentifierEscaping.self) == Self.dotReference(whole, ampersand: false), "\(lines)")
        #expect(Self.streamed(lines, MermaidEscaping.self) == Self.mermaidReference(whole), "\(lines)")
    }

    @Test func aCRBeforeTheLineBreakMakesOneBreak() {
        #expect(Self.streamed([["a\r"], ["b"]], DOTLabelEscaping.self) == "a\\nb")
        #expect(Self.streamed([["a", "\r"], ["b"]], MermaidEscaping.self) == "a<br>b")
        #expect(Self.streamed([["a\r", ""], ["b"]], DOTLabelEscaping.self) == "a\\nb", "an empty piece keeps the CR pending")
        #expect(Self.streamed([["a\r", "x"], ["b"]], DOTLabelEscaping.self) == "a\\nx\\nb")
    }
}
