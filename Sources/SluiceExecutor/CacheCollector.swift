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
        guard let root = RunFiles.realPath(workspace) else { throw ExecutorError("the workspace \(workspace) does not exist") }
        let store = CacheStore(workspace: root)
        guard RunFiles.exists(store.root) else { return Report() }
        let fd = open(store.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExecutorError("cannot open \(store.lockPath): \(SystemCalls.errorText())") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw ExecutorError("a run is using the cache of \(root) (it holds \(store.lockPath)); run sluice cache gc when no run is active")
        }
        var report = Report()
        let referenced = referencedKeys(root, keep: keep, report: &report)
        let shards = (try? FileManager.default.contentsOfDirectory(atPath: store.entriesRoot)) ?? []
        for shard in shards.sorted() {
            let shardPath = store.entriesRoot + "/" + shard
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: shardPath)) ?? []).sorted() {
                if referenced.contains(name) {
                    report.keptEntries += 1
                    continue
                }
                report.freedBytes += unlinkedBytes(shardPath + "/" + name)
                CacheFiles.removeTree(shardPath + "/" + name)
                report.removedEntries += 1
            }
            _ = rmdir(shardPath)
        }
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: store.packsRoot)) ?? []).sorted() {
            let path = store.packsRoot + "/" + name
            let entries = CacheStore.packEntries(path)
            let kept = entries.filter { referenced.contains($0.0) }
            report.removedEntries += entries.count - kept.count
            report.keptEntries += kept.count
            guard kept.count < entries.count || !name.hasSuffix(".jsonl") else { continue }
            let before = CacheFiles.size(path) ?? 0
            if kept.isEmpty {
                unlink(path)
                report.freedBytes += before
            } else {
                let text = kept.map { "\($0.1)\n\($0.2)\n" }.joined()
                CacheFiles.writeQuietly(text, to: path)
                report.freedBytes += max(0, before - Int64(text.utf8.count))
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryRoot)) ?? [] {
            CacheFiles.removeTree(store.temporaryRoot + "/" + name)  // the lock says no run is building one
            report.removedTemporaries += 1
        }
        return report
    }

    /// Keys used by the newest `keep` runs of each pipeline.
    private static func referencedKeys(_ workspace: String, keep: Int, report: inout Report) -> Set<String> {
        var keys = Set<String>()
        var perPipeline: [String: Int] = [:]
        for entry in RunCatalog(workspaces: [workspace]).entries() {
            let pipeline = entry.directory.pipeline
            guard perPipeline[pipeline, default: 0] < keep else { continue }
            perPipeline[pipeline, default: 0] += 1
            report.runsRead += 1
            guard let record = try? RunCatalog.load(entry) else { continue }
            for instance in record.instances { if let key = instance.cacheKey { keys.insert(key) } }
        }
        report.pipelines = perPipeline.count
        return keys
    }

    private static func unlinkedBytes(_ directory: String) -> Int64 {
        var total: Int64 = 0
        var own = stat()
        if lstat(directory, &own) == 0, (own.st_mode & S_IFMT) == S_IFREG { return own.st_nlink <= 1 ? Int64(own.st_size) : 0 }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            var info = stat()
            if lstat(directory + "/" + name, &info) == 0, info.st_nlink <= 1 { total += Int64(info.st_size) }
        }
        return total
    }
}
