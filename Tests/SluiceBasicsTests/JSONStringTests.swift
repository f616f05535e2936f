import Foundation
import SluiceBasics
import Testing

/// The one JSON string escaper (`JSONString`), table-driven, and its
/// agreement with the parser and with Python's `json`.
@Suite("JSON string escaping")
struct JSONStringTests {
    /// Each row: the text, and exactly how Sluice writes it.
    static let table: [(String, String)] = [
        ("", #""""#),
        ("plain ascii 123", #""plain ascii 123""#),
        ("quote \" backslash \\ slash /", #""quote \" backslash \\ slash /""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{00}\u{01}\u{08}\u{0C}\u{1F}", #""\u0000\u0001\u0008\u000c\u001f""#),
        (" ~", #"" ~""#),
        ("del\u{7F}", #""del\u007f""#),
        ("c1\u{80}\u{85}\u{9B}\u{9F}", #""c1\u0080\u0085\u009b\u009f""#),
        ("nbsp\u{A0}é", "\"nbsp\u{A0}é\""),
        ("line\u{2028}para\u{2029}", #""line\u2028para\u2029""#),
        ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""),
        ("中文 😀 \u{FEFF}", "\"中文 😀 \u{FEFF}\""),
        // Escapes among multi-byte scalars: written scalar by scalar, each in its UTF-8.
        ("é \"😀\u{01}中\u{85}", #""é \"😀\u0001中\u0085""#),
    ]

    @Test(arguments: table)
    func writesEachScalarOneWay(_ text: String, _ expected: String) throws {
        #expect(JSONString.quoted(text) == expected)
        var bytes: [UInt8] = []
        JSONString.write(text, to: &bytes)
        #expect(bytes == Array(expected.utf8))
        #expect(JSON.string(text).compact() == expected)
        #expect(try JSON.parse(expected) == .string(text))
        var writer = JSONBytesWriter(pretty: false)
        Array(text.utf8).withUnsafeBufferPointer { writer.string(utf8: $0) }
        #expect(writer.bytes == Array(expected.utf8), "given as UTF-8 bytes")
    }

    /// Around every edge of the rule, a scalar is written as is exactly when
    /// the rule does not escape it: the byte-level shortcut lets none through.
    @Test func shortcutAgreesWithTheRule() {
        let edges: [ClosedRange<UInt32>] = [0...0x2FF, 0x2000...0x206F, 0xFFF0...0xFFFD, 0x1F600...0x1F601]
        for range in edges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let text = "a" + String(Character(scalar)) + "b"
                let verbatim = JSONString.quoted(text) == "\"" + text + "\""
                #expect(verbatim != JSONString.isEscaped(scalar), "U+\(String(value, radix: 16))")
            }
        }
    }

    /// The shortcut skips plain ASCII eight bytes at a time: a scalar at any
    /// offset of a longer text (in the first word, the last, across two, in
    /// the tail after the last whole word) is still written as is exactly
    /// when the rule does not escape it.
    @Test func shortcutAgreesWithTheRuleAtEveryOffsetOfALongText() {
        let edges: [ClosedRange<UInt32>] = [0...0xFF, 0x2026...0x202A]
        for range in edges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                for offset in 0...19 {
                    let text = String(repeating: "x", count: offset) + String(Character(scalar)) + String(repeating: "y", count: 19 - offset)
                    let verbatim = JSONString.quoted(text) == "\"" + text + "\""
                    #expect(verbatim != JSONString.isEscaped(scalar), "U+\(String(value, radix: 16)) at \(offset)")
                }
            }
        }
    }

    /// What Sluice writes, Python's `json` reads back as the same text, and
    /// what Python writes (escaping everything non-ASCII) Sluice parses.
    @Test func pythonReadsWhatSluiceWritesAndBack() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = ProcessInfo.processInfo.environment["SLUICE_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python3").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "no Python at \(python): set SLUICE_PYTHON")
        let texts = Self.table.map(\.0) + ["\u{10FFFF}", "\u{D7FF}\u{E000}", String(repeating: "x\u{7F}", count: 3)]
        let document = JSON.array(texts.map(JSON.string)).compact()
        let script = """
            import json, sys
            texts = json.loads(sys.stdin.read())
            sys.stdout.write(json.dumps([t.encode('utf-8').hex() for t in texts]) + '\\n')
            sys.stdout.write(json.dumps(texts, ensure_ascii=True))
            """
        let output = try Self.run(python, ["-c", script], input: document)
        let lines = output.split(separator: "\n", maxSplits: 1).map(String.init)
        try #require(lines.count == 2, "python printed \(output)")
        let hex = try JSON.parse(lines[0]).arrayValue?.compactMap(\.stringValue)
        #expect(hex == texts.map { $0.utf8.map { String(format: "%02x", $0) }.joined() })
        #expect(try JSON.parse(lines[1]) == JSON.array(texts.map(JSON.string)))
    }

    static func run(_ executable: String, _ arguments: [String], input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The parser, table-driven: what it accepts and what each gives.
@Suite("JSON parsing")
struct JSONParseTableTests {
    static let accepted: [(String, JSON)] = [
        (#""\/\b\f\n\r\t\"\\""#, .string("/\u{08}\u{0C}\n\r\t\"\\")),
        (#""\u00e9\u00E9""#, .string("éé")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""\u007f\u2028""#, .string("\u{7F}\u{2028}")),
        ("\"raw\u{7F}\u{85}\u{2028}\"", .string("raw\u{7F}\u{85}\u{2028}")),
        (" \t\r\n[ 1 , -0 , 0.5 , 1E2 , 1e-2 ] ", .array([.int(1), .int(0), .double(0.5), .double(100), .double(0.01)])),
        (#"{"a":{"b":[null,true,false]}}"#, .object([("a", .object([("b", .array([.null, .bool(true), .bool(false)]))]))])),
    ]

    @Test(arguments: accepted)
    func parses(_ text: String, _ expected: JSON) throws {
        #expect(try JSON.parse(text) == expected)
    }

    static let refused: [(String, String)] = [
        (#""\x""#, "invalid escape"),
        (#""\u12""#, "short \\u escape"),
        (#""\u12G4""#, "invalid hex digit"),
        (#""\ud83d""#, "lone surrogate"),
        (#""\ud83d\u0041""#, "bad surrogate pair"),
        (#""\ude00""#, "invalid \\u escape"),
        ("\"tab\tinside\"", "control character in string"),
        (#""open"#, "unterminated string"),
        ("+1", "unexpected character"),
        ("[1 2]", "expected ',' or ']'"),
        (#"{"a" 1}"#, "expected ':'"),
        ("nul", "unexpected end of input"),
    ]

    @Test(arguments: refused)
    func refuses(_ text: String, _ message: String) {
        do {
            let value = try JSON.parse(text)
            Issue.record("parsed \(text) as \(value)")
        } catch {
            #expect(error.message == message, "\(text): \(error)")
        }
    }
}
