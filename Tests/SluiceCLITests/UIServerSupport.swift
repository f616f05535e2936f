import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the `sluice ui` end-to-end tests (this file holds no tests):
/// the real binary serving on a free port, and a raw HTTP/1.1 client on a
/// socket, so a request target reaches the server exactly as written (curl
/// and URLSession would normalise `/../` and encodings first).
final class UIServerProcess {
    let process = Process()
    let port: Int
    let firstLine: String
    private let stderrPipe = Pipe()

    /// `sluice ui ARGS --port 0` in `cwd`; waits for the URL line it prints.
    init(_ arguments: [String], cwd: URL, environment: [String: String] = [:]) throws {
        process.executableURL = CLI.binary
        process.arguments = ["ui"] + arguments + (arguments.contains("--port") ? [] : ["--port", "0"])
        process.currentDirectoryURL = cwd
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = Self.readLine(out.fileHandleForReading, timeout: 30)
        firstLine = line ?? ""
        guard let line, let range = line.range(of: #"http://[^ ]+:([0-9]+)/"#, options: .regularExpression) else {
            process.terminate()
            process.waitUntilExit()
            let err = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("sluice ui printed no URL: stdout \(line ?? "nothing"), stderr \(err)")
        }
        let url = String(line[range])
        port = Int(url.split(separator: ":").last?.dropLast() ?? "") ?? 0
        // Keep draining stdout so the server never blocks on a full pipe.
        DispatchQueue.global().async { _ = out.fileHandleForReading.readDataToEndOfFile() }
    }

    /// One line of `handle`, or nil after `timeout` seconds or at the end.
    static func readLine(_ handle: FileHandle, timeout: TimeInterval) -> String? {
        let box = LineBox()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(handle.fileDescriptor, &byte, 1) == 1 {
                if byte == UInt8(ascii: "\n") { break }
                bytes.append(byte)
            }
            box.set(bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self))
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return box.get()
    }

    final class LineBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: String?
        func set(_ text: String?) { lock.withLock { value = text } }
        func get() -> String? { lock.withLock { value } }
    }

    /// SIGINT, then waits up to `timeout` seconds: the exit status and stderr, or nil when it did not stop.
    func interrupt(timeout: TimeInterval = 10) -> (status: Int32, stderr: String)? {
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// Ends the server if a test left it running.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func get(_ target: String, method: String = "GET", headers: [String] = []) throws -> HTTPReply {
        try RawHTTP.send(port: port, RawHTTP.request(method, target, headers: headers))
    }
}

/// A response as read off the socket.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
}

enum RawHTTP {
    /// A request with `Host: 127.0.0.1` and `Connection: close` unless `headers` give their own.
    static func request(_ method: String, _ target: String, headers: [String] = [], body: String = "") -> [UInt8] {
        var lines = ["\(method) \(target) HTTP/1.1"]
        if !headers.contains(where: { $0.lowercased().hasPrefix("host:") }) { lines.append("Host: 127.0.0.1") }
        lines += headers
        if !headers.contains(where: { $0.lowercased().hasPrefix("connection:") }) { lines.append("Connection: close") }
        if !body.isEmpty { lines.append("Content-Length: \(body.utf8.count)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    /// A connected socket to 127.0.0.1:`port`, reads timing out after `timeout` seconds.
    static func connect(port: Int, timeout: Int = 15) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw TestFailure("connect to port \(port): errno \(errno)")
        }
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }  // the server may close early on a refused request; its answer is read next
            offset += n
        }
    }

    /// Sends `bytes` and reads the whole answer (the server closes after it: `Connection: close`).
    static func send(port: Int, _ bytes: [UInt8], timeout: Int = 15) throws -> HTTPReply {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        write(fd, bytes)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
            // A server that keeps the connection open (chromedriver) has answered once its Content-Length arrived.
            if let reply = try? parse(received), let length = reply.headers["content-length"].flatMap(Int.init),
               reply.body.count >= length { return reply }
        }
        return try parse(received)
    }

    static func parse(_ received: [UInt8]) throws -> HTTPReply {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, received.count - 3)).first(where: { Array(received[$0..<$0 + 4]) == separator }) else {
            throw TestFailure("no HTTP response head in \(received.count) bytes: \(String(decoding: received.prefix(200), as: UTF8.self))")
        }
        let head = String(decoding: received[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line \(head.first ?? "")") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(received[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<bytes.count).first(where: { bytes[$0] == UInt8(ascii: "\n") }) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd + 1
            out += bytes[start..<min(bytes.count, start + size)]
            index = start + size + 2
        }
        return out
    }
}

/// The listening TCP sockets on `port` as `address:port` in /proc/net/tcp's hex (local address, state 0A).
func listeningAddresses(port: Int) -> [String] {
    let hexPort = String(format: "%04X", port)
    var found: [String] = []
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A", fields[1].hasSuffix(":" + hexPort) else { continue }
            found.append(String(fields[1]))
        }
    }
    return found
}
