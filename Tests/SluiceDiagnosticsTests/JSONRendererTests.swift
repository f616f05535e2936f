import Foundation
import Testing
@testable import SluiceDiagnostics

@Suite("JSONRenderer")
struct JSONRendererTests {
    let sample = [
        diagnostic((12, 13), (12, 16), message: #"task "report" needs "lod""#, notes: ["n1"], help: #"did you mean "load"?"#),
        diagnostic((3, 1), (3, 9), file: "pipelines/a.yaml", rule: .unusedOutput, message: "tab\there"),
    ]

    @Test func rendersTheDesignShapeExactly() {
        #expect(JSONRenderer().render(sample, files: 3) == #"""
            {
              "diagnostics": [
                {
                  "column": 1,
                  "end_column": 9,
                  "end_line": 3,
                  "file": "pipelines/a.yaml",
                  "line": 3,
                  "message": "tab\there",
                  "notes": [],
                  "rule": "unused-output",
                  "severity": "warning"
                },
                {
                  "column": 13,
                  "end_column": 16,
                  "end_line": 12,
                  "file": "pipelines/x.yaml",
                  "line": 12,
                  "message": "task \"report\" needs \"lod\"",
                  "notes": [
                    "n1",
                    "help: did you mean \"load\"?"
                  ],
                  "rule": "unknown-task",
                  "severity": "error"
                }
              ],
              "summary": {
                "errors": 1,
                "files": 3,
                "warnings": 1
              },
              "version": 1
            }

            """#)
    }

    /// What CI tools rely on: exactly these keys, with these JSON types.
    @Test func parsesWithExactKeysAndTypes() throws {
        let text = JSONRenderer().render(sample, files: 3)
        // JSONSerialization cannot tell 1 from true on Linux, so check the text for booleans.
        #expect(!text.contains("true") && !text.contains("false"))
        let data = Data(text.utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(root.keys) == ["version", "diagnostics", "summary"])
        #expect(root["version"] as? Int == 1)
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(Set(summary.keys) == ["files", "errors", "warnings"])
        #expect(summary["files"] as? Int == 3 && summary["errors"] as? Int == 1 && summary["warnings"] as? Int == 1)
        let entries = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(entries.count == 2)
        for entry in entries {
            #expect(Set(entry.keys) == ["file", "line", "column", "end_line", "end_column", "severity", "rule", "message", "notes"])
            for key in ["file", "severity", "rule", "message"] { #expect(entry[key] is String, "\(key)") }
            for key in ["line", "column", "end_line", "end_column"] {
                #expect(entry[key] is Int, "\(key)")
            }
            #expect(entry["notes"] is [String])
        }
        #expect(entries[1]["notes"] as? [String] == ["n1", #"help: did you mean "load"?"#])
    }

    @Test func emptyRunAndDeterminism() {
        #expect(JSONRenderer().render([], files: 0) == """
            {
              "diagnostics": [],
              "summary": {
                "errors": 0,
                "files": 0,
                "warnings": 0
              },
              "version": 1
            }

            """)
        #expect(JSONRenderer().render(sample, files: 3) == JSONRenderer().render(sample.reversed() + sample, files: 3))
    }

    @Test func escapesControlCharactersAndKeepsUnicode() {
        #expect(JSONValue.string("a\"b\\c\n\r\u{1}\u{1F}/é☕").rendered() == #""a\"b\\c\n\r\u0001\u001f/é☕""# + "\n")
        #expect(JSONValue.object(["b": .bool(true), "a": .null, "B": .object([:])]).rendered()
            == "{\n  \"B\": {},\n  \"a\": null,\n  \"b\": true\n}\n")
    }
}
