import Foundation

/// A request head as read off a connection, before any screening: the
/// request line's three parts and every header line in order, nothing
/// decoded. `sluice ui` reads heads itself (FlyingFox read them a byte at a
/// time with no size limit or deadline), so the whole head is bounded here:
/// at most `maxBytes`, or the connection gets 431 (414 when the request
/// line alone is too long) and is closed. Pure, so every limit is tested
/// without sockets.
public struct RequestHead: Sendable {
    public var method: String
    /// The request target as sent, percent-encoding intact.
    public var target: String
    public var version: String
    /// Every header line as (name, value), the value without surrounding blanks.
    public var headers: [(String, String)]

    /// Most bytes of a head, request line to the blank line that ends it:
    /// the screen's header limit, so one number bounds both.
    public static let maxBytes = RequestScreen.maxHeaderBytes
    /// Longest request line: the longest target `RequestScreen` answers, a method and a version.
    static let maxRequestLineBytes = RequestScreen.maxTargetBytes + 64

    /// What the bytes received so far hold.
    public enum Parse: Sendable {
        /// A whole head, and how many bytes it took (what follows is the next request).
        case head(RequestHead, consumed: Int)
        /// Not a whole head yet, and within the limits: read more.
        case incomplete
        /// A head no answer but this refusal fits; the connection is closed after it.
        case refused(RequestScreen.Refusal)
    }

    /// The value of the last header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Whether the client asked for the connection to end after this answer
    /// (`Connection: close`, or HTTP/1.0 without `keep-alive`).
    public var wantsClose: Bool {
        let connection = header("Connection")?.lowercased() ?? ""
        let tokens = connection.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tokens.contains("close") { return true }
        return version != "HTTP/1.1" && !tokens.contains("keep-alive")
    }

    /// Parses `bytes` when they begin with a whole head. Lines end in CRLF
    /// (a bare LF is accepted); blank lines before the request line are skipped.
    public static func parse(_ bytes: [UInt8]) -> Parse {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var headerCount = 0
        let newline = UInt8(ascii: "\n")
        while start < bytes.count, start <= maxBytes {
            guard let end = bytes[start...].firstIndex(of: newline) else { break }
            var line = bytes[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = end + 1
            if line.isEmpty {
                if lines.isEmpty { continue }  // a stray CRLF before the request line
                guard start <= maxBytes else { return .refused(tooLarge) }
                return finish(lines, consumed: start)
            }
            if lines.isEmpty, line.count > maxRequestLineBytes { return .refused(tooLong) }
            lines.append(line)
            if lines.count > 1 { headerCount += 1 }
            if headerCount > RequestScreen.maxHeaderCount { return .refused(tooLarge) }
        }
        // No blank line yet: refuse as soon as a limit is already passed.
        if lines.isEmpty, bytes.count - start > maxRequestLineBytes,
           !bytes[start...].allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == newline }) {
            return .refused(tooLong)
        }
        return bytes.count > maxBytes ? .refused(tooLarge) : .incomplete
    }

    private static func finish(_ lines: [ArraySlice<UInt8>], consumed: Int) -> Parse {
        guard let first = lines.first else { return .refused(malformed("no request line")) }
        let parts = first.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return .refused(malformed("malformed request line")) }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .refused(malformed("unsupported HTTP version")) }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            // No folded lines (RFC 9112 §5.2) and no blank before the colon (§5.1).
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  let firstByte = line.first, firstByte != UInt8(ascii: " "), firstByte != UInt8(ascii: "\t"),
                  !line[..<colon].contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else {
                return .refused(malformed("malformed header line"))
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            headers.append((name, value))
        }
        let head = RequestHead(method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
                               version: version, headers: headers)
        return .head(head, consumed: consumed)
    }

    static let tooLarge = RequestScreen.Refusal(431, "request head larger than \(maxBytes) bytes or \(RequestScreen.maxHeaderCount) header lines")
    static let tooLong = RequestScreen.Refusal(414, "request target longer than \(RequestScreen.maxTargetBytes) bytes")
    static func malformed(_ what: String) -> RequestScreen.Refusal { RequestScreen.Refusal(400, what) }
}
