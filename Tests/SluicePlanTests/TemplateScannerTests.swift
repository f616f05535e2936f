import SluiceTestSupport
import Testing
@testable import SluicePlan

@Suite("TemplateScanner")
struct TemplateScannerTests {
    /// (text, expected references as dotted paths with offset/length, literal text joined)
    @Test(arguments: [
        ("echo {{ item }}", ["item@5+10"], "echo "),
        ("{{params.a.b}}", ["params.a.b@0+14"], ""),
        ("a {{ t.out }} b {{ run.id }}", ["t.out@2+11", "run.id@16+12"], "a  b "),
        ("no references here", [], "no references here"),
        ("braces {{ \"{{\" }} stay", [], "braces {{ stay"),
        ("awk '{print $1}' }}", [], "awk '{print $1}' }}"),
        ("x {{ params.list.0 }}", ["params.list.0@2+19"], "x "),
        ("üñí {{ item }}", ["item@4+10"], "üñí "),
        ("{{ data-set.v_1 }}", ["data-set.v_1@0+18"], ""),
    ])
    func scansValid(text: String, references: [String], literal: String) {
        let result = TemplateScanner.scan(text)
        #expect(result.errors.isEmpty)
        #expect(result.references.map { "\($0.dotted)@\($0.offset)+\($0.length)" } == references)
        let texts = result.pieces.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        #expect(texts == literal)
    }

    @Test(arguments: [
        ("echo {{ item", "\"{{\" is never closed by \"}}\"", 5, 2),
        ("{{ }}", "empty reference \"{{ }}\"", 0, 5),
        ("{{ a | upper }}", "filters (\"|\") are not supported in references; references name a value, the command transforms it", 4, 1),
        ("{{ a[0] }}", "index with a dot: params.list.0, not params.list[0]", 4, 1),
        ("{{ a..b }}", "expected a name after \".\" in reference, found \".\"", 5, 1),
        ("{{ a b }}", "a reference is one dotted path; found a space inside it", 4, 1),
        ("{{ 'open }}", "\"{{\" is never closed by \"}}\"", 0, 2),
        ("{{ .a }}", "expected a name in reference, found \".\"", 3, 1),
    ])
    func reportsMalformed(text: String, message: String, offset: Int, length: Int) {
        let result = TemplateScanner.scan(text)
        #expect(result.errors == [LiteralError(message: message, offset: offset, length: length)])
    }

    /// `scanTemplate` is `scan` with the literal text split at the references.
    @Test(arguments: [
        "echo {{ item }}", "a {{ t.out }} b {{ run.id }}", "braces {{ \"{{\" }} stay {{ x.y }}", "echo {{ item",
        "{{ a | upper }} then {{ b.c }}", "üñí {{ item }} {{ a[0] }}", "{{ 'open }} {{ x }}", "", "}} {{",
        "multi\nline {{ a.b }}\n{{ c\n}}", "{{ a }}{{ b }}",
    ])
    func templateMatchesTheFullScan(text: String) {
        let full = TemplateScanner.scan(text)
        let template = TemplateScanner.scanTemplate(text)
        #expect(template.references == full.references)
        #expect(template.errors == full.errors)
        #expect(template.texts.count == template.references.count + 1)
        #expect(Self.pieces(template) == full.pieces)
    }

    /// A template's texts and references as `scan`'s pieces (empty texts left out).
    static func pieces(_ template: ScannedTemplate) -> [TemplateScanner.Piece] {
        var pieces: [TemplateScanner.Piece] = []
        for (index, text) in template.texts.enumerated() {
            if !text.isEmpty { pieces.append(.text(text)) }
            if index < template.references.count { pieces.append(.reference(template.references[index])) }
        }
        return pieces
    }

    /// Literal pieces are the text around references, `{{ "..." }}` replaced
    /// by its quoted text, and malformed references kept as written.
    @Test func literalTextKeepsEverythingButReferences() {
        let result = TemplateScanner.scan("a {{ \"{{\" }}b{{ x.y }}c {{ bad | f }} ü {{ '}}' }}")
        #expect(result.pieces == [
            .text("a {{b"), .reference(result.references[0]), .text("c {{ bad | f }} ü }}"),
        ])
    }

    @Test func segmentsKeepTheirOffsets() throws {
        let reference = try #require(TemplateScanner.scan("x {{  params.forecast.horizon }}").references.first)
        #expect(reference.segments.map(\.offset) == [6, 13, 22])
        #expect(reference.span(from: 1, to: 3) == (13, 16))
    }

    @Test(arguments: [
        ("params.tickers", "params.tickers"), ("  fetch.rows ", "fetch.rows"), ("{{ params.tickers }}", "params.tickers"),
    ])
    func bareReferences(text: String, dotted: String) throws {
        #expect(try TemplateScanner.scanBareReference(text).get().dotted == dotted)
    }

    @Test(arguments: ["AAPL, MSFT", "[a, b]", "params.x extra", "{{ a }} {{ b }}", ""])
    func bareReferencesRejectOtherText(text: String) {
        #expect((try? TemplateScanner.scanBareReference(text).get()) == nil)
    }
}

/// `scanTemplate` reads the common case (ASCII, well-formed dotted paths)
/// straight from the bytes; wherever that answers, it must answer exactly as
/// the general scanner does, and it must answer for the common case.
@Suite("TemplateScanner plain-reference path")
struct PlainReferenceScanTests {
    static func plain(_ text: String) -> [ScannedReference]? {
        var text = text
        return text.withUTF8 { TemplateScanner.scanPlainReferences($0) }
    }

    @Test(arguments: [
        "", "no references", "python3 step.py --in {{ t00001.n }} --k {{ params.s1.k }}", "{{params.a.b}}",
        "x {{ params.list.0 }}", "{{ data-set.v_1 }}", "{{\titem\t}}", "a { b } {{ c }} }", "{x{{ y }}",
        "{ {{ a.b }}", "awk '{print $1}'", "${HOME}/bin {{ run.id }}", "{{ a }}{{ b }}",
        "echo '{{ a.b }}'",
    ])
    func theCommonCaseIsReadStraightAndAlike(text: String) throws {
        let plain = try #require(Self.plain(text), "the plain path should read \(text.debugDescription)")
        let general = TemplateScanner.scanTemplateInGeneral(text)
        #expect(general.errors.isEmpty)
        #expect(plain == general.references)
        #expect(TemplateScanner.scanTemplate(text) == general)
    }

    @Test(arguments: [
        "üñí {{ item }}", "echo {{ item", "{{ }}", "{{ a | upper }}", "{{ a[0] }}", "{{ a..b }}", "{{ a b }}",
        "{{ 'open }}", "braces {{ \"{{\" }} stay", "{{ .a }}", "{{ a.\n}}", "{{ a. }}", "{{ a }", "{{",
        "{{ a {{ b }}", "{{ 'x' }}",
    ])
    func everythingElseGoesToTheGeneralScanner(text: String) {
        #expect(Self.plain(text) == nil)
        #expect(TemplateScanner.scanTemplate(text) == TemplateScanner.scanTemplateInGeneral(text))
    }

    /// Random strings over the characters that matter: the two paths never disagree.
    @Test func randomTextsReadTheSameEitherWay() {
        let alphabet = Array("{{}} .a_b-9\t'\"\n|[]xyzé$")
        var generator = SeededGenerator(seed: 0x5eed)
        var answered = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 24)
            let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            let general = TemplateScanner.scanTemplateInGeneral(text)
            if let plain = Self.plain(text) {
                answered += 1
                #expect(general.errors.isEmpty, "\(text.debugDescription)")
                #expect(plain == general.references, "\(text.debugDescription)")
            }
            #expect(TemplateScanner.scanTemplate(text) == TemplateScanner.scanTemplateInGeneral(text), "\(text.debugDescription)")
        }
        #expect(answered > 1000)
    }
}
