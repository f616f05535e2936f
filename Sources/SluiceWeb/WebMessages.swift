import SluiceBasics

/// One GET (or HEAD) the UI makes, as the HTTP server received it. `path`
/// is raw (still percent-encoded, without the query): the responder splits
/// it into segments first and decodes each, so an encoded `/` (`%2f`) can
/// never make a new segment. `query` holds decoded values (the server's
/// HTTP library decodes them; `init(target:)` does it for callers without one).
public struct WebRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]

    public init(method: String = "GET", path: String, query: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.query = query
    }

    /// A raw request target, `/api/runs?pipeline=daily`: the path stays
    /// raw, each query value is percent-decoded (`+` a space); a query
    /// value that does not decode is dropped (it then names nothing).
    public init(method: String = "GET", target: String) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.method = method
        path = String(parts.first ?? "")
        query = [:]
        guard parts.count > 1 else { return }
        for pair in parts[1].split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let plus = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ") }
            guard let key = WebPath.percentDecoded(plus(keyValue[0])),
                  let value = WebPath.percentDecoded(keyValue.count > 1 ? plus(keyValue[1]) : "") else { continue }
            if query[key] == nil { query[key] = value }
        }
    }
}

/// What the responder answers: a status, a content type and the body.
public struct WebResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    static let jsonType = "application/json; charset=utf-8"

    static func json(_ value: JSON, status: Int = 200) -> WebResponse {
        WebResponse(status: status, contentType: jsonType, body: value.prettyUTF8())
    }

    /// `{"version": 1, "error": "..."}` with a 4xx status.
    static func error(_ status: Int, _ message: String) -> WebResponse {
        json(.object([("version", .int(1)), ("error", .string(message))]), status: status)
    }

    static func text(_ bytes: [UInt8]) -> WebResponse {
        WebResponse(status: 200, contentType: "text/plain; charset=utf-8", body: bytes)
    }
}

/// Turning a URL's path into names the responder may look up. Nothing from
/// a URL is ever joined into a file path: a name is only compared with the
/// names the catalog and the run record list. These checks refuse early what
/// could never be such a name, so errors say so plainly.
enum WebPath {
    /// The longest name accepted from a URL (run ids are ~30 bytes; tasks and outputs are identifiers).
    static let maxNameBytes = 255

    /// The raw path's segments, each percent-decoded, or nil when one does not
    /// decode (a bad escape, invalid UTF-8) or holds what no name holds.
    static func segments(_ rawPath: String) -> [String]? {
        guard rawPath.hasPrefix("/") else { return nil }
        var result: [String] = []
        for raw in rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = percentDecoded(raw) else { return nil }
            result.append(decoded)
        }
        // `/` alone is the index; a trailing slash names nothing.
        if result == [""] { return [] }
        return result
    }

    /// Whether a decoded segment or query value could name a run, pipeline, task or output:
    /// one component, not hidden (so never `.` or `..`), no separator, no control character, not too long.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxNameBytes && !text.hasPrefix(".")
            && !text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
    }

    /// A map instance's label: any text the run recorded, but no NUL and not huge.
    static func isLabel(_ text: String) -> Bool { text.utf8.count <= 4096 && !text.utf8.contains(0) }

    /// `%41` → `A`; nil for a bad escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: some StringProtocol) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
