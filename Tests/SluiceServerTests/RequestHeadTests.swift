import SluiceServer
import Testing

@Suite struct RequestHeadTests {
    func parse(_ text: String) -> RequestHead.Parse { RequestHead.parse(Array(text.utf8)) }

    func refusal(_ text: String) -> Int? {
        if case .refused(let refusal) = parse(text) { return refusal.status }
        return nil
    }

    @Test func aWholeHeadAndWhatFollowsIt() throws {
        let text = "GET /api/runs?state=failed HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Two:  spaced value \t\r\n\r\nGET / HTTP/1.1\r\n"
        guard case .head(let head, let consumed) = parse(text) else { Issue.record("no head"); return }
        #expect(head.method == "GET")
        #expect(head.target == "/api/runs?state=failed")
        #expect(head.version == "HTTP/1.1")
        #expect(head.headers.map { "\($0.0)=\($0.1)" } == ["Host=127.0.0.1:8080", "X-Two=spaced value"])
        #expect(head.header("host") == "127.0.0.1:8080")
        #expect(String(decoding: Array(text.utf8)[consumed...], as: UTF8.self) == "GET / HTTP/1.1\r\n")
        #expect(!head.wantsClose)
    }

    @Test func bareLineFeedsAndALeadingBlankLine() {
        guard case .head(let head, _) = parse("\r\nHEAD / HTTP/1.0\nConnection: keep-alive\n\n") else { Issue.record("no head"); return }
        #expect(head.method == "HEAD")
        #expect(!head.wantsClose)
        guard case .head(let old, _) = parse("GET / HTTP/1.0\r\n\r\n") else { Issue.record("no head"); return }
        #expect(old.wantsClose)
        guard case .head(let closing, _) = parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n") else { Issue.record("no head"); return }
        #expect(closing.wantsClose)
    }

    @Test func incompleteUntilTheBlankLine() {
        for text in ["", "GE", "GET / HTTP/1.1", "GET / HTTP/1.1\r\nHost: x\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r"] {
            guard case .incomplete = parse(text) else { Issue.record("\(text.debugDescription) is not incomplete"); continue }
        }
    }

    @Test func limitsAreEnforcedBeforeTheHeadEnds() {
        // A request line longer than any target answered: 414 without waiting for its end.
        #expect(refusal("GET /" + String(repeating: "a", count: 5_000)) == 414)
        #expect(refusal("GET /" + String(repeating: "a", count: 5_000) + " HTTP/1.1\r\n\r\n") == 414)
        // A head past the limit, ended or not: 431.
        let filler = "X-Fill: " + String(repeating: "f", count: 1_000) + "\r\n"
        #expect(refusal("GET / HTTP/1.1\r\n" + String(repeating: filler, count: 17)) == 431)
        #expect(refusal("GET / HTTP/1.1\r\n" + String(repeating: filler, count: 17) + "\r\n") == 431)
        #expect(refusal("GET / HTTP/1.1\r\n" + String(repeating: "X-Line: v\r\n", count: 101)) == 431)
        // Just under: answered.
        guard case .head = parse("GET / HTTP/1.1\r\n" + String(repeating: filler, count: 15) + "\r\n") else { Issue.record("refused under the limit"); return }
    }

    @Test func malformedHeadsAre400() {
        #expect(refusal("GET /\r\n\r\n") == 400)
        #expect(refusal("GET  / HTTP/1.1\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/2\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nNo colon\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\n: empty name\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n") == 400)
    }
}
