import Foundation
import SluiceBasics
import SluiceColumnar
import SluiceExecutor
import SluiceGraph
import SluicePlan

/// Answers every GET the UI makes (docs/ui.md) from the records of some
/// workspaces; the HTTP server (`sluice ui`) and the report (`sluice
/// report`) both call it. Pure apart from reading the records: every
/// request reads them afresh, so a run that changes shows its change.
///
/// A run id, pipeline, task, label or output from a URL is only ever looked
/// up among the names the catalog and the run record list (`RunCatalog`,
/// `RunRecord.instance`), and files are opened by `RunStore` from the
/// record's own names without following a symlink, so no URL reaches a file
/// the records do not name.
public struct WebResponder: Sendable {
    public let workspaces: [String]

    public init(workspaces: [String]) { self.workspaces = workspaces }

    /// The rows a table preview shows unless `head` says otherwise, and the most it shows.
    static let defaultHead = 50, maxHead = 1000
    /// The most of one log a response carries; past it the start is cut.
    static let maxLogBytes = 8 << 20

    public func respond(_ request: WebRequest) -> WebResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(405, "\(request.method) is not allowed: the UI is read-only")
        }
        guard let segments = WebPath.segments(request.path) else {
            return .error(400, "the path is not one this UI serves (bad escape, or not absolute)")
        }
        switch segments.first {
        case nil: return WebAssets.index
        case "runs", "pipelines":
            guard segments.count == 2, WebPath.isName(segments[1]) else { return notFound }
            return WebAssets.index
        case "assets":
            guard segments.count == 2, let asset = WebAssets.asset(named: segments[1]) else { return notFound }
            return asset
        case "api": return api(Array(segments.dropFirst()), query: request.query)
        default: return notFound
        }
    }

    private var notFound: WebResponse { .error(404, "no such page") }

    private func api(_ segments: [String], query: [String: String]) -> WebResponse {
        guard let first = segments.first, segments.count <= 3 else { return .error(404, "no such API path") }
        for name in segments.dropFirst() where !WebPath.isName(name) {
            return .error(400, "\"\(Self.shown(name))\" is not a name")
        }
        switch (first, segments.count) {
        case ("runs", 1): return runList(query)
        case ("runs", _):
            guard let run = catalog.find(segments[1]) else { return .error(404, "no run \(Self.shown(segments[1]))") }
            let part = segments.count == 3 ? segments[2] : nil
            return RunResource(run: run, catalog: catalog).respond(part, query: query)
        case ("pipelines", 2): return PipelineResource(name: segments[1], catalog: catalog).json()
        case ("pipelines", 3) where segments[2] == "graph.svg": return PipelineResource(name: segments[1], catalog: catalog).graph()
        default: return .error(404, "no such API path")
        }
    }

    var catalog: RunCatalog { RunCatalog(workspaces: workspaces) }

    /// `/api/runs`: as `sluice runs --format json`, each run with its task counts by state.
    private func runList(_ query: [String: String]) -> WebResponse {
        let catalog = self.catalog
        if let pipeline = query["pipeline"], !WebPath.isName(pipeline) { return .error(400, "\"\(Self.shown(pipeline))\" is not a pipeline name") }
        var entries: [JSON] = []
        for run in catalog.runs(pipeline: query["pipeline"]) {
            guard let record = try? catalog.record(of: run) else { continue }
            let state = catalog.state(of: record, run)
            if let wanted = query["state"], wanted != state.rawValue { continue }
            let counts = record.stateCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, JSON.int(Int64($0.value))) }
            guard case .object(var members) = RunsReport.entry(record, state: state, directory: run) else { continue }
            members.append(("task_states", .object(counts)))
            entries.append(.object(members))
        }
        return .json(RunsReport.json(entries))
    }

    /// A name from a URL as an error message shows it: printable, cut short.
    static func shown(_ text: String) -> String {
        let printable = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return printable.count > 80 ? String(printable.prefix(80)) + "…" : printable
    }
}

/// One run's API paths: `/api/runs/<id>`, `graph.svg`, `log`, `table`.
struct RunResource {
    let run: RunDirectory
    let catalog: RunCatalog

    var store: RunStore { RunStore(workspace: run.workspace) }

    func respond(_ part: String?, query: [String: String]) -> WebResponse {
        let record: RunRecord
        do { record = try catalog.record(of: run) } catch { return .error(404, "run \(run.runID) cannot be read: \(error.message)") }
        switch part {
        case nil:
            // Exactly `sluice show <id> --format json`.
            let json = ShowReport.json(record, state: catalog.state(of: record, run), directory: run, taskOrder: catalog.taskOrder(of: run))
            return .json(json)
        case "graph.svg"?: return graph(record)
        case "log"?: return log(record, query)
        case "table"?: return table(record, query)
        default: return .error(404, "no such API path")
        }
    }

    private func graph(_ record: RunRecord) -> WebResponse {
        guard let plan = store.storedPlan(of: run) else { return .error(404, "run \(run.runID) kept no readable plan to draw") }
        let overlay = RunOverlays.overlay(record, runID: run.runID, plan: plan)
        return WebResponse(status: 200, contentType: "image/svg+xml", body: Array(SVGRenderer.render(GraphSubject(plan: plan, overlay: overlay)).utf8))
    }

    /// The instance `task` (and `label`) of the query names, looked up in the record.
    private func instance(_ record: RunRecord, _ query: [String: String]) -> Result<RunRecord.InstanceRecord, WebFailure> {
        guard let task = query["task"] else { return .failure(WebFailure(400, "the query names no task")) }
        guard WebPath.isName(task) else { return .failure(WebFailure(400, "\"\(WebResponder.shown(task))\" is not a task name")) }
        if let label = query["label"], !WebPath.isLabel(label) { return .failure(WebFailure(400, "the label is not one a run records")) }
        do {
            return .success(try record.instance(InstanceSelector(task: task, label: query["label"]), taskOrder: catalog.taskOrder(of: run)))
        } catch {
            return .failure(WebFailure(404, error.message))
        }
    }

    /// `log?task=T&label=L&try=N`: the attempt's log as `sluice logs` prints it (masked when written).
    private func log(_ record: RunRecord, _ query: [String: String]) -> WebResponse {
        let instance: RunRecord.InstanceRecord
        switch self.instance(record, query) {
        case .success(let found): instance = found
        case .failure(let failure): return failure.response
        }
        let withLogs = instance.attempts.filter { $0.log != nil }
        let attempt: RunRecord.AttemptRecord?
        if let text = query["try"] {
            guard let number = Int(text), number >= 1 else { return .error(400, "try must be a number from 1") }
            attempt = withLogs.first { $0.attempt == number }
        } else {
            attempt = withLogs.last
        }
        guard let attempt else { return .error(404, "\(instance.name) has no such attempt with a log") }
        do {
            let log = try store.openAttemptLog(run, instance.key, attempt: attempt.attempt)
            var bytes: [UInt8] = []
            while case let chunk = log.next(), !chunk.isEmpty {
                bytes += chunk
                // Keep the end (where a failure shows) of a log too big to send whole.
                if bytes.count > WebResponder.maxLogBytes * 2 { bytes.removeFirst(bytes.count - WebResponder.maxLogBytes) }
            }
            if bytes.count > WebResponder.maxLogBytes {
                bytes = Array("[the start of this log is left out: `sluice logs` prints it whole]\n".utf8) + bytes.suffix(WebResponder.maxLogBytes)
            }
            return .text(bytes)
        } catch {
            return .error(404, error.message)
        }
    }

    /// `table?task=T&label=L&output=O&head=N`: a table output's first rows (`TablePreview`, as `sluice cat` reads it).
    private func table(_ record: RunRecord, _ query: [String: String]) -> WebResponse {
        let instance: RunRecord.InstanceRecord
        switch self.instance(record, query) {
        case .success(let found): instance = found
        case .failure(let failure): return failure.response
        }
        guard let output = query["output"], WebPath.isName(output) else { return .error(400, "the query names no output") }
        var head = WebResponder.defaultHead
        if let text = query["head"] {
            guard let number = Int(text), (0...WebResponder.maxHead).contains(number) else {
                return .error(400, "head must be a number from 0 to \(WebResponder.maxHead)")
            }
            head = number
        }
        // Table outputs are recorded as the path of `<output>.arrow` in the run's records (as `sluice cat` finds them).
        let tables = (instance.outputs.objectValue ?? []).filter { $0.1.stringValue?.hasSuffix("/" + $0.0 + ".arrow") == true }.map(\.0)
        guard tables.contains(output) else { return .error(404, "\(instance.name) has no table output \(output)") }
        do {
            let descriptor = try store.openOutputTable(run, instance.key, output: output)
            defer { close(descriptor) }
            return WebResponse(status: 200, contentType: WebResponse.jsonType, body: try TablePreview.json(path: "/dev/fd/\(descriptor)", head: head))
        } catch let error as ExecutorError {
            return .error(404, error.message)
        } catch {
            return .error(404, "\(instance.name).\(output) cannot be read: \(error)")
        }
    }
}

/// A refusal on the way to an answer: its status and message.
struct WebFailure: Error {
    var status: Int
    var message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    var response: WebResponse { .error(status, message) }
}
