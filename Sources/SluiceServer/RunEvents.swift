import FlyingSocks
import Foundation
import SluiceBasics
import SluiceExecutor

/// What `/api/events` watches: every run's journal in the workspaces, by
/// size and modification time (`RunStore.journalStamps`, a stat each, no
/// journal read). A journal is only appended to while its run goes on, so a
/// changed stamp is a new run or a running run's progress; finished runs
/// cost one stat per poll.
public struct RunsWatcher: Sendable {
    /// A run's journal stamp, keyed by the run directory's path.
    public typealias Snapshot = [String: (runID: String, stamp: JournalStamp)]

    let stores: [RunStore]

    public init(workspaces: [String]) {
        stores = RunCatalog(workspaces: workspaces).stores
    }

    public func snapshot() -> Snapshot {
        var snapshot: Snapshot = [:]
        for store in stores {
            for (run, stamp) in store.journalStamps() { snapshot[run.path] = (run.runID, stamp) }
        }
        return snapshot
    }

    /// The ids of the runs that appeared, changed or went away between two snapshots, sorted.
    public static func changes(from old: Snapshot, to new: Snapshot) -> [String] {
        var ids = Set<String>()
        for (path, entry) in new where old[path]?.stamp != entry.stamp { ids.insert(entry.runID) }
        for (path, entry) in old where new[path] == nil { ids.insert(entry.runID) }
        return ids.sorted()
    }

    /// The server-sent event for changed runs: the default event type (so
    /// `EventSource.onmessage` sees it) with `{"version": 1, "runs": [ids]}`.
    public static func event(runs ids: [String]) -> [UInt8] {
        let data = JSON.object([("version", .int(1)), ("runs", .array(ids.map(JSON.string)))]).compact()
        return Array("data: \(data)\n\n".utf8)
    }
}

/// The body of `/api/events`: `text/event-stream` for as long as the client
/// stays. It starts with a `retry` hint and a comment, then polls the
/// watcher every `interval`, sending an event when runs changed and a
/// keep-alive comment after `keepAlive` of silence (so proxies and the
/// browser keep the connection). It ends when the connection's task is
/// cancelled (the client went away or the server stops).
struct RunEventStream: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8

    let watcher: RunsWatcher
    let interval: Duration
    let keepAlive: Duration

    func makeAsyncIterator() -> Iterator {
        Iterator(watcher: watcher, interval: interval, keepAlive: keepAlive)
    }

    struct Iterator: AsyncBufferedIteratorProtocol {
        let watcher: RunsWatcher
        let interval: Duration
        let keepAlive: Duration
        private var last: RunsWatcher.Snapshot
        private var pending: [UInt8]
        private var quietSince: ContinuousClock.Instant

        init(watcher: RunsWatcher, interval: Duration, keepAlive: Duration) {
            self.watcher = watcher
            self.interval = interval
            self.keepAlive = keepAlive
            last = watcher.snapshot()
            pending = Array("retry: 2000\n: sluice ui events\n\n".utf8)
            quietSince = .now
        }

        mutating func next() async throws -> UInt8? {
            try await nextBuffer(suggested: 1)?.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            while pending.isEmpty {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return nil  // cancelled: the stream ends
                }
                let now = watcher.snapshot()
                let changed = RunsWatcher.changes(from: last, to: now)
                last = now
                if !changed.isEmpty {
                    pending = RunsWatcher.event(runs: changed)
                    quietSince = .now
                } else if ContinuousClock.now - quietSince >= keepAlive {
                    pending = Array(": keep-alive\n\n".utf8)
                    quietSince = .now
                }
            }
            let taken = Array(pending.prefix(Swift.max(1, count)))
            pending.removeFirst(taken.count)
            return taken
        }
    }
}
