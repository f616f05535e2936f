import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice ui` in a real browser (issue 25's acceptance): Debian's headless
/// Chromium driven through Debian's chromedriver over W3C WebDriver (plain
/// JSON over HTTP, spoken with the raw client of UIServerSupport.swift, so
/// no Python package is needed). Without them `swift test` skips these with a
/// message; scripts/test-browser installs Debian's `chromium` and
/// `chromium-driver` and fails if they are skipped.
///
/// Nothing here may hang: chromedriver picks its own port (`--port=0`, read
/// from the line it prints), every socket read has a timeout, every wait a
/// deadline, and `close()` kills chromedriver and every Chromium process it
/// started (found by walking /proc's parent links from its pid) and reaps it,
/// in a `defer`, whatever the test did.
final class Browser {
    static let chromedriver = "/usr/bin/chromedriver"
    static let chromium = "/usr/bin/chromium"
    static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriver) && FileManager.default.isExecutableFile(atPath: chromium)
    }

    private let driver = Process()
    private var port = 0
    private var session: String?
    private var closed = false

    init() throws {
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=0"]
        let out = Pipe()
        driver.standardOutput = out
        driver.standardError = FileHandle.nullDevice
        driver.standardInput = FileHandle.nullDevice
        try driver.run()
        do {
            port = try Self.announcedPort(out.fileHandleForReading, within: 20)
            // Keep draining its stdout so chromedriver never blocks on a full pipe.
            DispatchQueue.global().async { _ = out.fileHandleForReading.readDataToEndOfFile() }
            let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                // Every command bounded: a page that never loads fails the command instead of hanging it.
                "timeouts": ["pageLoad": 20_000, "script": 10_000, "implicit": 0],
                "goog:chromeOptions": ["binary": Self.chromium,
                                       "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                "--no-first-run", "--window-size=1280,900",
                                                "--disable-breakpad", "--disable-crash-reporter"]],
            ]]]
            let started = try Self.call(port, "POST", "/session", capabilities, timeout: 60)
            guard let value = started as? [String: Any], let id = value["sessionId"] as? String else {
                throw TestFailure("chromedriver started no session: \(String(describing: started))")
            }
            session = id
        } catch {
            close()
            throw error
        }
    }

    /// The port in chromedriver's "ChromeDriver was started successfully on port N." line.
    private static func announcedPort(_ handle: FileHandle, within seconds: TimeInterval) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [String] = []
        while Date() < deadline {
            guard let line = UIServerProcess.readLine(handle, timeout: max(0.1, deadline.timeIntervalSinceNow)) else { break }
            seen.append(line)
            if let range = line.range(of: #"on port [0-9]+"#, options: .regularExpression), line.contains("successfully"),
               let port = Int(line[range].dropFirst("on port ".count)), port > 0 {
                return port
            }
        }
        throw TestFailure("chromedriver printed no port within \(Int(seconds)) s: \(seen)")
    }

    /// Ends the session (bounded), then kills chromedriver and every process below it
    /// and reaps chromedriver. Safe to call more than once.
    func close() {
        guard !closed else { return }
        closed = true
        if let session { _ = try? Self.call(port, "DELETE", "/session/\(session)", nil, timeout: 10) }
        session = nil
        let pid = driver.processIdentifier
        guard pid > 0 else { return }
        // chromedriver quits Chromium on DELETE; give it a moment, then kill whatever is left.
        let deadline = Date().addingTimeInterval(5)
        while !Self.descendants(of: pid).isEmpty && Date() < deadline { usleep(50_000) }
        for child in Self.descendants(of: pid) { kill(child, SIGKILL) }
        if getpgid(pid) == pid { kill(-pid, SIGKILL) }  // its own process group: everything it started
        kill(pid, SIGKILL)
        driver.waitUntilExit()
    }

    deinit { close() }

    /// Every live process whose chain of parents reaches `root` (from /proc).
    static func descendants(of root: pid_t) -> [pid_t] {
        var parent: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parent[pid] = ppid }
        }
        return parent.keys.filter { pid in
            var current = pid
            for _ in 0..<64 {
                guard let up = parent[current] else { return false }
                if up == root { return true }
                current = up
            }
            return false
        }
    }

    /// One WebDriver command; its `value`.
    private static func call(_ port: Int, _ method: String, _ path: String, _ body: Any?, timeout: Int = 30) throws -> Any? {
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? ""
        let reply = try RawHTTP.send(port: port, RawHTTP.request(method, path, headers: ["Content-Type: application/json"], body: text),
                                     timeout: timeout)
        let object = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
        if reply.status != 200 { throw TestFailure("WebDriver \(method) \(path): \(reply.status) \(reply.text.prefix(300))") }
        return object?["value"]
    }

    private func command(_ method: String, _ path: String, _ body: Any?) throws -> Any? {
        guard let session else { throw TestFailure("the browser was closed") }
        return try Self.call(port, method, "/session/\(session)\(path)", body)
    }

    func open(_ url: String) throws { _ = try command("POST", "/url", ["url": url]) }

    /// `script`'s return value (a function body run in the page).
    func run(_ script: String) throws -> Any? {
        try command("POST", "/execute/sync", ["script": script, "args": []])
    }

    /// Clicks the first element matching `selector` as a user would (WebDriver's element click).
    func click(_ selector: String) throws {
        let found = try command("POST", "/element", ["using": "css selector", "value": selector]) as? [String: Any]
        guard let element = found?.values.first as? String else { throw TestFailure("no element \(selector)") }
        _ = try command("POST", "/element/\(element)/click", [String: Any]())
    }

    /// Polls `script` until it returns true; false after `seconds`.
    func wait(_ script: String, seconds: TimeInterval = 20) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try run(script) as? Bool == true { return true }
            usleep(100_000)
        }
        return false
    }

    var text: String { (try? run("return document.body.innerText") as? String) ?? "" }
}

private let quick = """
    pipeline: quick
    params:
      tickers: [AAPL, MSFT]
    tasks:
      fetch:
        foreach: params.tickers
        run: echo "{{ item }}"
      report:
        needs: [fetch]
        run: echo report

    """

private let slowLive = """
    pipeline: slowlive
    tasks:
      warmup:
        run: sleep 2
      finish:
        needs: [warmup]
        run: sleep 1; echo finished

    """

private let outsideMarker = "OUTSIDE-THE-RECORDS-b41c"

@Suite(.serialized, .enabled(if: Browser.installed,
                             "Chromium or chromedriver is not installed: scripts/test-browser installs them and runs these tests"))
struct UIBrowserTests {
    /// A workspace with `runs` runs of `quick`, served by `sluice ui`, and a browser.
    final class Served {
        let workspace: RunWorkspace
        let server: UIServerProcess
        let browser: Browser
        let runIDs: [String]
        var base: String { "http://127.0.0.1:\(server.port)" }

        init(runs: Int = 2) throws {
            workspace = try RunWorkspace()
            do {
                try workspace.write("quick.yaml", quick)
                try workspace.write("slowlive.yaml", slowLive)
                try workspace.write("private.txt", outsideMarker)
                var ids: [String] = []
                for _ in 0..<runs {
                    let run = try workspace.run("quick.yaml", ["--no-cache"])
                    try #require(run.status == 0, "\(run.stderr)")
                    ids.append(try #require(try workspace.show().runID))
                }
                runIDs = ids
            } catch {
                workspace.cleanUp()
                throw error
            }
            do {
                server = try UIServerProcess(["--workspace", workspace.path], cwd: workspace.url)
            } catch {
                workspace.cleanUp()
                throw error
            }
            do {
                browser = try Browser()
            } catch {
                server.stop()
                workspace.cleanUp()
                throw error
            }
        }

        /// Kills the browser and the server whatever the test's outcome (the tests call it in a `defer`).
        func cleanUp() {
            browser.close()
            server.stop()
            workspace.cleanUp()
        }
    }

    @Test func theRunsPageListsRunsAndLinksToTheirPages() throws {
        let served = try Served()
        defer { served.cleanUp() }
        let browser = served.browser
        try browser.open(served.base + "/")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-run]').length === 2"), "\(browser.text)")
        for id in served.runIDs {
            #expect(browser.text.contains(id))
            #expect(try browser.run("return document.querySelector('a[href=\"/runs/\(id)\"]') !== null") as? Bool == true)
        }
        #expect(browser.text.contains("success"))
        // Following the link (a real click, which the page handles in place) shows that run's page.
        let first = served.runIDs[0]
        _ = try browser.run("window.sluiceNoReload = 'still here'; return true")
        try browser.click("a[href=\"/runs/\(first)\"]")
        #expect(try browser.wait("return location.pathname === '/runs/\(first)' && document.querySelectorAll('tr[data-task]').length > 0"),
                "\(browser.text)")
        #expect(browser.text.contains(first))
        #expect(try browser.run("return window.sluiceNoReload") as? String == "still here", "the link reloaded the page")
        // The same URL opened afresh (a bookmark, a reload) shows the same page.
        try browser.open(served.base + "/runs/\(first)")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-task]').length > 0"), "\(browser.text)")
        #expect(browser.text.contains(first))
    }

    /// A live update still loading when a link is followed must not put the page just left back
    /// (an older render finishing after the newer one). `/api/runs` is held back 1.5 s in the page.
    @Test func aSlowUpdateFinishingAfterALinkWasFollowedDoesNotPutTheOldPageBack() throws {
        let served = try Served(runs: 1)
        defer { served.cleanUp() }
        let browser = served.browser
        let id = served.runIDs[0]
        try browser.open(served.base + "/")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-run]').length === 1"), "\(browser.text)")
        _ = try browser.run("""
            const real = window.fetch;
            window.fetch = (path, options) => path === '/api/runs'
              ? new Promise((done) => setTimeout(() => done(real(path, options)), 1500)) : real(path, options);
            window.dispatchEvent(new PopStateEvent('popstate'));
            return true
            """)
        try browser.click("a[href=\"/runs/\(id)\"]")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-task]').length > 0"), "\(browser.text)")
        usleep(2_500_000)  // past the held-back runs list
        #expect(try browser.run("return location.pathname") as? String == "/runs/\(id)")
        #expect(try browser.run("return document.querySelectorAll('tr[data-task]').length > 0 && document.querySelectorAll('tr[data-run]').length === 0") as? Bool == true,
                "the runs list came back over the run page: \(browser.text)")
    }

    @Test func aRunPageShowsEveryTaskItsStateAndTheGraph() throws {
        let served = try Served(runs: 1)
        defer { served.cleanUp() }
        let browser = served.browser
        let id = served.runIDs[0]
        try browser.open(served.base + "/runs/\(id)")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-task]').length >= 3"), "\(browser.text)")
        let rows = try browser.run("return [...document.querySelectorAll('tr[data-task]')].map(r => r.innerText)") as? [String] ?? []
        #expect(rows.count == 3, "\(rows)")
        for (task, label) in [("fetch", "AAPL"), ("fetch", "MSFT"), ("report", nil)] as [(String, String?)] {
            #expect(rows.contains { $0.contains(task) && (label.map($0.contains) ?? true) && $0.contains("success") }, "\(task) \(label ?? ""): \(rows)")
        }
        // The built-in SVG graph, drawn inline, a node per task.
        #expect(try browser.wait("return document.querySelector('#graph svg') !== null"), "\(browser.text)")
        let nodes = try browser.run("return [...document.querySelectorAll('#graph svg g.node')].map(n => n.dataset.task).sort()") as? [String]
        #expect(nodes == ["fetch", "report"], "\(String(describing: nodes))")
    }

    @Test func aRunStartedAfterThePageOpenedAppearsAndFinishesWithoutAReload() throws {
        let served = try Served(runs: 1)
        defer { served.cleanUp() }
        let browser = served.browser
        try browser.open(served.base + "/")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-run]').length === 1"), "\(browser.text)")
        #expect(try browser.wait("return document.getElementById('live').textContent === 'live'"), "\(browser.text)")
        // Lost on any reload: shows the page was updated in place.
        _ = try browser.run("window.sluiceNoReload = 'still here'; return true")

        let run = Process()
        run.executableURL = CLI.binary
        run.arguments = ["run", "slowlive.yaml"]
        run.currentDirectoryURL = served.workspace.url
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        defer {
            if run.isRunning { kill(run.processIdentifier, SIGKILL) }
            run.waitUntilExit()
        }
        let newRow = "[...document.querySelectorAll('tr[data-run]')].find(r => r.innerText.includes('slowlive'))"
        #expect(try browser.wait("const r = \(newRow); return !!r && r.innerText.includes('running')", seconds: 15),
                "the new run did not appear as running: \(browser.text)")
        #expect(run.isRunning, "it appeared while it ran")
        #expect(try browser.wait("const r = \(newRow); return !!r && r.innerText.includes('success')", seconds: 20),
                "the new run did not finish on the page: \(browser.text)")
        #expect(try browser.run("return window.sluiceNoReload") as? String == "still here", "the page reloaded")
    }

    @Test func aURLTryingToLeaveTheWorkspaceIsRefused() throws {
        let served = try Served(runs: 1)
        defer { served.cleanUp() }
        let browser = served.browser
        let id = served.runIDs[0]
        try browser.open(served.base + "/")
        #expect(try browser.wait("return document.querySelectorAll('tr[data-run]').length === 1"), "\(browser.text)")
        for path in ["/api/runs/..%2f..%2f..%2fprivate.txt", "/assets/..%2f..%2fprivate.txt", "/assets/%2e%2e%2f%2e%2e%2fprivate.txt",
                     "/api/runs/\(id)/log?task=..%2f..%2f..%2f..%2fprivate.txt", "/api/pipelines/..%2f..%2fprivate.txt",
                     "/api/runs/%2e%2e"] {
            // The status the browser sees (a synchronous request from the page), then the page it shows.
            let status = try browser.run("""
                const r = new XMLHttpRequest(); r.open('GET', \(Self.jsString(path)), false); r.send(); return r.status
                """) as? Int
            #expect(status.map { (400..<500).contains($0) } == true, "\(path): \(String(describing: status))")
            try browser.open(served.base + path)
            let text = browser.text
            #expect(!text.contains(outsideMarker), "\(path) showed the file outside the records")
            #expect(text.contains("\"error\""), "\(path): \(text)")
        }
        // The page route for such a name is refused too (404), and a name that passes the checks
        // but names no run gets the page, which says so.
        try browser.open(served.base + "/runs/..%2f..%2fprivate.txt")
        #expect(browser.text.contains("\"error\""), "\(browser.text)")
        #expect(!browser.text.contains(outsideMarker))
        try browser.open(served.base + "/runs/20990101T000000Z-none")
        #expect(try browser.wait("return document.querySelector('.error-box') !== null"), "\(browser.text)")
    }

    static func jsString(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8), as: UTF8.self)
            .dropFirst().dropLast().description
    }
}
