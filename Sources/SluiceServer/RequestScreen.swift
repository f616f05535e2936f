import Foundation

/// What the server checks before a request reaches the responder: `sluice ui`
/// is read-only and serves a browser on this machine, so anything else is
/// answered here with a short JSON error and never reaches the records.
/// Pure (no sockets), so each rule is tested on its own.
public struct RequestScreen: Sendable {
    /// Longest request target (path and query) answered; longer gets 414.
    public static let maxTargetBytes = 4_096
    /// Most header bytes (names and values) answered; more gets 431.
    public static let maxHeaderBytes = 16_384
    /// Most header lines answered; more gets 431.
    public static let maxHeaderCount = 100

    /// A refusal: the status and the message of the `{"error": ...}` body.
    public struct Refusal: Sendable, Equatable {
        public let status: Int
        public let message: String
        /// Extra response headers (`Allow` on a 405).
        public let headers: [String: String]

        init(_ status: Int, _ message: String, headers: [String: String] = [:]) {
            self.status = status
            self.message = message
            self.headers = headers
        }
    }

    /// Whether the server is bound to a loopback address: then the `Host`
    /// header must name this machine too, so a page on another site that
    /// rebinds its own name to 127.0.0.1 (DNS rebinding) cannot read the records.
    public let loopbackOnly: Bool

    public init(loopbackOnly: Bool) { self.loopbackOnly = loopbackOnly }

    /// The refusal for this request, or nil when the responder may answer it.
    /// `target`: the raw request target as sent (percent-encoding intact).
    /// `headers`: every header line as (name, value); `bodyLength`: the
    /// declared `Content-Length` (nil when absent), `chunked`: whether a
    /// `Transfer-Encoding` was sent.
    public func refusal(method: String, target: String, headers: [(String, String)], bodyLength: Int?, chunked: Bool) -> Refusal? {
        guard method == "GET" || method == "HEAD" else {
            return Refusal(405, "sluice ui is read-only: \(Self.printable(method)) is not allowed (only GET and HEAD)",
                           headers: ["Allow": "GET, HEAD"])
        }
        guard target.utf8.count <= Self.maxTargetBytes else {
            return Refusal(414, "request target longer than \(Self.maxTargetBytes) bytes")
        }
        let headerBytes = headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count }
        guard headerBytes <= Self.maxHeaderBytes, headers.count <= Self.maxHeaderCount else {
            return Refusal(431, "request headers larger than \(Self.maxHeaderBytes) bytes or \(Self.maxHeaderCount) lines")
        }
        guard !chunked, (bodyLength ?? 0) == 0 else {
            return Refusal(413, "sluice ui takes no request body")
        }
        guard target.hasPrefix("/"), !target.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return Refusal(400, "malformed request target")
        }
        if loopbackOnly {
            let host = headers.last { $0.0.lowercased() == "host" }?.1
            guard let host, Self.namesLoopback(host: host) else {
                return Refusal(403, "Host \(host.map { "'\(Self.printable($0))'" } ?? "missing"): this server answers only requests addressed to this machine (127.0.0.1, localhost or [::1])")
            }
        }
        return nil
    }

    /// Whether a `Host` header value (name and optional port) names the loopback interface.
    static func namesLoopback(host value: String) -> Bool {
        var name = Substring(value.lowercased())
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            name = name[name.index(after: name.startIndex)..<close]
            return name == "::1"
        }
        if let colon = name.lastIndex(of: ":") { name = name[..<colon] }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        return isLoopback(address: String(name))
    }

    /// Whether an IP address literal is a loopback address (127.0.0.0/8 or ::1).
    public static func isLoopback(address: String) -> Bool {
        if address == "::1" { return true }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    /// A client-sent string as it may appear in a message: printable ASCII, at most 64 characters.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}
