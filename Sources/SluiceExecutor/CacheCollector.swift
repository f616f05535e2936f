import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sluice cache gc`: removes cache entries that none of the last N runs of
/// any pipeline in the workspace used (the `cache_key` of their `success` and
/// `cached` events), from entry directories and from packs (rewritten
/// without them), and the temporary directories crashed runs left. It
/// holds the cache lock exclusively, so it runs only while no run does.
/// Everything is reached from held directory descriptors without following
/// a symlink: a symlinked shard, `tmp/` or `packs/` is removed as a link,
/// never emptied (docs/reliability.md "Records and symlinks").
public enum CacheCollector {
    public static let defaultKeep = 5

    public struct Report: Sendable {
        public var removedEntries = 0
        public var keptEntries = 0
        /// Bytes whose last link went with the removed entries (a file still
        /// linked from a run's outputs frees nothing).
        public var freedBytes: Int64 = 0
        public var removedTemporaries = 0
        public var runsRead = 0
        public var pipelines = 0
    }

    public static func collect(workspace: String, keep: Int) throws(ExecutorError) -> Report {
        guard let runStore = RunStore.at(workspace) else { throw ExecutorError("the workspace \(workspace) does not exist") }
        let root = runStore.workspace
        let store = CacheStore(runStore)
        guard RunFiles.exists(store.root) else { return Report() }
        let cache = try runStore.openCache(create: false)
        let fd = openat(cache.fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExecutorError("cannot open \(store.lockPath): \(SystemCalls.errorText())") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw ExecutorError("a run is using the cache of \(root) (it holds \(store.lockPath)); run sluice cache gc when no run is active")
        }
        var report = Report()
        let referenced = referencedKeys(runStore, keep: keep, report: &report)
        for part in ["entries", "packs", "tmp"] where cache.kind(of: part) == S_IFLNK { cache.remove(part) }  // a planted link, not ours
        let entries = try? cache.subdirectory("entries", create: false)
        for shard in (entries?.names() ?? []).sorted() {
            guard let entries else { break }
            guard entries.kind(of: shard) == S_IFDIR, let shardDirectory = try? entries.subdirectory(shard, create: false) else {
                entries.remove(shard)  // a symlink or stray file among the shards: the link itself goes
                continue
            }
            for name in shardDirectory.names().sorted() {
                if referenced.contains(name) {
                    report.keptEntries += 1
                    continue
                }
                report.freedBytes += unlinkedBytes(shardDirectory, name)
                shardDirectory.removeTree(name)
                report.removedEntries += 1
            }
            _ = unlinkat(entries.fd, shard, AT_REMOVEDIR)
        }
        let packs = try? cache.subdirectory("packs", create: false)
        for name in (packs?.names() ?? []).sorted() {
            guard let packs, packs.kind(of: name) == S_IFREG else { packs?.remove(name); continue }
            let path = packs.pinned(name)
            let entries = CacheStore.packEntries(path)
            let kept = entries.filter { referenced.contains($0.0) }
            report.removedEntries += entries.count - kept.count
            report.keptEntries += kept.count
            guard kept.count < entries.count || !name.hasSuffix(".jsonl") else { continue }
            let before = CacheFiles.size(path) ?? 0
            if kept.isEmpty {
                packs.remove(name)
                report.freedBytes += before
            } else {
                let text = kept.map { "\($0.1)\n\($0.2)\n" }.joined()
                CacheFiles.writeQuietly(text, to: path)
                report.freedBytes += max(0, before - Int64(text.utf8.count))
            }
        }
        let temporary = try? cache.subdirectory("tmp", create: false)
        for name in temporary?.names() ?? [] {
            temporary?.removeTree(name)  // the lock says no run is building one
            report.removedTemporaries += 1
        }
        return report
    }

    /// Keys used by the newest `keep` runs of each pipeline.
    private static func referencedKeys(_ store: RunStore, keep: Int, report: inout Report) -> Set<String> {
        var keys = Set<String>()
        var perPipeline: [String: Int] = [:]
        for run in store.runs() {
            let pipeline = run.pipeline
            guard perPipeline[pipeline, default: 0] < keep else { continue }
            perPipeline[pipeline, default: 0] += 1
            report.runsRead += 1
            guard let record = try? store.record(of: run) else { continue }
            for instance in record.instances { if let key = instance.cacheKey { keys.insert(key) } }
        }
        report.pipelines = perPipeline.count
        return keys
    }

    /// Bytes an entry's removal frees: files with no other link (a symlink counts as itself).
    private static func unlinkedBytes(_ shard: RecordDirectory, _ name: String) -> Int64 {
        var own = stat()
        guard fstatat(shard.fd, name, &own, AT_SYMLINK_NOFOLLOW) == 0 else { return 0 }
        guard (own.st_mode & S_IFMT) == S_IFDIR, let entry = try? shard.subdirectory(name, create: false) else {
            return own.st_nlink <= 1 ? Int64(own.st_size) : 0
        }
        var total: Int64 = 0
        for file in entry.names() {
            var info = stat()
            if fstatat(entry.fd, file, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_nlink <= 1 { total += Int64(info.st_size) }
        }
        return total
    }
}
