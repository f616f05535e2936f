import Foundation
import SluicePlan
import Testing
@testable import SluiceGraph

/// Names, descriptions and pipeline ids that try to break out of a DOT
/// string or a Mermaid label. Spec task names are restricted identifiers,
/// so these plans are built directly (a hand-edited plan.json can hold them).
struct HostileTextTests {
    static let hostile = [
        "quote\"inside", "trailing\\", "back\\slash\\n", "new\nline", "crlf\r\nend", "a -> b", "close}brace{",
        "<b>bold</b>", "&lt;entity&gt;", "amp & amp", "#quot; #35;", "pipe|bar", "`tick`", "%%{init: {}}%%",
        "ünïcödé ∑ 日本語 🚀", "", " ", "tab\there", "nul\u{0}byte", "bell\u{7}", "del\u{7F}", "c1\u{85}", "nonchar\u{FFFE}",
        "digraph", "subgraph", "node", "edge", "end", "graph", "--", "\\N\\G\\L", "\\\"", "\"\"", ";", "[x=y]",
    ]

    /// A plan using every hostile string as a task id, a description, a
    /// branch choice, an output name and a trigger target.
    static func plan(_ pipeline: String) -> Plan {
        var tasks: [PlanTask] = []
        for (i, name) in hostile.enumerated() {
            let previous = i > 0 ? [hostile[i - 1]] : []
            let reads = i > 0 ? [Plans.read(hostile[i - 1], name)] : []
            let kind: PlanTask.Kind = i % 5 == 3 ? .empty : .command
            tasks.append(Plans.task(name, needs: previous, kind: kind, description: hostile[(i + 7) % hostile.count],
                                    foreach: i % 4 == 1 ? .param([name]) : nil, branch: i % 6 == 2 ? [name] : nil,
                                    trigger: i % 7 == 4 ? hostile[(i + 3) % hostile.count] : nil, reads: reads))
        }
        tasks.append(Plans.task("reader", needs: [hostile[hostile.count - 1]], reads: hostile.enumerated().filter { $0.offset % 4 == 0 }.map { Plans.read($0.element, "out\"\\") }))
        return Plans.plan(pipeline, tasks, description: "<i>desc</i>")
    }

    static let overlay = RunOverlay(runID: "run\"id\\\n<b>}", runState: "fail\"ed",
                                    tasks: Dictionary(uniqueKeysWithValues: hostile.enumerated().map { i, name in
                                        (name, TaskRunStatus(state: StatePalette.drawn[i % StatePalette.drawn.count], done: i % 3, total: 3))
                                    }))

    @Test(arguments: [false, true])
    func graphvizAcceptsHostileDOTWithoutWarnings(withRun: Bool) throws {
        let subjects = Self.hostile.prefix(3).map { GraphSubject(plan: Self.plan($0), overlay: withRun ? Self.overlay : nil) }
        let dots = [DOTRenderer.render([subjects[0]]), DOTRenderer.render(Array(subjects))]
        for dot in dots {
            let outcome = try Graphviz.svg(dot)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stderr.isEmpty, "Graphviz warned: \(outcome.stderr)")
            #expect(Graphviz.count("node", in: outcome.svg) >= Self.hostile.count)
        }
    }

    /// Escaping is exact, not just safe: what Graphviz prints is what the user wrote.
    @Test func labelsSurviveTheRoundTrip() throws {
        let names = ["quote\"inside", "trailing\\", "a -> b", "close}brace{", "<b>bold</b>", "&lt;entity&gt;", "amp & amp",
                     "\\N\\G\\L", "ünïcödé ∑ 日本語"]
        let plan = Plans.plan("p", names.map { Plans.task($0) })
        let outcome = try Graphviz.svg(DOTRenderer.render([GraphSubject(plan: plan)]))
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        let texts = Set(Graphviz.texts(in: outcome.svg))
        for name in names { #expect(texts.contains(name), "\(name) came out as something else: \(texts)") }
    }

    @Test func escapesAreTheDocumentedOnes() {
        #expect(DOTWriter.id("a\"b\\c\nd&e") == "\"a\\\"b\\\\c\\nd&e\"")
        #expect(DOTWriter.label("a\"b\\c\nd&e<f>") == "\"a\\\"b\\\\c\\nd&amp;e<f>\"")
        #expect(DOTWriter.label("x\u{0}y\u{FFFE}") == "\"x\u{FFFD}y\u{FFFD}\"")
        #expect(MermaidWriter.text("#quot; \"a\" <b>&|`%") == "#35;quot; #quot;a#quot; #lt;b#gt;#amp;#124;#96;#37;")
        #expect(MermaidWriter.text("two\nlines") == "two<br>lines")
        #expect(MermaidWriter.sanitized("a-b.c ü") == "a_b_c__")
    }

    @Test func mermaidIDsAreSanitizedAndUnique() {
        let plan = Plans.plan("p", [Plans.task("a-b"), Plans.task("a_b"), Plans.task("a.b"), Plans.task("end"), Plans.task("")])
        let text = MermaidRenderer.render([GraphSubject(plan: plan)])
        #expect(text.contains("  t_a_b[\"a-b\"]\n  t_a_b_2[\"a_b\"]\n  t_a_b_3[\"a.b\"]\n  t_end[\"end\"]\n  t__[\"\"]\n"))
        for line in text.split(separator: "\n").dropFirst() {
            let id = line.drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            #expect(!id.isEmpty && id.allSatisfy(\.isASCII), "\(line)")
        }
    }

    @Test(arguments: [false, true])
    func everyRendererCopesWithHostilePlans(withRun: Bool) {
        let subject = GraphSubject(plan: Self.plan("hostile\"pipe}"), overlay: withRun ? Self.overlay : nil)
        let mermaid = MermaidRenderer.render([subject, subject])
        // Nothing of the user's text may open a new Mermaid statement.
        for line in mermaid.split(separator: "\n") {
            #expect(line.filter { $0 == "\"" }.count % 2 == 0, "unbalanced quotes: \(line)")
        }
        let ascii = ASCIIRenderer.render([subject], width: 80)
        #expect(!ascii.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func goldenHostileDOTAndMermaid() throws {
        let plan = Plans.plan("hostile", [
            Plans.task("quote\"inside", description: "<b>not bold</b> & \"quoted\"\nsecond line"),
            Plans.task("trailing\\", needs: ["quote\"inside"], reads: [Plans.read("quote\"inside", "out")]),
            Plans.task("a -> b }", needs: ["trailing\\"], branch: ["ünïcödé 🚀"]),
            Plans.task("ünïcödé 🚀", needs: ["a -> b }"], trigger: "other\"pipe"),
        ])
        try Golden.check(DOTRenderer.render([GraphSubject(plan: plan)]), "hostile.dot")
        try Golden.check(MermaidRenderer.render([GraphSubject(plan: plan)]), "hostile.mmd")
    }
}
