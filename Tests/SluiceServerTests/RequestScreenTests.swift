import SluiceServer
import Testing

@Suite struct RequestScreenTests {
    let screen = RequestScreen(loopbackOnly: true)
    let host = [("Host", "127.0.0.1:8080")]

    func status(_ method: String = "GET", _ target: String = "/", headers: [(String, String)]? = nil,
                length: Int? = nil, chunked: Bool = false) -> Int? {
        screen.refusal(method: method, target: target, headers: headers ?? host, bodyLength: length, chunked: chunked)?.status
    }

    @Test func getAndHeadPass() {
        #expect(status("GET", "/api/runs?state=failed") == nil)
        #expect(status("HEAD", "/") == nil)
    }

    @Test func everyOtherMethodIs405WithAllow() {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get"] {
            let refusal = screen.refusal(method: method, target: "/api/runs", headers: host, bodyLength: nil, chunked: false)
            #expect(refusal?.status == 405, "\(method)")
            #expect(refusal?.headers["Allow"] == "GET, HEAD")
        }
    }

    @Test func sizeLimits() {
        #expect(status("GET", "/" + String(repeating: "a", count: RequestScreen.maxTargetBytes)) == 414)
        #expect(status("GET", "/" + String(repeating: "a", count: RequestScreen.maxTargetBytes - 1)) == nil)
        #expect(status(headers: host + [("X-Big", String(repeating: "b", count: RequestScreen.maxHeaderBytes))]) == 431)
        #expect(status(headers: host + (0..<RequestScreen.maxHeaderCount).map { ("X-\($0)", "v") }) == 431)
        #expect(status(length: 10) == 413)
        #expect(status(chunked: true) == 413)
        #expect(status(length: 0) == nil)
    }

    @Test func malformedTargets() {
        #expect(status("GET", "api/runs") == 400)
        #expect(status("GET", "*") == 400)
        #expect(status("GET", "http://127.0.0.1/") == 400)
        #expect(status("GET", "/a\u{0}b") == 400)
        #expect(status("GET", "/a\tb") == 400)
    }

    @Test func hostMustNameThisMachineWhenBoundToLoopback() {
        for good in ["127.0.0.1:8080", "localhost:1", "LOCALHOST", "[::1]:8080", "127.1.2.3", "app.localhost:80"] {
            #expect(status(headers: [("Host", good)]) == nil, "\(good)")
        }
        for bad in ["evil.example:8080", "127.0.0.1.evil.example", "[::2]:80", "", "localhost.evil.example"] {
            #expect(status(headers: [("Host", bad)]) == 403, "\(bad)")
        }
        #expect(status(headers: []) == 403)
        // Bound to another interface, the operator chose the network: any Host.
        #expect(RequestScreen(loopbackOnly: false).refusal(method: "GET", target: "/", headers: [("Host", "sluice.example")],
                                                           bodyLength: nil, chunked: false) == nil)
    }

    @Test func loopbackAddresses() {
        #expect(RequestScreen.isLoopback(address: "127.0.0.1"))
        #expect(RequestScreen.isLoopback(address: "127.255.0.9"))
        #expect(RequestScreen.isLoopback(address: "::1"))
        #expect(!RequestScreen.isLoopback(address: "0.0.0.0"))
        #expect(!RequestScreen.isLoopback(address: "::"))
        #expect(!RequestScreen.isLoopback(address: "10.0.0.1"))
        #expect(!RequestScreen.isLoopback(address: "127.0.0"))
    }
}
