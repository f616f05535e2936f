import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice ui` against hostile clients (issue 25's hardening): a huge head,
/// endless header lines, a client sending one byte a second, and a thousand
/// connections opened and left idle. Each is refused or cut off within the
/// limits docs/ui.md states, and the server keeps answering everyone else.
@Suite(.serialized) struct UIServerAttackTests {
    private func served() throws -> (RunWorkspace, UIServerProcess) {
        let workspace = try RunWorkspace()
        try FileManager.default.createDirectory(at: workspace.url.appendingPathComponent(".sluice/runs"), withIntermediateDirectories: true)
        do {
            return (workspace, try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url))
        } catch {
            workspace.cleanUp()
            throw error
        }
    }

    /// Answered 200 within `seconds`.
    private func answersPromptly(_ server: UIServerProcess, within seconds: TimeInterval = 3) -> Bool {
        let start = Date()
        let reply = try? RawHTTP.send(port: server.port, RawHTTP.request("GET", "/api/runs"), timeout: Int(seconds) + 1)
        return reply?.status == 200 && Date().timeIntervalSince(start) < seconds
    }

    /// Reads what the server sends on `fd` until it closes or `seconds` pass.
    private func readUntilClosed(_ fd: Int32, within seconds: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return (received, true) }
            if n > 0 { received += buffer[0..<n] }
        }
        return (received, false)
    }

    @Test func aHugeHeadIsRefusedAtOnceAndAnEightKilobyteLineIsAnsweredQuickly() throws {
        let (workspace, server) = try served()
        defer {
            server.stop()
            workspace.cleanUp()
        }
        var start = Date()
        let huge = try RawHTTP.send(port: server.port, RawHTTP.request("GET", "/api/runs", headers: ["X-Huge: " + String(repeating: "h", count: 65_536)]),
                                    timeout: 10)
        #expect(huge.status == 431, "\(huge.text)")
        #expect(huge.headers["connection"] == "close")
        #expect(Date().timeIntervalSince(start) < 3, "took \(Date().timeIntervalSince(start)) s")

        // One 8 KB header line (within the limit) took 16.7 s to answer through FlyingFox's line reader.
        start = Date()
        let eight = try RawHTTP.send(port: server.port, RawHTTP.request("GET", "/api/runs", headers: ["X-Eight: " + String(repeating: "e", count: 8_192)]),
                                     timeout: 20)
        #expect(eight.status == 200, "\(eight.text)")
        #expect(Date().timeIntervalSince(start) < 2, "took \(Date().timeIntervalSince(start)) s")

        // Header lines without end: the server stops reading past the limit, answers 431 and closes.
        start = Date()
        let fd = try RawHTTP.connect(port: server.port, timeout: 10)
        defer { close(fd) }
        RawHTTP.write(fd, Array("GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8))
        var sent = 0
        while sent < 4_000_000 && Date().timeIntervalSince(start) < 10 {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 0) > 0 { break }  // the server answered
            let line = Array("X-Endless-\(sent): \(String(repeating: "v", count: 40))\r\n".utf8)
            guard Glibc.send(fd, line, line.count, Int32(MSG_NOSIGNAL)) == line.count else { break }
            sent += line.count
        }
        let answer = readUntilClosed(fd, within: 5)
        #expect(answer.closed, "the connection stayed open after \(sent) bytes of header lines")
        let reply = try RawHTTP.parse(answer.bytes)
        #expect(reply.status == 431, "\(reply.text)")
        #expect(sent < 200_000, "the server read \(sent) bytes of head before refusing")
        #expect(answersPromptly(server))
    }

    @Test func aSlowClientAndAThousandIdleConnectionsAreCutOffWhileOthersAreAnswered() throws {
        let (workspace, server) = try served()
        defer {
            server.stop()
            workspace.cleanUp()
        }
        let opened = Date()
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<1_000 { idle.append(try RawHTTP.connect(port: server.port, timeout: 2)) }

        // Slowloris: a head that never ends, one byte a second, from its own thread.
        let slow = try RawHTTP.connect(port: server.port, timeout: 2)
        defer { close(slow) }
        let slowStart = Date()
        let stopSending = DispatchSemaphore(value: 0)
        let sender = Thread {
            var byte = 0
            let head = Array("GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
            while stopSending.wait(timeout: .now() + 1) == .timedOut {
                let next = byte < head.count ? head[byte] : UInt8(ascii: "s")
                guard Glibc.send(slow, [next], 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
                byte += 1
            }
        }
        sender.start()
        defer { stopSending.signal() }

        // The others are answered all along.
        for _ in 0..<4 {
            #expect(answersPromptly(server), "a normal request was not answered within 3 s during the attack")
            usleep(500_000)
        }
        // The slow head is cut off with 408 within the head deadline (10 s), not held forever.
        let slowAnswer = readUntilClosed(slow, within: 16)
        stopSending.signal()
        #expect(slowAnswer.closed, "the slow client's connection is still open after \(Date().timeIntervalSince(slowStart)) s")
        #expect(String(decoding: slowAnswer.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 408 "), "\(String(decoding: slowAnswer.bytes, as: UTF8.self))")
        #expect(Date().timeIntervalSince(slowStart) < 14)
        #expect(answersPromptly(server))

        // The idle connections are closed once the idle deadline (10 s) passed.
        let wait = 14 - Date().timeIntervalSince(opened)
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        let stillOpen = idle.filter { !readUntilClosed($0, within: 0.01).closed }
        #expect(stillOpen.isEmpty, "\(stillOpen.count) of 1000 idle connections still open after 14 s")
        #expect(answersPromptly(server))
    }
}
