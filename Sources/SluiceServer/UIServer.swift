import FlyingFox
import FlyingSocks
import Foundation
import SluiceBasics

/// `sluice ui`'s HTTP server (FlyingFox: no SwiftNIO, a small cold build).
/// It owns the transport and nothing of the UI: every GET and HEAD that
/// passes `RequestScreen` goes to `answer` (the web responder, which reads
/// the records and validates every name in the path) with the path as sent,
/// percent-encoding intact; `/api/events` is the one path answered here (a
/// stream needs the connection). Every request gets a response, errors as
/// `{"version": 1, "error": "..."}`.
public final class UIServer: Sendable {
    /// What the responder answered: status, content type and body.
    public struct Answer: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// The responder: the raw request path and the decoded query (first value of each name).
    public typealias Responder = @Sendable (_ path: String, _ query: [String: String]) -> Answer

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of the server-sent events stream.
    public static let eventsPath = "/api/events"

    private let http: HTTPServer
    public let host: String

    /// `host`: an IPv4 or IPv6 address literal, or `localhost` (127.0.0.1);
    /// `port` 0 lets the system pick a free port (see `listeningPort`).
    /// `pollInterval`: how often `/api/events` looks at the records.
    public init(host: String, port: Int, workspaces: [String], responder: @escaping Responder,
                pollInterval: Duration = .milliseconds(500), keepAlive: Duration = .seconds(15)) throws(Failure) {
        guard let port = UInt16(exactly: port) else { throw Failure(description: "--port \(port) is not a port (0 to 65535)") }
        let address = host == "localhost" ? "127.0.0.1" : host
        let socketAddress: any SocketAddress
        do {
            if address.contains(":") {
                socketAddress = try sockaddr_in6.inet6(ip6: address, port: port)
            } else {
                socketAddress = try sockaddr_in.inet(ip4: address, port: port)
            }
        } catch {
            throw Failure(description: "--host \(host) is not an IP address (give one such as 127.0.0.1, 0.0.0.0 or ::1)")
        }
        self.host = address
        let handler = Handler(screen: RequestScreen(loopbackOnly: RequestScreen.isLoopback(address: address)),
                              responder: responder, events: RunEventStream(watcher: RunsWatcher(workspaces: workspaces),
                                                                           interval: pollInterval, keepAlive: keepAlive))
        http = HTTPServer(config: HTTPServer.Configuration(address: socketAddress, timeout: 60, logger: .disabled), handler: handler)
    }

    /// Whether the bound address is on the loopback interface only.
    public var isLoopbackOnly: Bool { RequestScreen.isLoopback(address: host) }

    /// Serves until `stop()` (or the listening socket fails). Throws when it cannot listen.
    public func run() async throws {
        try await http.run()
    }

    /// Waits until the socket listens, and returns its port.
    public func listeningPort() async throws -> Int {
        try await http.waitUntilListening(timeout: 10)
        switch await http.listeningAddress {
        case .ip4(_, let port), .ip6(_, let port): return Int(port)
        default: throw Failure(description: "the server listens on no IP address")
        }
    }

    /// Stops listening, lets open connections finish for up to `grace` seconds, then cancels them.
    public func stop(grace: TimeInterval = 1) async {
        await http.stop(timeout: grace)
    }
}

/// Every request, one function: screen, then events or the responder.
private struct Handler: HTTPHandler {
    let screen: RequestScreen
    let responder: UIServer.Responder
    let events: RunEventStream

    /// Sent with every response: the UI is same-origin only, never framed, never sniffed.
    static let commonHeaders: [(HTTPHeader, String)] = [
        (HTTPHeader("Cache-Control"), "no-store"),
        (HTTPHeader("X-Content-Type-Options"), "nosniff"),
        (HTTPHeader("Referrer-Policy"), "no-referrer"),
        (HTTPHeader("X-Frame-Options"), "DENY"),
        (HTTPHeader("Content-Security-Policy"),
         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    ]

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let method = request.method.rawValue
        let target = request.target.rawValue
        let headers = request.headers.map { ($0.key.rawValue, $0.value) }
        let length = request.headers[.contentLength].map { Int($0) ?? Int.max }
        let chunked = request.headers[.transferEncoding] != nil
        if let refusal = screen.refusal(method: method, target: target, headers: headers, bodyLength: length, chunked: chunked) {
            var response = Self.response(status: refusal.status, contentType: "application/json",
                                         body: Self.errorBody(refusal.message), head: method == "HEAD")
            for (name, value) in refusal.headers { response.headers[HTTPHeader(name)] = value }
            if refusal.status == 413 || refusal.status == 431 || refusal.status == 414 {
                response.headers[.connection] = "close"
            }
            return response
        }
        let path = request.target.path(percentEncoded: true)
        if path == UIServer.eventsPath {
            var response = HTTPResponse(statusCode: HTTPStatusCode(200, phrase: "OK"),
                                        body: method == "HEAD" ? HTTPBodySequence() : HTTPBodySequence(from: events))
            response.headers[.contentType] = "text/event-stream; charset=utf-8"
            for (name, value) in Self.commonHeaders { response.headers[name] = value }
            return response
        }
        var query: [String: String] = [:]
        for item in request.query where query[item.name] == nil { query[item.name] = item.value }
        let answer = responder(path, query)
        return Self.response(status: answer.status, contentType: answer.contentType, body: answer.body, head: method == "HEAD")
    }

    /// A whole response; for HEAD the same headers (`Content-Length` of the GET body) and no body.
    static func response(status: Int, contentType: String, body: [UInt8], head: Bool) -> HTTPResponse {
        var response = HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrase(status)),
                                    body: head ? Data() : Data(body))
        response.headers[.contentType] = contentType
        response.headers[.contentLength] = String(body.count)
        for (name, value) in commonHeaders { response.headers[name] = value }
        return response
    }

    static func errorBody(_ message: String) -> [UInt8] {
        JSON.object([("version", .int(1)), ("error", .string(message))]).compactUTF8()
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        default: "Status"
        }
    }
}
