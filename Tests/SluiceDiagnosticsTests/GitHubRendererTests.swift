import Testing
@testable import SluiceDiagnostics

@Suite("GitHubRenderer")
struct GitHubRendererTests {
    @Test func rendersOneCommandPerDiagnosticBySeverity() {
        let ds = [
            diagnostic((12, 13), (12, 16), message: #"task "report" needs "lod""#, notes: ["n1"], help: "did you mean \"load\"?"),
            diagnostic((3, 1), (3, 9), rule: .unusedOutput, message: "w"),
            diagnostic((4, 2), (4, 2), rule: .unknownKey, severity: .note, message: "n"),
        ]
        #expect(GitHubRenderer().render(ds) == """
            ::warning file=pipelines/x.yaml,line=3,col=1,endLine=3,endColumn=9,title=unused-output::w
            ::notice file=pipelines/x.yaml,line=4,col=2,endLine=4,endColumn=2,title=unknown-key::n
            ::error file=pipelines/x.yaml,line=12,col=13,endLine=12,endColumn=16,title=unknown-task::task "report" needs "lod"%0Anote: n1%0Ahelp: did you mean "load"?

            """)
    }

    @Test func multiLineRangesCarryNoColumns() {
        let d = diagnostic((3, 3), (5, 1), rule: .cycle, message: "a -> b -> a")
        #expect(GitHubRenderer().render([d]) == "::error file=pipelines/x.yaml,line=3,endLine=5,title=cycle::a -> b -> a\n")
    }

    @Test func unknownPositionCarriesOnlyTheFile() {
        let d = diagnostic((0, 0), (0, 0), rule: .yamlSyntax, message: "m")
        #expect(GitHubRenderer().render([d]) == "::error file=pipelines/x.yaml,title=yaml-syntax::m\n")
    }

    @Test func escapesDataAndProperties() {
        let d = diagnostic((1, 1), (1, 2), file: "odd,dir/a:b%.yaml", message: "100% bad\r\nline: two, three")
        #expect(GitHubRenderer().render([d])
            == "::error file=odd%2Cdir/a%3Ab%25.yaml,line=1,col=1,endLine=1,endColumn=2,title=unknown-task"
            + "::100%25 bad%0D%0Aline: two, three\n")
    }

    @Test(arguments: [
        ("plain", "plain", "plain"), ("a%b", "a%25b", "a%25b"), ("a\rb\nc", "a%0Db%0Ac", "a%0Db%0Ac"),
        ("k:v,w", "k:v,w", "k%3Av%2Cw"), ("%0A", "%250A", "%250A"),
    ])
    func escaping(raw: String, data: String, property: String) {
        #expect(GitHubRenderer.escapeData(raw) == data)
        #expect(GitHubRenderer.escapeProperty(raw) == property)
    }
}
