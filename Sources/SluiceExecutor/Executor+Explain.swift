import Foundation
import SluicePlan

/// `--explain`: why an instance ran, against the most recent cache key an
/// earlier run of the pipeline journaled for it (`cache_key` on its
/// `success` or `cached` event) and that entry's recorded components.
extension Executor {
    /// Earlier runs read for `--explain`, newest first.
    static let explainRunLimit = 20

    func explainMiss(_ ref: InstanceRef, _ key: CacheKey) -> String {
        let instance = self.key(ref)
        let earlier: (key: String, runID: String)?
        if instance.mapIndex != nil, let item = key.components.first(where: { $0.kind == .item }) {
            // A map instance is keyed by its item, wherever it sits in the list:
            // it is compared with the newest earlier entry for the same item.
            earlier = previousKey(task: instance.task, item: item.digest)
            if earlier == nil { return "ran: item \(item.display) is new (no earlier run made a cache entry for it)" }
        } else {
            earlier = previousKey(instance)
        }
        guard let previous = earlier else { return "ran: no earlier run made a cache entry for it" }
        guard let store = cache, let components = store.components(previous.key) else {
            return "ran: the cache entry of run \(previous.runID) (\(CacheKey.short(previous.key))…) is gone"
        }
        if previous.key == key.digest { return "ran: the cached outputs of \(CacheKey.short(key.digest))… are missing or damaged" }
        let before = Dictionary(components.map { ("\($0.kind.rawValue)\u{0}\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        let now = Dictionary(key.components.map { ("\($0.kind.rawValue)\u{0}\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        for kind in KeyComponent.Kind.allCases {
            let names = Set(before.values.filter { $0.kind == kind }.map(\.name)).union(now.values.filter { $0.kind == kind }.map(\.name))
            for name in names.sorted() {
                let id = "\(kind.rawValue)\u{0}\(name)"
                let old = before[id], new = now[id]
                guard old?.digest != new?.digest else { continue }
                return "ran: " + Self.describeChange(kind, name, old: old, new: new, upstreamRan: upstreamRan(name))
            }
        }
        return "ran: the cache key changed (cache format \(CacheKey.formatVersion))"
    }

    private static func describeChange(_ kind: KeyComponent.Kind, _ name: String, old: KeyComponent?, new: KeyComponent?,
                                       upstreamRan: Bool) -> String {
        let change = changeText(old?.display, new?.display)
        switch kind {
        case .param:
            if old == nil { return "param \(name) is new \(change)" }
            return "param \(name) changed \(change)"
        case .deps:
            if new?.display == "missing" { return "deps file \(name) is missing" }
            return old == nil ? "deps file \(name) was added" : "deps file \(name) changed"
        case .value: return "upstream value \(name) changed \(change)"
        case .env: return old == nil || new == nil ? "env \(name) was \(old == nil ? "added" : "removed")" : "env \(name) changed \(change)"
        case .item: return "item changed \(change)"
        case .variable: return "\(name) changed \(change)"
        case .upstream:
            if old == nil || new == nil { return "upstream \(name) was \(old == nil ? "added" : "removed")" }
            return upstreamRan ? "upstream \(name) ran" : "upstream \(name) changed \(change)"
        case .outputs: return "declared outputs changed"
        case .command: return "command changed"
        case .task: return "task changed"
        }
    }

    /// `(old -> new)`, each side at most 40 characters: from the start when
    /// they differ early, else from shortly before the first difference
    /// (`…"CCC","DDD"] -> …"CCC","DDD","EEE"]`), so a change is never shown
    /// as two identical texts.
    static func changeText(_ old: String?, _ new: String?) -> String {
        let shown = 40
        let before = Array(old ?? "none"), after = Array(new ?? "none")
        guard let first = (0..<min(before.count, after.count)).first(where: { before[$0] != after[$0] })
                ?? (before.count == after.count ? nil : min(before.count, after.count)) else {
            return "(not shown: the change is past the first \(CacheKey.displayLimit) characters or in a secret)"
        }
        let start = first < shown ? 0 : first - shown / 2
        func window(_ text: [Character]) -> String {
            let end = min(text.count, start + shown)
            let cut = start < text.count ? String(text[start..<end]) : ""
            return (start > 0 ? "…" : "") + cut + (end < text.count ? "…" : "")
        }
        return "(\(window(before)) -> \(window(after)))"
    }

    /// Whether an upstream task (by id) ran in this run rather than coming from the cache.
    private func upstreamRan(_ id: String) -> Bool {
        guard let index = graph.index[id] else { return false }
        let refs = graph.tasks[index].isMapped
            ? (0..<(scheduler.expandedCount(index) ?? 0)).map { InstanceRef(task: index, mapIndex: $0) }
            : [InstanceRef(task: index, mapIndex: nil)]
        return refs.contains { record.instance(key($0))?.state == .success }
    }

    /// The newest earlier run's cache key for this instance, loaded once per run.
    private func previousKey(_ instance: InstanceKey) -> (key: String, runID: String)? {
        loadedPreviousKeys().byInstance[instance]
    }

    /// The newest earlier cache key of a map instance of `task` whose item
    /// had this digest (read from the entries' components, once per task).
    private func previousKey(task: String, item digest: String) -> (key: String, runID: String)? {
        let previous = loadedPreviousKeys()
        if previous.byItem[task] == nil {
            var found: [String: (key: String, runID: String)] = [:]
            for earlier in previous.mapped[task] ?? [] {
                guard let item = cache?.components(earlier.key)?.first(where: { $0.kind == .item }), found[item.digest] == nil else { continue }
                found[item.digest] = earlier
            }
            previous.byItem[task] = found
        }
        return previous.byItem[task]?[digest]
    }

    private func loadedPreviousKeys() -> PreviousKeys {
        if let previousKeys { return previousKeys }
        let loaded = Self.loadPreviousKeys(workspace: workspace, pipeline: plan.pipeline, except: runID)
        previousKeys = loaded
        return loaded
    }

    static func loadPreviousKeys(workspace: String, pipeline: String, except: String) -> PreviousKeys {
        let found = PreviousKeys()
        let store = RunStore(workspace: workspace)
        let runs = store.runs(pipeline: pipeline).filter { $0.runID != except }
        for run in runs.prefix(explainRunLimit) {
            guard let record = try? store.record(of: run) else { continue }
            for instance in record.instances {
                guard let key = instance.cacheKey else { continue }
                if found.byInstance[instance.key] == nil { found.byInstance[instance.key] = (key, run.runID) }
                if instance.key.mapIndex != nil { found.mapped[instance.key.task, default: []].append((key, run.runID)) }
            }
        }
        return found
    }
}

/// Earlier runs' cache keys, for `--explain`: by instance, and for map
/// instances (keyed by their items, not their indexes) by task, newest first.
final class PreviousKeys {
    var byInstance: [InstanceKey: (key: String, runID: String)] = [:]
    var mapped: [String: [(key: String, runID: String)]] = [:]
    /// By task, then by the digest of the item: filled when first asked.
    var byItem: [String: [String: (key: String, runID: String)]] = [:]
}
