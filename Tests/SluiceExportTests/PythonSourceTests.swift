import Testing
@testable import SluiceExport
import SluicePlan

@Suite("Python source")
struct PythonSourceTests {
    @Test(arguments: [
        ("plain", "\"plain\""), ("say \"hi\"", "\"say \\\"hi\\\"\""), ("back\\slash", "\"back\\\\slash\""),
        ("two\nlines", "\"two\\nlines\""), ("bell\u{07}", "\"bell\\x07\""), ("ünï 😀", "\"ünï 😀\""),
        ("line\u{2028}sep", "\"line\\u2028sep\""), ("\"\"\" end", "\"\\\"\\\"\\\" end\""),
    ])
    func stringLiteralsCannotEscape(text: String, literal: String) {
        #expect(PythonSource.string(text) == literal)
    }

    @Test func literalsExplodeWithTrailingCommas() {
        let value = JSON.object([("a", .array([.int(1), .double(0.5), .bool(true), .null])), ("b", .object([]))])
        #expect(PythonSource.literal(value, indent: "") == "{\n    \"a\": [\n        1,\n        0.5,\n        True,\n        None,\n    ],\n    \"b\": {},\n}")
    }

    @Test(arguments: [(Int64(3_600_000), "timedelta(hours=1)"), (300_000, "timedelta(minutes=5)"), (30_000, "timedelta(seconds=30)"), (1500, "timedelta(milliseconds=1500)")])
    func durations(milliseconds: Int64, text: String) {
        #expect(PythonSource.timedelta(milliseconds: milliseconds) == text)
    }

    @Test func namesAvoidKeywordsAndEachOther() {
        var names = PythonNames()
        #expect(names.claim("class") == "class_")
        #expect(names.claim("fetch") == "fetch")
        #expect(names.claim("fetch") == "fetch_")
        #expect(names.claim("dag") == "dag_")
    }
}
