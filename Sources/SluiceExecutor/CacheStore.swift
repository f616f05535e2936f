import Foundation
import SluiceColumnar
import SluicePlan
import SluiceBasics
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a cache entry holds. An entry with tables or files is a directory
/// `entries/<k0k1>/<key>/` holding `manifest.jsonl` and the artifacts (hard
/// links of the run's own files). An entry without them is two lines in a
/// pack, `packs/<run_id>-<pid>.jsonl`, one file per run written when it ends:
/// allocating an inode per entry is what a first run would spend most on
/// (docs/executor.md "The store"). Either way a manifest is two lines: what a
/// hit uses (scalar outputs, artifacts), sealed with the SHA-256 of its own
/// text, then whose key it is and the key's components, which only
/// `--explain` parses. Entries never change.
struct CacheManifest: Sendable {
    /// 2: the first line ends with `"sha256":"<digest of the line before it>"`.
    static let formatVersion: Int64 = 2

    struct Artifact: Sendable, Equatable {
        /// The output's name.
        var output: String
        /// The file beside the manifest: `<output>.arrow` for a table, `<output>.file` for a file.
        var file: String
        var size: Int64
        var sha256: String
        /// A file output's declared `path:` in the workspace (mapped: with the index), if any.
        var workspacePath: String?
    }

    var key: String
    var pipeline: String
    var task: String
    var mapIndex: Int?
    /// The run that made the entry.
    var runID: String
    var created: Int64
    /// Scalar outputs (and a branch task's `branch`), as an object.
    var outputs: JSON
    var artifacts: [Artifact]
    var components: [KeyComponent]

    /// Only what a hit uses: every cached instance of a re-run parses one.
    func json() -> JSON {
        var tree = JSONTreeBuilder()
        tree.beginObject()
        writeHitMembers(to: &tree)
        tree.endObject()
        return tree.result
    }

    /// The members of `json()`, written into any sink: the one definition of the first line, which publishing
    /// writes as bytes (no value tree built, compacted and freed for every entry).
    private func writeHitMembers<Sink: JSONSink>(to sink: inout Sink) {
        sink.key(literal: "version"); sink.int(Self.formatVersion)
        sink.key(literal: "key"); sink.string(key)
        sink.key(literal: "run_id"); sink.string(runID)
        sink.key(literal: "outputs"); sink.value(outputs)
        sink.key(literal: "artifacts"); sink.beginArray()
        for a in artifacts {
            sink.beginObject()
            sink.key(literal: "output"); sink.string(a.output)
            sink.key(literal: "file"); sink.string(a.file)
            sink.key(literal: "size"); sink.int(a.size)
            sink.key(literal: "sha256"); sink.string(a.sha256)
            sink.key(literal: "path"); sink.optionalString(a.workspacePath)
            sink.endObject()
        }
        sink.endArray()
    }

    /// The first line as stored: `json()` with `,"sha256":"<hex>"` added as its
    /// last member, the digest of the text before that member. A changed byte
    /// anywhere in the line (a digit of an output) no longer matches.
    func sealedLine() -> String {
        var writer = JSONBytesWriter(pretty: false, reservingCapacity: 256)
        writeSealedLine(to: &writer)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `sealedLine()` appended to `writer`, which holds whole lines (or nothing):
    /// the seal is the digest of the line's bytes up to its `sha256` member,
    /// hashed where they were written.
    private func writeSealedLine(to writer: inout JSONBytesWriter) {
        let lineStart = writer.count
        writer.beginObject()
        writeHitMembers(to: &writer)
        let seal = writer.withBytes { CacheKey.sha256(of: UnsafeBufferPointer(rebasing: $0[lineStart...])) }
        writer.key(literal: "sha256")
        CacheKey.withHex(seal) { writer.string(utf8: $0) }
        writer.endObject()
    }

    /// What an entry stores: the sealed first line and `componentsJSON()`, each ending in a newline.
    func storedText() -> String {
        var writer = JSONBytesWriter(pretty: false, reservingCapacity: 1024)
        writeStored(to: &writer)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `storedText()` appended to `writer` as bytes: what publishing puts in a
    /// pack or an entry's manifest file. Components `written` holds are copied
    /// from there, and it keeps the last of its kinds this entry writes.
    func writeStored(to writer: inout JSONBytesWriter, reusing written: inout WrittenComponents) {
        writeSealedLine(to: &writer)
        writer.endLine()
        writer.beginObject()
        writeComponentsHead(to: &writer)
        writer.beginArray()
        for index in components.indices { written.write(components[index], to: &writer) }
        writer.endArray()
        writer.endObject()
        writer.endLine()
    }

    /// `writeStored(to:reusing:)` with nothing written before.
    func writeStored(to writer: inout JSONBytesWriter) {
        var written = WrittenComponents()
        writeStored(to: &writer, reusing: &written)
    }

    /// The components every instance of a mapped task shares (its `task` and
    /// `outputs`, the same values in every manifest it publishes), as the
    /// compact text `KeyComponent.write` gave them for the last entry: an
    /// equal one is copied from there, not written again (four JSON strings,
    /// about 1.2k instructions each). Other kinds are always written.
    struct WrittenComponents {
        private var task: (component: KeyComponent, text: [UInt8])?
        private var declared: (component: KeyComponent, text: [UInt8])?

        mutating func write(_ component: KeyComponent, to writer: inout JSONBytesWriter) {
            switch component.kind {
            case .task: Self.write(component, to: &writer, remembering: &task)
            case .outputs: Self.write(component, to: &writer, remembering: &declared)
            default: component.write(to: &writer)
            }
        }

        private static func write(_ component: KeyComponent, to writer: inout JSONBytesWriter,
                                  remembering slot: inout (component: KeyComponent, text: [UInt8])?) {
            if let slot, slot.component == component {
                slot.text.withUnsafeBufferPointer { writer.value(compactText: $0) }
                return
            }
            let start = writer.count
            component.write(to: &writer)
            // Its text without the comma that separated it from the component before it.
            slot = (component, writer.withBytes { written in
                let text = written[start...]
                return Array(text.first == UInt8(ascii: ",") ? text.dropFirst() : text)
            })
        }
    }

    /// What precedes a first line's seal: `writeSealedLine` writes it as the line's `sha256` member.
    private static let sealMarker = ",\"sha256\":\""

    /// Whether a stored first line carries the digest of its own text.
    /// Every cached instance checks one, so it is checked in the line's own
    /// bytes: no copy of the line, no hex string of the digest.
    static func isSealed(_ line: Substring) -> Bool {
        if let sealed = line.utf8.withContiguousStorageIfAvailable(isSealed) { return sealed }
        return Array(line.utf8).withUnsafeBufferPointer(isSealed)
    }

    private static func isSealed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let marker = sealMarker.utf8
        let tail = marker.count + 64 + 2
        guard bytes.count > tail, bytes[bytes.count - 2] == UInt8(ascii: "\""), bytes[bytes.count - 1] == UInt8(ascii: "}") else { return false }
        let bodyEnd = bytes.count - tail
        guard bytes[bodyEnd..<(bodyEnd + marker.count)].elementsEqual(marker) else { return false }
        return CacheKey.isSHA256(of: UnsafeBufferPointer(rebasing: bytes[..<bodyEnd]),
                                 hex: UnsafeBufferPointer(rebasing: bytes[(bodyEnd + marker.count)..<(bytes.count - 2)]))
    }

    /// The manifest's second line: whose key it is and the components it was computed from.
    func componentsJSON() -> JSON {
        var tree = JSONTreeBuilder()
        tree.beginObject()
        writeComponentsMembers(to: &tree)
        tree.endObject()
        return tree.result
    }

    /// The members of `componentsJSON()` written into any sink (see `writeHitMembers`).
    private func writeComponentsMembers<Sink: JSONSink>(to sink: inout Sink) {
        writeComponentsHead(to: &sink)
        sink.beginArray()
        for index in components.indices { components[index].write(to: &sink) }  // in place, not copied per component
        sink.endArray()
    }

    /// The members of `componentsJSON()` before its list of components, up to the list's name.
    private func writeComponentsHead<Sink: JSONSink>(to sink: inout Sink) {
        sink.key(literal: "version"); sink.int(Self.formatVersion)
        sink.key(literal: "key"); sink.string(key)
        sink.key(literal: "pipeline"); sink.string(pipeline)
        sink.key(literal: "task"); sink.string(task)
        sink.key(literal: "map_index"); sink.optionalInt(mapIndex.map { Int64($0) })
        sink.key(literal: "run_id"); sink.string(runID)
        sink.key(literal: "created"); sink.string(Timestamp.iso(created))
        sink.key(literal: "components")
    }

    init(key: String, pipeline: String, task: String, mapIndex: Int?, runID: String, created: Int64, outputs: JSON,
         artifacts: [Artifact], components: [KeyComponent]) {
        self.key = key
        self.pipeline = pipeline
        self.task = task
        self.mapIndex = mapIndex
        self.runID = runID
        self.created = created
        self.outputs = outputs
        self.artifacts = artifacts
        self.components = components
    }

    /// Nil for anything but a whole manifest of this format: a manifest torn
    /// by a crash (entries are not fsynced) reads as a miss. Pipeline, task
    /// and the rest of the second line are not read (they stay empty).
    init?(json: JSON) {
        guard json["version"]?.intValue == Self.formatVersion, let key = json["key"]?.stringValue,
              let runID = json["run_id"]?.stringValue, let outputs = json["outputs"], outputs.objectValue != nil,
              let artifacts = json["artifacts"]?.arrayValue else { return nil }
        var parsed: [Artifact] = []
        for a in artifacts {
            guard let output = a["output"]?.stringValue, let file = a["file"]?.stringValue, !file.contains("/"), !file.hasPrefix("."),
                  let size = a["size"]?.intValue, let sha = a["sha256"]?.stringValue else { return nil }
            parsed.append(Artifact(output: output, file: file, size: size, sha256: sha, workspacePath: a["path"]?.stringValue))
        }
        self.init(key: key, pipeline: "", task: "", mapIndex: nil, runID: runID, created: 0, outputs: outputs, artifacts: parsed,
                  components: [])
    }
}

/// `<workspace>/.sluice/cache/` (`RunStore` places it): the entries, the
/// cache-wide lock, the temporary directories entries are built in, and the
/// deps digest memo.
///
/// ```
/// cache/lock                      runs hold it shared, `sluice cache gc` exclusively
/// cache/publish.lock              held while an entry is replaced (--force, a damaged entry)
/// cache/entries/3f/3f2a…/         manifest.jsonl and the entry's tables and files
/// cache/packs/<run_id>-<pid>.jsonl entries without artifacts, two lines each, one file per run
/// cache/tmp/<key>.<pid>.<random>/ an entry being built; renamed into entries/ when whole
/// cache/deps.json                 (device, inode, size, mtime) → sha256 of deps files
/// ```
final class CacheStore: @unchecked Sendable {
    let root: String
    private let store: RunStore
    private var lockFD: Int32 = -1
    /// `cache/`, opened without following symlinks by `lockShared()` (a run):
    /// its paths then go through it and its parts (`RecordDirectory.pinned`).
    private var heldCache: RecordDirectory?
    /// `entries/` and `tmp/` of the held cache, by name, once opened: those there at
    /// `lockShared()`, else found by a later lookup (another run made them) or made
    /// by the first entry with artifacts. A first run whose entries all go into
    /// its pack makes neither: two inodes fewer (docs/speed.md, "fixed").
    private let heldParts = Mutex<[String: RecordDirectory]>([:])

    init(_ store: RunStore) {
        self.store = store
        root = store.cacheRoot
    }

    var entriesRoot: String { partPath("entries") }
    var temporaryRoot: String { partPath("tmp") }

    /// Where `entries/` or `tmp/` is: through the held directory once opened. Callers
    /// reach an entry's files only after a lookup found the entry, so the part is held then.
    private func partPath(_ name: String) -> String { part(name, create: false)?.pinnedPath ?? root + "/" + name }

    /// `entries/` or `tmp/` of the held cache: the one opened before, else the real
    /// directory there now, else with `create` a new one; nil without a held cache,
    /// when there is none, or when a symlink stands there (never followed).
    private func part(_ name: String, create: Bool) -> RecordDirectory? {
        guard let cache = heldCache else { return nil }
        return heldParts.withLock { held -> RecordDirectory? in
            if let opened = held[name] { return opened }
            guard create || cache.kind(of: name) == S_IFDIR, let opened = try? cache.subdirectory(name, create: create) else { return nil }
            held[name] = opened
            return opened
        }
    }
    var lockPath: String { root + "/lock" }

    /// The directory of an entry with artifacts.
    func entryPath(_ key: String) -> String { entriesRoot + "/" + String(key.prefix(2)) + "/" + key }

    /// `packs/`, or nil when it is not a real directory: packs are never read through a symlink.
    var packsRoot: String? {
        guard let cache = heldCache else { return root + "/packs" }
        return cache.kind(of: "packs") == S_IFDIR ? cache.pinned("packs") : nil
    }

    /// Whether the entry's shard (`entries/3f`) is a real directory: a symlink
    /// planted there is neither read through nor published into.
    private func shardIsDirectory(_ key: String) -> Bool {
        let shard = String(key.prefix(2))
        // A run asks relative to the held `entries/` descriptor: the same directory its pinned path
        // names, without the kernel walking /proc/self/fd on every lookup (a first run looks up every instance).
        // Until `entries/` exists (a first run in a workspace) each lookup asks for it instead: one lookup either way.
        if heldCache != nil { return part("entries", create: false)?.kind(of: shard) == S_IFDIR }
        var info = stat()
        return lstat(entriesRoot + "/" + shard, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private let packLock = NSLock()
    /// Entries of every pack by key, loaded at the first lookup (newer packs win).
    private var packIndex: [String: (Substring, Substring)]?
    /// The stored text of the entries without artifacts this run published, one after
    /// another, as `preparePack` writes them: each written here directly, as bytes.
    private var pendingPack = JSONBytesWriter(pretty: false)
    /// The components the entries in `pendingPack` share, as written there (guarded by `pendingPackLock` too).
    private var pendingPackComponents = CacheManifest.WrittenComponents()
    /// Held while an entry is written into `pendingPack` (on the publisher's thread) or the
    /// pack is taken: not `packLock`, which the loop's lookups take for every instance
    /// and should not wait on an entry being written.
    private let pendingPackLock = NSLock()

    /// Both lines of the entry's manifest, from a pack or an entry directory.
    private func manifestLines(_ key: String) -> (Substring, Substring)? {
        packLock.lock()
        if packIndex == nil { packIndex = packsRoot.map(Self.readPacks) ?? [:] }
        let packed = packIndex?[key]
        packLock.unlock()
        if let packed { return packed }
        guard shardIsDirectory(key), let bytes = CacheFiles.readSmall(entryPath(key) + "/manifest.jsonl") else { return nil }
        let lines = TextLines.split(String(decoding: bytes, as: UTF8.self))
        // Three parts: two lines and the empty rest after the final newline. Anything else is torn.
        guard lines.count == 3, lines[2].isEmpty else { return nil }
        return (lines[0], lines[1])
    }

    /// Every pack's entries by key, in run order so a later run's entry (`--force`) wins.
    static func readPacks(_ directory: String) -> [String: (Substring, Substring)] {
        var index: [String: (Substring, Substring)] = [:]
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() where name.hasSuffix(".jsonl") {
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }  // not through a symlink
            for (key, first, second) in packEntries(directory + "/" + name) { index[key] = (first, second) }
        }
        return index
    }

    /// The entries of one pack: each a manifest line and a components line.
    /// Keys are read at a fixed place, so loading a pack costs no JSON
    /// parsing; lines are found and compared as UTF-8 bytes (a `Substring`
    /// comparison walks characters, and was most of a cached re-run's time).
    static func packEntries(_ path: String) -> [(String, Substring, Substring)] {
        guard let bytes = CacheFiles.readSmall(path) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        let utf8 = text.utf8
        let prefix = Array("{\"version\":\(CacheManifest.formatVersion),\"key\":\"".utf8)
        // Byte ranges of the whole lines (a torn last line without its newline is left out), less a final `\r`.
        let lines: [Range<Int>] = utf8.withContiguousStorageIfAvailable { buffer in
            var lines: [Range<Int>] = []
            guard let base = buffer.baseAddress else { return lines }
            var start = 0
            // memchr: a pack is most of a megabyte at 1,000 entries, and a loop over its bytes cost more than the lookups.
            while start < buffer.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start) {
                let index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                lines.append(start..<(index > start && buffer[index - 1] == UInt8(ascii: "\r") ? index - 1 : index))
                start = index + 1
            }
            return lines
        } ?? []
        func line(_ range: Range<Int>) -> Substring {
            Substring(utf8[utf8.index(utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: range.upperBound)])
        }
        return utf8.withContiguousStorageIfAvailable { buffer -> [(String, Substring, Substring)] in
            /// The 64 bytes after the prefix, when the line starts with the prefix.
            func key(_ range: Range<Int>) -> Range<Int>? {
                guard range.count >= prefix.count + 64, buffer[range.lowerBound..<(range.lowerBound + prefix.count)].elementsEqual(prefix) else { return nil }
                return (range.lowerBound + prefix.count)..<(range.lowerBound + prefix.count + 64)
            }
            var entries: [(String, Substring, Substring)] = []
            var i = 0
            while i + 1 < lines.count {
                let first = lines[i], second = lines[i + 1]
                i += 2
                guard let firstKey = key(first), let secondKey = key(second),
                      buffer[firstKey].elementsEqual(buffer[secondKey]),
                      buffer[firstKey].allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\"") }) else { continue }
                entries.append((String(decoding: UnsafeBufferPointer(rebasing: buffer[firstKey]), as: UTF8.self), line(first), line(second)))
            }
            return entries
        } ?? []
    }

    /// The entries without artifacts this run published, as one pack, written
    /// under a temporary name (`packs/` is made by the workspace's first pack)
    /// and not yet renamed into place: the run's end writes it beside the
    /// records' syncs and `publish`es it only after `run_finished` is on disk,
    /// so a run that did not finish leaves no pack (readers take only
    /// `*.jsonl`; a temporary file is what a crash during any quiet write
    /// leaves). Not fsynced: a lost pack is a slower next run, and a torn one
    /// loses only its torn end. Nil when the run published no entry without
    /// artifacts, or the pack cannot be written (a symlink planted at
    /// `packs/` is refused).
    func preparePack(runID: String) -> PreparedPack? {
        pendingPackLock.lock()
        let pack = pendingPack
        pendingPack = JSONBytesWriter(pretty: false)
        pendingPackLock.unlock()
        guard pack.count > 0, let packs = try? heldCache?.subdirectory("packs", create: true) else { return nil }
        let target = packs.pinned("\(runID)-\(getpid()).jsonl")
        let temporary = TemporaryFileName.besides(target)
        guard pack.withBytes({ CacheFiles.writeNew($0, to: temporary) }) else {
            unlink(temporary)
            return nil
        }
        return PreparedPack(directory: packs, temporary: temporary, target: target)
    }

    /// A pack written under its temporary name: `preparePack(runID:)`.
    struct PreparedPack: Sendable {
        /// Held open: the pinned paths below resolve through it.
        let directory: RecordDirectory
        let temporary: String
        let target: String

        func publish() {
            if rename(temporary, target) != 0 { unlink(temporary) }
        }
    }

    /// Held shared for the whole run, so `sluice cache gc` never removes an
    /// entry a run is reading or writing. Waits while a gc holds it.
    func lockShared() throws(ExecutorError) {
        let cache = try store.openCache(create: true)
        // Parts already there are opened now, so a symlink planted at one is refused before the run
        // starts, as when they were made here; missing ones are made when an entry needs them (`part`).
        var parts: [String: RecordDirectory] = [:]
        for name in ["entries", "tmp"] where cache.kind(of: name) != nil { parts[name] = try cache.subdirectory(name, create: false) }
        heldParts.withLock { $0 = parts }
        heldCache = cache
        let fd = openat(cache.fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExecutorError("cannot open \(lockPath): \(SystemCalls.errorText())") }
        while flock(fd, LOCK_SH) != 0 {
            guard errno == EINTR else { close(fd); throw ExecutorError("cannot lock \(lockPath): \(SystemCalls.errorText())") }
        }
        lockFD = fd
    }

    /// The deps digest memo (`deps.json`), read and written in the held cache
    /// directory, never through a symlink; nil before `lockShared()`.
    func depsDigests() -> DepsDigests? { heldCache.map { DepsDigests(in: $0) } }

    func unlock() {
        guard lockFD >= 0 else { return }
        close(lockFD)
        lockFD = -1
    }

    /// The entry's manifest, if its seal holds, whatever the state of its files (its `components` are not read).
    func manifest(_ key: String) -> CacheManifest? {
        guard let (first, _) = manifestLines(key), CacheManifest.isSealed(first), let json = try? JSON.parse(String(first)),
              let manifest = CacheManifest(json: json), manifest.key == key else { return nil }
        return manifest
    }

    /// What a lookup found: a usable entry, none, or one that failed its integrity check (and why).
    enum Lookup {
        case intact(CacheManifest)
        case absent
        case damaged(String)
    }

    /// How a manifest line of this format starts (spelled once, not per lookup).
    private static let versionPrefix = Array("{\"version\":\(CacheManifest.formatVersion),".utf8)

    /// An entry is usable when its manifest line matches its own SHA-256 and
    /// every table and file it lists has the recorded size and SHA-256.
    func check(_ key: String) -> Lookup {
        guard let (first, _) = manifestLines(key), first.utf8.starts(with: Self.versionPrefix) else { return .absent }
        guard CacheManifest.isSealed(first) else { return .damaged("its manifest does not match its sha256") }
        guard let json = try? JSON.parse(String(first)), let manifest = CacheManifest(json: json), manifest.key == key else {
            return .damaged("its manifest cannot be read")
        }
        for artifact in manifest.artifacts {
            let path = entryPath(key)
            guard CacheFiles.size(path + "/" + artifact.file) == artifact.size else { return .damaged("\(artifact.file) is missing or changed size") }
            guard FileDigest.sha256(path: path + "/" + artifact.file) == artifact.sha256 else {
                return .damaged("\(artifact.file) does not match its sha256")
            }
        }
        return .intact(manifest)
    }

    /// The components the entry's key was computed from, for `--explain`.
    func components(_ key: String) -> [KeyComponent]? {
        guard let (_, second) = manifestLines(key), let json = try? JSON.parse(String(second)), json["key"]?.stringValue == key,
              let list = json["components"]?.arrayValue else { return nil }
        return list.compactMap(KeyComponent.init(json:))
    }

    /// A usable entry (see `check`), or nil.
    func lookup(_ key: String) -> CacheManifest? {
        if case .intact(let manifest) = check(key) { return manifest }
        return nil
    }

    /// Builds an entry in `tmp/` and renames it into place. If another run
    /// published the same key first, its entry stays and ours is dropped,
    /// unless `replace` (`--force`) or the existing entry is damaged: then,
    /// under `publish.lock`, the old entry is moved aside and ours put in.
    /// Returns a problem to report, or nil.
    func publish(_ manifest: CacheManifest, sources: [String: String], replace: Bool) -> String? {
        if manifest.artifacts.isEmpty {
            pendingPackLock.lock()
            manifest.writeStored(to: &pendingPack, reusing: &pendingPackComponents)
            pendingPackLock.unlock()
            return nil
        }
        var stored = JSONBytesWriter(pretty: false, reservingCapacity: 1024)
        manifest.writeStored(to: &stored)
        if heldCache != nil, part("entries", create: true) == nil || part("tmp", create: true) == nil {
            return "cannot create \(root)/entries or \(root)/tmp (or a symbolic link stands there)"
        }
        let shard = entriesRoot + "/" + String(manifest.key.prefix(2))
        if !shardIsDirectory(manifest.key) { _ = unlink(shard) }  // a planted symlink goes, never what it points to
        _ = mkdir(shard, 0o755)
        let target = entryPath(manifest.key)
        // Named only here: an entry without artifacts (most of a first run's) goes into the pack, no pid or random number needed.
        let building = temporaryRoot + "/" + manifest.key + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(building, 0o755) == 0 else { return "cannot create \(building): \(SystemCalls.errorText())" }
        for artifact in manifest.artifacts {
            guard let source = sources[artifact.output] else { continue }
            if let problem = CacheFiles.linkOrCopy(source, to: building + "/" + artifact.file, copy: artifact.workspacePath != nil) {
                CacheFiles.removeTree(building)
                return problem
            }
        }
        guard stored.withBytes({ CacheFiles.writeNew($0, to: building + "/manifest.jsonl") }) else {
            CacheFiles.removeTree(building)
            return "cannot write \(building)/manifest.jsonl: \(SystemCalls.errorText())"
        }
        if rename(building, target) == 0 { return nil }
        guard errno == EEXIST || errno == ENOTEMPTY else {
            let problem = "cannot publish \(target): \(SystemCalls.errorText())"
            CacheFiles.removeTree(building)
            return problem
        }
        if !replace, lookup(manifest.key) != nil {
            CacheFiles.removeTree(building)  // another run published the same key first: keep theirs
            return nil
        }
        return withPublishLock { () -> String? in
            let aside = temporaryRoot + "/replaced." + manifest.key + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
            if rename(target, aside) != 0 && errno != ENOENT {
                CacheFiles.removeTree(building)
                return "cannot replace \(target): \(SystemCalls.errorText())"
            }
            let moved = rename(building, target) == 0
            CacheFiles.removeTree(aside)
            if !moved { CacheFiles.removeTree(building) }
            return nil
        }
    }

    private func withPublishLock<T>(_ body: () -> T) -> T {
        let fd = open(root + "/publish.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { while flock(fd, LOCK_EX) != 0 && errno == EINTR {} }
        defer { if fd >= 0 { close(fd) } }
        return body()
    }

    /// Removes what crashed runs left in `tmp/`: directories whose process is gone.
    func sweepTemporaries() -> Int {
        if heldCache != nil, part("tmp", create: false) == nil { return 0 }  // none yet (or a symlink, never followed)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporaryRoot) else { return 0 }
        var removed = 0
        for name in names {
            let parts = name.split(separator: ".")
            guard parts.count >= 3, let pid = pid_t(parts[parts.count - 2]) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            CacheFiles.removeTree(temporaryRoot + "/" + name)
            removed += 1
        }
        return removed
    }
}

/// Small file operations of the cache, none of which fsyncs: entries are
/// checked when read (a torn manifest is a miss), not made durable when written.
enum CacheFiles {
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// A hard link (the same bytes, no copy), or a copy where links do not
    /// work (another file system) or must not be used (`copy`: a workspace
    /// file the user may edit in place). A copy is written under a name that
    /// does not end in `.arrow` and renamed when whole.
    static func linkOrCopy(_ source: String, to target: String, copy: Bool) -> String? {
        if !copy, link(source, target) == 0 { return nil }
        if !copy, errno == EEXIST { return "cannot link \(source) to \(target): it exists" }
        let partial = TemporaryFileName.besides(target)
        unlink(partial)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: partial)
        } catch {
            unlink(partial)
            return "cannot copy \(source) to \(target): \(error.localizedDescription)"
        }
        guard rename(partial, target) == 0 else {
            let problem = "cannot move \(partial) to \(target): \(SystemCalls.errorText())"
            unlink(partial)
            return problem
        }
        return nil
    }

    /// A small file read whole (a manifest); anything over 64 MiB is not one.
    static func readSmall(_ path: String) -> [UInt8]? {
        RunFiles.readFile(path, limit: 1 << 26)
    }

    /// Writes a file that must not exist yet (inside a fresh directory).
    static func writeNew(_ text: String, to path: String) -> Bool {
        var text = text
        return text.withUTF8 { writeNew($0, to: path) }
    }

    /// `writeNew` of bytes (an entry's manifest, a pack), written from where they lie.
    static func writeNew(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return writeAll(fd, bytes)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    }

    /// Replaces a file by rename, without fsync: for memos and records that a
    /// crash may lose but must never leave half-written.
    static func writeQuietly(_ text: String, to path: String) {
        let temporary = TemporaryFileName.besides(path)
        guard writeNew(text, to: temporary), rename(temporary, path) == 0 else { unlink(temporary); return }
    }

    /// `rm -rf`, quietly, and never through a symlink below `path`'s directory.
    static func removeTree(_ path: String) {
        let name = (path as NSString).lastPathComponent
        guard let parent = try? RecordDirectory.open("", below: (path as NSString).deletingLastPathComponent, create: false) else { return }
        parent.removeTree(name)
    }
}
