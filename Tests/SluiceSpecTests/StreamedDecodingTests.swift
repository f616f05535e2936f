import SluiceDiagnostics
import SluiceSpec
import Testing

/// The decoder reads a spec through a flat tape and decodes `tasks` while the
/// document is still being read, dropping each task's subtree once decoded.
/// These cases pin what must not change because of that: anchors, aliases and
/// merge keys around `tasks`, duplicate keys compared as strings, and the
/// order of diagnostics.
struct StreamedDecodingTests {
    func parse(_ text: String) -> (spec: PipelineSpec, diagnostics: [Diagnostic]) {
        SpecParser.parse(text, file: "t.yaml")
    }

    @Test func anchoredTaskIsMergedIntoALaterTask() throws {
        let (spec, diagnostics) = parse("""
            pipeline: p
            tasks:
              a: &base { retries: 2, run: echo a, env: { LOG: &level debug } }
              b:
                <<: *base
                run: echo b
              c: { run: echo c, env: { LOG: *level } }

            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(spec.tasks.map(\.name.value) == ["a", "b", "c"])
        let b = try #require(spec.task(named: "b"))
        #expect(b.settings.retries?.value == 2)
        #expect(b.run?.scalar?.text == "echo b")
        #expect(spec.task(named: "c")?.env.first?.value.scalar?.text == "debug")
    }

    @Test func mergeKeyInTasksAddsTasksAfterTheWrittenOnes() {
        let (spec, diagnostics) = parse("""
            extra: &extra { x: { run: echo x }, a: { run: shadowed } }
            pipeline: p
            tasks:
              <<: *extra
              a: { run: echo a }

            """)
        #expect(diagnostics.map(\.rule) == [.unknownKey])
        #expect(spec.tasks.map(\.name.value) == ["a", "x"])
        #expect(spec.task(named: "a")?.run?.scalar?.text == "echo a")
    }

    @Test func anchoredTasksMappingStaysWholeForItsAlias() throws {
        let text = "pipeline: p\ntasks: &all\n  a: { run: echo a }\n  b: { needs: [a] }\ncopy: *all\n"
        let (spec, diagnostics) = parse(text)
        #expect(diagnostics.map(\.rule) == [.unknownKey])
        #expect(spec.tasks.map(\.name.value) == ["a", "b"])
        let copy = try #require(spec.root?["copy"])
        #expect(copy["b"]?["needs"]?.sequence?.first?.scalar?.text == "a")
    }

    @Test func rootIsStillTheWholeDocument() throws {
        let (spec, _) = parse("pipeline: p\ntasks:\n  a:\n    run: echo a\n  b:\n    run: echo b\n")
        let tasks = try #require(spec.root?["tasks"]?.mapping)
        #expect(tasks.compactMap(\.key.keyText) == ["a", "b"])
        #expect(spec.root?["tasks"]?["b"]?["run"]?.scalar?.text == "echo b")
    }

    @Test func duplicateTaskInALargeMappingIsReportedAtTheSecond() {
        let tasks = (1...40).map { "  t\($0): { run: echo \($0) }" } + ["  t3: { run: again }"]
        let (spec, diagnostics) = parse("pipeline: p\ntasks:\n" + tasks.joined(separator: "\n") + "\n")
        #expect(diagnostics.map(\.rule) == [.duplicateKey])
        #expect(diagnostics.first?.range.start.line == 43)
        #expect(spec.tasks.count == 40)
        #expect(spec.task(named: "t3")?.run?.scalar?.text == "echo 3")
    }

    /// Keys compare as Swift strings do: U+212A KELVIN SIGN is canonically
    /// equivalent to "K", so the second spelling is a duplicate, in a small
    /// mapping (linear scan) and a large one (hashed index) alike.
    @Test(arguments: [2, 40])
    func canonicallyEquivalentKeysAreDuplicates(_ size: Int) {
        let keys = ["K: first"] + (1..<size).map { "k\($0): \($0)" } + ["\u{212A}: second"]
        let document = YAMLParser.parse(keys.joined(separator: "\n") + "\n", file: "t.yaml")
        #expect(document.diagnostics.map(\.rule) == [.duplicateKey])
        #expect(document.root?["K"]?.scalar?.text == "first")
    }

    /// `sameKey` tells keys with two different ASCII first bytes apart without
    /// reading the rest; a first character written as ASCII in one key and
    /// precomposed in the other (`r` + U+0327 COMBINING CEDILLA, U+0157), or
    /// keys that differ only after the same ASCII first byte, still compare
    /// as strings.
    @Test func equivalentKeysWithAnASCIIFirstByteAreDuplicates() {
        for (first, second) in [("r\u{327}", "\u{157}"), ("\u{157}", "r\u{327}"), ("aK", "a\u{212A}")] {
            let document = YAMLParser.parse("\(first): 1\nb: 2\n\(second): 3\n", file: "t.yaml")
            #expect(document.diagnostics.map(\.rule) == [.duplicateKey], "\(first.debugDescription) / \(second.debugDescription)")
        }
        let distinct = YAMLParser.parse("a\u{327}: 1\nb\u{327}: 2\nab: 3\nba: 4\n", file: "t.yaml")
        #expect(distinct.diagnostics.isEmpty)
    }

    @Test func diagnosticsKeepTheirOrderAroundStreamedTasks() {
        let (_, diagnostics) = parse("""
            pipeline: p
            bogus: 1
            tasks:
              a: { retries: x, colour: red }
              b: [not, a, mapping]
            max_active_tasks: 0

            """)
        #expect(diagnostics.map(\.message) == [
            "unknown key \"bogus\" in the pipeline",
            "unknown key \"colour\" in task \"a\"",
            "\"retries\" must be an integer, not a string",
            "task \"b\" must be a mapping, not a list",
            "\"max_active_tasks\" must be at least 1, not 0",
        ])
    }

    @Test func tasksAfterASyntaxErrorAreDropped() {
        let (spec, diagnostics) = parse("pipeline: p\ntasks:\n  a: { run: echo a }\n  b: { run: [unclosed\n")
        #expect(diagnostics.map(\.rule) == [.yamlSyntax])
        #expect(spec.tasks.isEmpty)
        #expect(spec.root == nil)
    }
}
