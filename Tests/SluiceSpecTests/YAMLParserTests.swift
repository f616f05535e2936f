import SluiceDiagnostics
@testable import SluiceSpec
import Testing

struct YAMLParserTests {
    func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) -> YAMLDocument {
        YAMLParser.parse(text, file: "t.yaml", limits: limits)
    }

    @Test func keysAndValuesKeepStartAndEnd() throws {
        let doc = parse("a:\n  key: value\n  list: [x, yy]\n")
        let inner = try #require(doc.root?["a"])
        let key = try #require(inner.mapping?.first?.key)
        #expect(key.range.start == SourceLocation(line: 2, column: 3, offset: key.range.start.offset))
        #expect(key.range.end.column == 6)
        let item = try #require(inner["list"]?.sequence?.last)
        #expect(item.range.start.line == 3 && item.range.start.column == 13 && item.range.end.column == 15)
    }

    @Test func duplicateKeyIsReportedAtSecondOccurrenceAndParsingGoesOn() throws {
        let doc = parse("a: 1\nb: 2\na: 3\nc: 4\n")
        #expect(doc.diagnostics.map(\.rule) == [.duplicateKey])
        #expect(doc.diagnostics.first?.range.start.line == 3)
        let keys = try #require(doc.root?.mapping).compactMap(\.key.keyText)
        #expect(keys == ["a", "b", "c"])
        #expect(doc.root?["a"]?.scalar?.text == "1")
    }

    @Test func aliasesExpandAndMergeKeysApply() throws {
        let doc = parse("base: &b {retries: 2, pool: x}\ntask:\n  <<: *b\n  pool: y\n")
        #expect(doc.diagnostics.isEmpty)
        let task = try #require(doc.root?["task"])
        #expect(task["retries"]?.scalar?.text == "2")
        #expect(task["pool"]?.scalar?.text == "y")
    }

    @Test func billionLaughsIsStoppedWithADiagnostic() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let doc = parse(text)
        #expect(doc.root == nil)
        #expect(doc.diagnostics.contains { $0.rule == .yamlSyntax && $0.message.contains("expand to more than") })
    }

    @Test(arguments: [10, 127, 128, 129, 10_000])
    func nestingIsBounded(_ depth: Int) {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let doc = parse(text)
        if depth <= 128 {
            #expect(doc.diagnostics.isEmpty)
        } else {
            #expect(doc.root == nil)
            #expect(doc.diagnostics.map(\.message).contains("nesting is deeper than 128 levels"))
        }
    }

    @Test func syntaxErrorCarriesLibyamlPositionAndContext() throws {
        let doc = parse("a:\n  b: [1, 2\n  c: 3\n")
        let d = try #require(doc.diagnostics.first)
        #expect(d.rule == .yamlSyntax)
        #expect(d.range.start.line == 3)
        #expect(d.notes.first?.contains("flow sequence") == true)
        #expect(doc.root == nil)
    }

    @Test func secondDocumentIsReportedAndIgnored() {
        let doc = parse("a: 1\n---\nb: 2\n")
        #expect(doc.diagnostics.map(\.rule) == [.yamlSyntax])
        #expect(doc.root?["a"] != nil)
        #expect(doc.root?["b"] == nil)
    }

    @Test func blockCollectionsEndAtTheirLastChild() throws {
        let doc = parse("tasks:\n  - a\n  - bb\n\n# trailing comment\nx: 1\n")
        let list = try #require(doc.root?["tasks"])
        #expect(list.range.end == SourceLocation(line: 3, column: 7, offset: list.range.end.offset))
    }
}

/// Large mappings switch from a linear scan to a hashed index; a duplicate of
/// an early key must still be found after the switch.
struct LargeMappingDuplicateTests {
    @Test(arguments: [3, 16, 17, 30])
    func duplicateOfAnEarlyKeyInALargeMapping(_ duplicated: Int) throws {
        let keys = (1...40).map { "k\($0): \($0)" } + ["k\(duplicated): again"]
        let doc = YAMLParser.parse(keys.joined(separator: "\n") + "\n", file: "t.yaml")
        #expect(doc.diagnostics.map(\.rule) == [.duplicateKey])
        #expect(doc.diagnostics.first?.range.start.line == 41)
        #expect(doc.root?.mapping?.count == 40)
    }
}
