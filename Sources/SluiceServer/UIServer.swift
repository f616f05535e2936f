import FlyingSocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceBasics
import SluiceWeb

/// `sluice ui`'s HTTP server: FlyingSocks' non-blocking sockets and event
/// loop, and HTTP/1.1 read and written here. It owns the transport and
/// nothing of the UI: every GET and HEAD that passes `RequestScreen` goes to
/// `answer` (the web responder, which reads the records and validates every
/// name in the path) with the path as sent, percent-encoding intact;
/// `/api/events` is the one path answered here (a stream needs the
/// connection). Every request gets a response, errors as
/// `{"version": 1, "error": "..."}`.
///
/// The head of each request is read here, bounded (`Limits`): a head larger
/// than `RequestHead.maxBytes` gets 431 (414 for an over-long request line)
/// and the connection is closed; a head not complete within `headDeadline`
/// of its first byte gets 408; a connection silent for `idleDeadline` is
/// closed; a response the client does not take within `writeDeadline` ends
/// the connection. So a slow or hostile client holds one connection for a
/// bounded time and never stops the others being answered.
public final class UIServer: Sendable {
    /// The responder: the raw request path and the decoded query (first value of each name).
    public typealias Responder = @Sendable (_ path: String, _ query: [String: String]) -> WebResponse

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How long a client may take; see the type's comment.
    public struct Limits: Sendable {
        public var idleDeadline: Duration
        public var headDeadline: Duration
        public var writeDeadline: Duration

        public init(idleDeadline: Duration = .seconds(10), headDeadline: Duration = .seconds(10), writeDeadline: Duration = .seconds(30)) {
            self.idleDeadline = idleDeadline
            self.headDeadline = headDeadline
            self.writeDeadline = writeDeadline
        }
    }

    /// The path of the server-sent events stream.
    public static let eventsPath = "/api/events"

    public let host: String
    private let address: any SocketAddress
    private let connection: ConnectionHandler
    private let pool: SocketPool<ePoll>
    private let state = Locked(State())

    private struct State {
        var listener: Socket?
        var accepting: Task<Void, Never>?
        var stopped = false
        var grace: Duration = .seconds(1)
        var finished = false
    }

    /// `host`: an IPv4 or IPv6 address literal, or `localhost` (127.0.0.1);
    /// `port` 0 lets the system pick a free port (see `listeningPort`).
    /// `pollInterval`: how often `/api/events` looks at the records.
    public init(host: String, port: Int, workspaces: [String], responder: @escaping Responder,
                pollInterval: Duration = .milliseconds(500), keepAlive: Duration = .seconds(15), limits: Limits = Limits()) throws(Failure) {
        guard let port = UInt16(exactly: port) else { throw Failure(description: "--port \(port) is not a port (0 to 65535)") }
        let address = host == "localhost" ? "127.0.0.1" : host
        do {
            if address.contains(":") {
                self.address = try sockaddr_in6.inet6(ip6: address, port: port)
            } else {
                self.address = try sockaddr_in.inet(ip4: address, port: port)
            }
        } catch {
            throw Failure(description: "--host \(host) is not an IP address (give one such as 127.0.0.1, 0.0.0.0 or ::1)")
        }
        self.host = address
        pool = .ePoll(maxEvents: 64)
        connection = ConnectionHandler(screen: RequestScreen(loopbackOnly: RequestScreen.isLoopback(address: address)),
                                       responder: responder, limits: limits,
                                       events: RunEventStream(watcher: RunsWatcher(workspaces: workspaces),
                                                              interval: pollInterval, keepAlive: keepAlive))
    }

    /// Whether the bound address is on the loopback interface only.
    public var isLoopbackOnly: Bool { RequestScreen.isLoopback(address: host) }

    /// Serves until `stop()`. Throws when it cannot listen.
    public func run() async throws {
        defer { state.withLock { $0.finished = true } }
        try await pool.prepare()
        let socket = try Socket(domain: Int32(type(of: address).family))
        let listener: AsyncSocket
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: address)
            try socket.listen()
            listener = try AsyncSocket(socket: socket, pool: pool)
        } catch {
            try? socket.close()
            throw error
        }
        let (clients, arrived) = AsyncStream.makeStream(of: AsyncSocket.self)
        let accepting = Task {
            while !Task.isCancelled {
                do {
                    arrived.yield(try await listener.accept())
                } catch is CancellationError {
                    break
                } catch {
                    // Out of descriptors, or a connection reset before it was taken: wait a moment, keep listening.
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            try? socket.close()  // the port is free as soon as the server stops accepting
            arrived.finish()
        }
        let alreadyStopped = state.withLock { state in
            state.listener = socket
            state.accepting = accepting
            return state.stopped
        }
        if alreadyStopped { accepting.cancel() }
        let pool = self.pool
        let loop = Task { try await pool.run() }
        defer { loop.cancel() }
        let handler = connection
        let grace = { [state] in state.withLock { $0.grace } }
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for await client in clients {
                    group.addTask { await handler.serve(client) }
                }
                // Stopped: open connections get the grace to finish, then are cancelled.
                let wait = grace()
                group.addTask {
                    try await Task.sleep(for: wait)
                    throw CancellationError()
                }
            }
        } catch is CancellationError {}
    }

    /// Waits until the socket listens, and returns its port.
    public func listeningPort() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let socket = state.withLock({ $0.listener }) {
                switch try socket.sockname() {
                case .ip4(_, let port), .ip6(_, let port): return Int(port)
                default: throw Failure(description: "the server listens on no IP address")
                }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(description: "the server did not listen within 10 s")
    }

    /// Stops listening, lets open connections finish for up to `grace` seconds, then cancels them;
    /// returns once `run` has ended (or a little after the grace).
    public func stop(grace: TimeInterval = 1) async {
        let accepting = state.withLock { state in
            state.stopped = true
            state.grace = .milliseconds(Int(max(0, grace) * 1000))
            return state.accepting
        }
        accepting?.cancel()
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0, grace) * 1000) + 1000)
        while ContinuousClock.now < deadline, !state.withLock({ $0.finished }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// One connection: requests read and answered in turn until either side closes or a limit is passed.
private struct ConnectionHandler: Sendable {
    let screen: RequestScreen
    let responder: UIServer.Responder
    let limits: UIServer.Limits
    let events: RunEventStream

    /// Sent with every response: the UI is same-origin only, never framed, never sniffed.
    static let commonHeaders: [(String, String)] = [
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    ]

    func serve(_ client: AsyncSocket) async {
        defer { try? client.close() }
        var buffered: [UInt8] = []
        while !Task.isCancelled {
            do {
                if buffered.isEmpty {
                    // Between requests: the client may stay silent for `idleDeadline`, then the connection is closed.
                    guard let first = try await within(limits.idleDeadline, { try await client.read(atMost: 4096) }) else { return }
                    buffered = first
                }
                let received = buffered
                guard let read = try await within(limits.headDeadline, { try await Self.readHead(client, received) }) else {
                    try await send(client, refusal: RequestScreen.Refusal(408, "request head not complete within the time allowed"), head: false)
                    return
                }
                switch read {
                case .refused(let refusal):
                    try await send(client, refusal: refusal, head: false)
                    return
                case .head(let head, let rest):
                    buffered = rest
                    guard try await answer(head, on: client) else { return }
                }
            } catch {
                return  // the client went away, a write took too long, or the server stops
            }
        }
    }

    enum HeadRead: Sendable {
        case head(RequestHead, rest: [UInt8])
        case refused(RequestScreen.Refusal)
    }

    /// Reads until `received` and what follows hold a whole head, or a limit is passed.
    static func readHead(_ client: AsyncSocket, _ received: [UInt8]) async throws -> HeadRead {
        var bytes = received
        while true {
            switch RequestHead.parse(bytes) {
            case .head(let head, let consumed): return .head(head, rest: Array(bytes[consumed...]))
            case .refused(let refusal): return .refused(refusal)
            case .incomplete: bytes += try await client.read(atMost: 4096)
            }
        }
    }

    /// Answers one request; whether the connection may carry another.
    private func answer(_ head: RequestHead, on client: AsyncSocket) async throws -> Bool {
        let isHead = head.method == "HEAD"
        let length = head.header("Content-Length").map { Int($0) ?? Int.max }
        let chunked = head.header("Transfer-Encoding") != nil
        if let refusal = screen.refusal(method: head.method, target: head.target, headers: head.headers, bodyLength: length, chunked: chunked) {
            // Closed after any refusal: a body the request may carry is never read.
            try await send(client, refusal: refusal, head: isHead)
            return false
        }
        let parts = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts.first ?? "")
        if path == UIServer.eventsPath {
            var lines = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream; charset=utf-8", "Connection: close"]
            lines += Self.commonHeaders.map { "\($0.0): \($0.1)" }
            try await write(client, Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
            guard !isHead else { return false }
            // The stream ends when the client goes away (a write fails or takes too long) or the server stops.
            var stream = events.makeAsyncIterator()
            while let chunk = try await stream.nextBuffer(suggested: 4096) { try await write(client, chunk) }
            return false
        }
        var query: [String: String] = [:]
        for item in URLComponents(string: head.target)?.queryItems ?? [] where query[item.name] == nil { query[item.name] = item.value ?? "" }
        let response = responder(path, query)
        let close = head.wantsClose
        try await send(client, status: response.status, contentType: response.contentType, body: response.body, head: isHead, close: close)
        return !close
    }

    /// A refusal, then the connection ends: the server stops sending, and reads (and drops) what the
    /// client still sends for up to a second, so closing with unread bytes does not reset the
    /// connection before the client has read the answer.
    private func send(_ client: AsyncSocket, refusal: RequestScreen.Refusal, head: Bool) async throws {
        try await send(client, status: refusal.status, contentType: "application/json", body: Self.errorBody(refusal.message),
                       head: head, close: true, extra: refusal.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        _ = shutdown(client.socket.file.rawValue, Int32(SHUT_WR))
        _ = try? await within(.seconds(1)) {
            var dropped = 0
            while dropped < 1 << 20 { dropped += try await client.read(atMost: 4096).count }
            return dropped
        }
    }

    /// A whole response; for HEAD the same headers (`Content-Length` of the GET body) and no body.
    private func send(_ client: AsyncSocket, status: Int, contentType: String, body: [UInt8], head: Bool, close: Bool,
                      extra: [(String, String)] = []) async throws {
        var lines = ["HTTP/1.1 \(status) \(Self.phrase(status))", "Content-Type: \(contentType)", "Content-Length: \(body.count)"]
        lines += (Self.commonHeaders + extra).map { "\($0.0): \($0.1)" }
        if close { lines.append("Connection: close") }
        var bytes = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        if !head { bytes += body }
        try await write(client, bytes)
    }

    private func write(_ client: AsyncSocket, _ bytes: [UInt8]) async throws {
        let data = Data(bytes)
        guard try await within(limits.writeDeadline, { try await client.write(data) }) != nil else { throw CancellationError() }
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
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        default: "Status"
        }
    }
}

/// `body`'s value, or nil when it did not finish within `limit` (it is then cancelled).
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// A value behind a lock, for the server's few shared fields.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
