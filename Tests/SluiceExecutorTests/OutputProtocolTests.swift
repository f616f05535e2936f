import Foundation
import Testing
import SluicePlan
@testable import SluiceExecutor

private let declared: [String: ValueType] = ["rows": .int, "rmse": .float, "ok": .bool, "name": .string,
                                              "tags": .list(.string), "scores": .json]

@Test func lineFormReadsEachValueByItsType() throws {
    let text = "rows=42\nrmse=0.5\nok=true\nname= spaced out \ntags=[\"a\",\"b\"]\nscores={\"x\":1}\n"
    let values = try OutputsFile.parse(text, declared: declared, masker: .noSecrets)
    #expect(values["rows"] == .int(42))
    #expect(values["rmse"] == .double(0.5))
    #expect(values["ok"] == .bool(true))
    #expect(values["name"] == .string(" spaced out "), "strings are verbatim")
    #expect(values["tags"] == .array([.string("a"), .string("b")]))
    #expect(values["scores"] == .object([("x", .int(1))]))
}

@Test func heredocFormKeepsNewlinesAndLaterLinesWin() throws {
    let text = "name=first\nname<<EOF\nline one\nname=not an assignment\nEOF\n"
    let values = try OutputsFile.parse(text, declared: declared, masker: .noSecrets)
    #expect(values["name"] == .string("line one\nname=not an assignment"))
}

@Test func jsonObjectFormIsCheckedAgainstTheTypes() throws {
    let values = try OutputsFile.parse(#"  {"rows": 3, "rmse": 2, "tags": []}"#, declared: declared, masker: .noSecrets)
    #expect(values["rmse"] == .double(2), "an integer widens to a float")
    #expect(throws: OutputError.self) { try OutputsFile.parse(#"{"rows": "3"}"#, declared: declared, masker: .noSecrets) }
}

@Test(arguments: [
    ("rows=4.5\n", "output \"rows\" is declared int"),
    ("rmse=0x10\n", "output \"rmse\" is declared float"),
    ("rmse=nan\n", "output \"rmse\" is declared float"),
    ("ok=yes\n", "output \"ok\" is declared bool"),
    ("tags=[1]\n", "item 0"),
    ("extra=1\n", "does not declare"),
    ("name<<EOF\nnever closed\n", "never closed"),
    ("just text\n", "expected name=value"),
])
func badOutputsAreNamed(_ text: String, _ fragment: String) {
    do {
        _ = try OutputsFile.parse(text, declared: declared, masker: .noSecrets)
        Issue.record("\(text.debugDescription) should fail")
    } catch {
        #expect(error.message.contains(fragment), "\(error.message)")
    }
}

@Test func shellQuotingSurvivesTheShell() throws {
    let hostile = ["$(touch pwned)", "'; rm -rf x; '", "`id`", "a'b\"c\\d", "new\nline", "'\u{301}", "", "  spaces  ", "*", "ünï©ødé 🚀"]
    for value in hostile {
        let command = "printf %s " + ValueRendering.shellQuote(value)
        let output = try shell(command)
        #expect(output == value, "round trip of \(value.debugDescription)")
    }
}

@Test func valuesRenderByType() {
    #expect(ValueRendering.shellWords(.array([.string("a b"), .string("c")]), type: .list(.string)) == "'a b' 'c'")
    #expect(ValueRendering.shellWords(.array([]), type: .list(.int)) == "")
    #expect(ValueRendering.shellWords(.object([("k", .string("v"))]), type: .json) == #"'{"k":"v"}'"#)
    #expect(ValueRendering.shellWords(.string("x"), type: .json) == #"'"x"'"#)
    #expect(ValueRendering.shellWords(.double(1.5), type: .float) == "1.5")
    #expect(ValueRendering.shellWords(.bool(true), type: nil) == "true")
    #expect(ValueRendering.shellWords(.array([.int(1), .string("two")]), type: nil) == "1 'two'")
}

@Test func maskingCatchesSecretsAcrossChunkBoundaries() {
    let masker = SecretMasker(values: ["hunter2", "hunter2-long", ""])
    #expect(masker.mask("pw=hunter2-long and hunter2.") == "pw=*** and ***.")
    let text = Array("aaa hunter2 bbb hunter2-long ccc hunte".utf8)
    for cut in 0...text.count {
        var stream = SecretMasker.Stream(masker: masker)
        var out = stream.feed(Array(text[0..<cut]))
        out += stream.feed(Array(text[cut...]))
        out += stream.finish()
        #expect(String(decoding: out, as: UTF8.self) == "aaa *** bbb *** ccc hunte", "cut at \(cut)")
    }
    #expect(masker.mask(JSON.object([("k", .array([.string("xhunter2x")]))])) == .object([("k", .array([.string("x***x")]))]))
}

@Test func timestampsRoundTrip() throws {
    for micros: Int64 in [0, 1_795_000_000_123_000, 951_782_400_000_000, 4_102_444_799_999_000] {
        let text = Timestamp.iso(micros)
        #expect(Timestamp.parse(text) == micros, "\(text)")
    }
    #expect(Timestamp.iso(1_795_000_000_123_456) == "2026-11-18T11:06:40.123Z")
    #expect(Timestamp.compact(1_795_000_000_123_456) == "20261118T110640.123Z")
    // Written digit by digit: the same fields as `compact` (each padded on its own), over the years 0000 to 9999.
    let first = try #require(Timestamp.parse("0000-01-01T00:00:00.000Z"))
    let last = try #require(Timestamp.parse("9999-12-31T23:59:59.999Z")) + 999
    for step in 0...4_000 as ClosedRange<Int64> {
        let micros = min(last, first + (last - first) / 4_000 * step + step * 7_777_777)
        let c = Array(Timestamp.compact(micros))
        func part(_ from: Int, _ to: Int) -> String { String(c[from..<to]) }
        let expected = part(0, 4) + "-" + part(4, 6) + "-" + part(6, 8) + "T" + part(9, 11) + ":" + part(11, 13) + ":" + part(13, 15) + "." + part(16, 19) + "Z"
        #expect(Timestamp.iso(micros) == expected)
    }
    #expect(Timestamp.iso(last) == "9999-12-31T23:59:59.999Z")
    #expect(Timestamp.iso(first) == "0000-01-01T00:00:00.000Z")
}

@Test func retryDelaysDoubleAndCapAtAnHour() {
    let exponential = task("t", retries: 20, retryDelay: 1000, backoff: .exponential)
    #expect((1...4).map { Executor.retryDelay(exponential, failedAttempt: $0) } == [1000, 2000, 4000, 8000])
    #expect(Executor.retryDelay(exponential, failedAttempt: 30) == 3_600_000)
    let fixed = task("t", retries: 3, retryDelay: 1500)
    #expect((1...3).map { Executor.retryDelay(fixed, failedAttempt: $0) } == [1500, 1500, 1500])
}

@Test func envFilesReadLikeDotenv() throws {
    let entries = try EnvFile.parse("# comment\n\nexport A=1\nB = \"two words\"\nC='x=y'\n", name: ".env")
    #expect(entries.map(\.0) == ["A", "B", "C"])
    #expect(entries.map(\.1) == ["1", "two words", "x=y"])
    #expect(throws: EnvFile.Failure.self) { try EnvFile.parse("no equals sign\n", name: ".env") }
}

/// Runs `/bin/sh -c command` and returns its stdout.
func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
