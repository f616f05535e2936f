import Foundation
import SluiceColumnar
import SluicePlan
import SluiceBasics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one owner of `<workspace>/.sluice/` (docs/executor.md "The run
/// directory"): where every record lives, how a run directory is made and
/// found, what `latest` means, the one journal reader and its version rule,
/// the locks that say a run is alive, and which leftover temporary files are
/// swept. `run`, `task-run`, `show`, `runs`, `graph --run`, `cache gc`,
/// `--explain` and `--resume` all go through it; nothing else spells a path
/// below `.sluice/`.
///
/// Reading goes through `RecordDirectory` (one component at a time, never
/// through a symlink): tasks share the workspace with the records and can
/// plant links among them.
public struct RunStore: Sendable {
    /// The workspace, absolute and free of symlinks.
    public let workspace: String

    public init(workspace: String) { self.workspace = workspace }

    /// The store of a workspace named by any path, or nil when it does not exist.
    public static func at(_ path: String) -> RunStore? { RunFiles.realPath(path).map(RunStore.init(workspace:)) }

    // MARK: - Layout

    /// The layout below the workspace, each part relative to it.
    enum Layout {
        static let root = ".sluice"
        static let runs = root + "/runs"
        /// `sluice task-run` (Airflow) keeps one directory per Airflow run here, laid out as a run directory.
        static let airflow = root + "/airflow"
        static let cache = root + "/cache"
        /// `<pool>/<k>.slot`: the slots every run in the workspace shares (`SharedPoolSlots`).
        static let pools = root + "/pools"
        static let ignoreFile = ".gitignore"
        static let journal = "journal.jsonl"
        static let plan = "plan.json"
        static let tasksTable = "tasks.arrow"
        static let depsMemo = "deps.json"
    }

    public var root: String { workspace + "/" + Layout.root }
    /// `<workspace>/.sluice/runs`: a workspace has runs when this exists.
    public var runsRoot: String { workspace + "/" + Layout.runs }
    var cacheRoot: String { workspace + "/" + Layout.cache }

    /// The run directory of `runID` (it may not exist).
    public func run(pipeline: String, id runID: String) -> RunDirectory {
        RunDirectory(workspace: workspace, pipeline: pipeline, runID: runID)
    }

    static func runRelativePath(pipeline: String, runID: String) -> String { Layout.runs + "/" + pipeline + "/" + runID }

    /// `<workspace>/.sluice/airflow/<pipeline>/<run_id>`, where `sluice task-run` keeps an Airflow run's records.
    func airflowRunPath(pipeline: String, runID: String) -> String { workspace + "/" + Layout.airflow + "/" + pipeline + "/" + runID }

    // MARK: - Writing (the executor)

    /// Makes a fresh run directory (its `logs/`, `outputs/` and `staging/`
    /// come with `RunRecordDirectories.open`); a new id is drawn if two runs collide.
    /// `.sluice/.gitignore` is the caller's (`ignoreRecords`): the executor
    /// writes it off the path to the first task (`PlanRecordWriter`).
    func createRun(pipeline: String, clock: RunClock) throws(ExecutorError) -> RunDirectory {
        // Opened component by component: a symlinked `.sluice` or `runs/<pipeline>` is refused, not followed.
        let runs = try RecordDirectory.open(Layout.runs + "/" + pipeline, below: workspace, create: true)
        for _ in 0..<16 {
            let directory = run(pipeline: pipeline, id: Self.newRunID(clock.now()))
            if mkdirat(runs.fd, directory.runID, 0o755) == 0 { return directory }
            guard errno == EEXIST else { throw ExecutorError("cannot create \(directory.path): \(SystemCalls.errorText())") }
        }
        throw ExecutorError("cannot find a free run id under \(runsRoot)/\(pipeline)")
    }

    /// `20261121T060000.123Z-3f9a1c`: sorts by time; the random suffix keeps
    /// simultaneous runs apart (and `mkdir` settles any remaining tie).
    static func newRunID(_ micros: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let suffix = String(generator.next() & 0xFF_FFFF, radix: 16)
        return Timestamp.compact(micros) + "-" + String(repeating: "0", count: 6 - suffix.count) + suffix
    }

    /// A run directory's records (`logs/`, `outputs/`, `staging/`), made if missing.
    func openRecords(_ directory: RunDirectory) throws(ExecutorError) -> RunRecordDirectories {
        try RunRecordDirectories.open(directory.relativePath, below: workspace)
    }

    /// The records of one Airflow run, for `sluice task-run`, made if missing.
    func openAirflowRecords(pipeline: String, runID: String) throws(ExecutorError) -> RunRecordDirectories {
        let records = try RunRecordDirectories.open(Layout.airflow + "/" + pipeline + "/" + runID, below: workspace)
        ignoreRecords()
        return records
    }

    /// `.sluice/cache`, held open; with `create`, made if missing.
    func openCache(create: Bool) throws(ExecutorError) -> RecordDirectory {
        try RecordDirectory.open(Layout.cache, below: workspace, create: create)
    }

    /// The slot files `0.slot`…`<count - 1>.slot` of `pool`, made if missing,
    /// each opened read-write and close-on-exec for `flock`: a task never
    /// inherits one. No component is followed if it is a symlink (a planted
    /// `.sluice/pools/<pool>` or `<k>.slot` is refused, as is a slot file
    /// with a second name), and a pool name that is not one identifier never
    /// becomes a path. The caller closes them.
    func openPoolSlotFiles(pool: String, count: Int) throws(ExecutorError) -> [Int32] {
        guard IdentifierRule.variable.accepts(pool) else { throw ExecutorError("pool \"\(pool)\" is not a name") }
        let directory = try RecordDirectory.open(Layout.pools + "/" + pool, below: workspace, create: true)
        ignoreRecords()
        var descriptors: [Int32] = []
        for k in 0..<max(1, count) {
            let name = "\(k).slot"
            let fd = openat(directory.fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
            let code = errno
            var info = stat()
            // One name only: the holder's note rewrites the file, which must not be one a hard link shares with something outside.
            if fd >= 0, fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1 {
                descriptors.append(fd)
                continue
            }
            let why = fd < 0 && code == ELOOP ? "it is a symbolic link: sluice never follows a symbolic link among its records (a task may have planted it)"
                : fd < 0 ? SystemCalls.errorText(code)
                : (info.st_mode & S_IFMT) == S_IFREG ? "it has another name (a hard link): sluice never writes through one (a task may have planted it)"
                : "it is not a regular file"
            if fd >= 0 { SystemCalls.closeDescriptor(fd) }
            for open in descriptors { SystemCalls.closeDescriptor(open) }
            throw ExecutorError("cannot use \(directory.path)/\(name): \(why)")
        }
        return descriptors
    }

    /// Run records are not source: `.sluice/` gets a `.gitignore` of `*` the first time.
    func ignoreRecords() {
        guard let root = try? RecordDirectory.open(Layout.root, below: workspace, create: true),
              root.kind(of: Layout.ignoreFile) == nil else { return }
        try? root.writeAtomically("# Created by sluice: run records, logs and outputs stay out of version control.\n*\n", to: Layout.ignoreFile)
    }

    /// Removes what an interrupted run left in its run directory: everything
    /// in `staging/`, and the temporary files of atomic writes it was making
    /// (`TemporaryFileName`: no such name ever ends in `.arrow` or `.json`).
    static func sweepInterruptedWrites(_ records: RunRecordDirectories) {
        for name in records.staging.names() { records.staging.removeTree(name) }
        records.run.forEachFile { parent, name in
            if TemporaryFileName.isTemporary(name) { parent.remove(name) }
        }
    }

    // MARK: - Finding runs

    /// Every run of `pipeline` (or of every pipeline) that has a journal, newest first (`newestFirst`).
    public func runs(pipeline: String? = nil) -> [RunDirectory] {
        guard let root = try? RecordDirectory.open(Layout.runs, below: workspace, create: false) else { return [] }
        let pipelines: [String]
        if let pipeline {
            guard Self.isOneName(pipeline) else { return [] }
            pipelines = [pipeline]
        } else {
            pipelines = root.names()
        }
        var found: [RunDirectory] = []
        for name in pipelines where Self.isOneName(name) && root.kind(of: name) == S_IFDIR {
            guard let runs = try? root.subdirectory(name, create: false) else { continue }
            for id in runs.names() where Self.hasJournal(id, in: runs) { found.append(run(pipeline: name, id: id)) }
        }
        return Self.newestFirst(found)
    }

    /// The run `id` of `pipeline`, if it has a journal.
    public func find(_ id: String, pipeline: String) -> RunDirectory? {
        guard Self.isOneName(pipeline), let runs = try? RecordDirectory.open(Layout.runs + "/" + pipeline, below: workspace, create: false),
              Self.hasJournal(id, in: runs) else { return nil }
        return run(pipeline: pipeline, id: id)
    }

    /// Whether `id` in a pipeline's runs is a real directory (not a link)
    /// holding a journal that is a regular file (not a link either).
    private static func hasJournal(_ id: String, in runs: RecordDirectory) -> Bool {
        guard isOneName(id), runs.kind(of: id) == S_IFDIR else { return false }
        var info = stat()
        return fstatat(runs.fd, id + "/" + Layout.journal, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Every run's journal with its size and modification time, one
    /// `fstatat` each and no journal read: `sluice ui` polls this to notice a
    /// new run or a running run's progress without replaying every record.
    /// The runs are those of `runs()` (same checks), in no particular order.
    public func journalStamps() -> [(run: RunDirectory, stamp: JournalStamp)] {
        guard let root = try? RecordDirectory.open(Layout.runs, below: workspace, create: false) else { return [] }
        var found: [(run: RunDirectory, stamp: JournalStamp)] = []
        for name in root.names() where Self.isOneName(name) && root.kind(of: name) == S_IFDIR {
            guard let runs = try? root.subdirectory(name, create: false) else { continue }
            for id in runs.names() where Self.isOneName(id) && runs.kind(of: id) == S_IFDIR {
                var info = stat()
                guard fstatat(runs.fd, id + "/" + Layout.journal, &info, AT_SYMLINK_NOFOLLOW) == 0,
                      (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
                found.append((run(pipeline: name, id: id), JournalStamp(size: Int64(info.st_size), modified: modified)))
            }
        }
        return found
    }

    /// `latest` for one pipeline (`--resume latest`, `graph --run latest`); see `latest(among:)`.
    public func latest(pipeline: String) -> RunDirectory? { Self.latest(among: runs(pipeline: pipeline)) }

    /// A directory name Sluice could have made: one component, not hidden.
    private static func isOneName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/")
    }

    /// Newest first: by the start time a run id begins with, compared as a
    /// time (`…060000.5Z` is after `…060000Z`, though `.` sorts before `Z`),
    /// then by id. An id that does not start with a time (a directory made
    /// by hand) sorts as the oldest.
    public static func newestFirst(_ runs: [RunDirectory]) -> [RunDirectory] {
        runs.map { (key: startKey($0.runID) ?? "", run: $0) }
            .sorted { ($0.key, $0.run.runID) > ($1.key, $1.run.runID) }
            .map(\.run)
    }

    /// `20261121T060000.123Z-…` (or `20261121T060000Z-…`) as 23 digits that
    /// sort as the time does: the 14 of the second, then the fraction padded to 9.
    static func startKey(_ runID: String) -> String? {
        let bytes = Array(runID.utf8.prefix(32))
        guard bytes.count >= 16, bytes[8] == UInt8(ascii: "T") else { return nil }
        let digits = bytes[0..<8] + bytes[9..<15]
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var index = 15
        var fraction: [UInt8] = []
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, fraction.count < 9 {
                fraction.append(bytes[index])
                index += 1
            }
            guard !fraction.isEmpty else { return nil }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "Z") else { return nil }
        return String(decoding: digits + fraction + Array(repeating: UInt8(ascii: "0"), count: 9 - fraction.count), as: UTF8.self)
    }

    /// What `latest` means, for every command that takes it: the newest of
    /// `runs` (newest first), leaving out a child run whose parent run is
    /// among `runs` too. Right after `sluice run p.yaml`, whose trigger task
    /// started a child run of `q`, `show latest` is p's run, not the child
    /// that started a moment later; `graph q.yaml --run latest` is that child
    /// run, the newest run of `q`.
    public static func latest(among runs: [RunDirectory]) -> RunDirectory? {
        let ids = Set(runs.map(\.runID))
        return runs.first { run in
            guard let parent = parentRunID(of: run) else { return true }
            return !ids.contains(parent)
        } ?? runs.first
    }

    /// The parent run named by the journal's first line (read with the one
    /// reader); nil for a top-level run, or when that line cannot be read
    /// (the run then counts as top-level, and reading it says what is wrong).
    private static func parentRunID(of run: RunDirectory) -> String? {
        guard let directory = try? RunStore(workspace: run.workspace).openRun(run),
              let head = directory.readHead(Layout.journal, maxBytes: 65_536),
              let newline = head.firstIndex(of: UInt8(ascii: "\n")),
              let record = try? RunRecord.replay(String(decoding: head[...newline], as: UTF8.self)) else { return nil }
        return record.parentRunID
    }

    // MARK: - Reading a run

    /// The run directory, held open, without following a symlink on the way.
    func openRun(_ run: RunDirectory) throws(ExecutorError) -> RecordDirectory {
        try RecordDirectory.open(run.relativePath, below: workspace, create: false)
    }

    /// The journal's bytes, read without following a symlink.
    func journalBytes(_ run: RunDirectory) throws(ExecutorError) -> [UInt8] {
        guard let bytes = try openRun(run).read(Layout.journal) else { throw ExecutorError("cannot read \(run.journal)") }
        return bytes
    }

    /// The run as its journal tells it (`RunRecord.replay`, the one reader).
    public func record(of run: RunDirectory) throws(ExecutorError) -> RunRecord {
        try RunRecord.replay(String(decoding: try journalBytes(run), as: UTF8.self), file: run.journal)
    }

    /// The run's `plan.json`, if it was kept, reads as a plan, belongs to
    /// this pipeline and holds only names a spec could (`Executor.checkNames`):
    /// it was written by the run, but the run's tasks could have rewritten it.
    public func storedPlan(of run: RunDirectory) -> Plan? {
        guard let bytes = try? openRun(run).read(Layout.plan),
              let plan = try? Plan(jsonText: String(decoding: bytes, as: UTF8.self)),
              plan.pipeline == run.pipeline, (try? Executor.checkNames(plan)) != nil else { return nil }
        return plan
    }

    /// Whether the run's executor still holds its journal's lock
    /// (`JournalWriter` takes it for the life of the run): true while it
    /// runs, false once it ended or died (the kernel drops the lock), so a
    /// reused pid cannot fool it.
    public func isLive(_ run: RunDirectory) -> Bool {
        guard let directory = try? openRun(run) else { return false }
        let fd = openat(directory.fd, Layout.journal, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// The run's state, asking the lock only when the journal has no end.
    public func state(of record: RunRecord, _ run: RunDirectory) -> PipelineRunState {
        record.finishedState ?? record.state(writerAlive: isLive(run))
    }

    /// The log of one attempt, as its run recorded it, opened for reading.
    /// This is the one function that knows how attempt logs are stored
    /// (`AttemptLogFiles`): the file the journal names, when it is a name a
    /// run writes (`logs/<name>.log`; else the instance's own
    /// `logs/<task>[.<index>].try<N>.log`, never a path from the command
    /// line), read up to the attempt's `log_bytes` (an attempt that wrote
    /// nothing reads as empty, although its file went on to another attempt).
    /// Every component is opened without following a symlink: a task may have
    /// planted one among the records. Every reader (`sluice logs`) comes through here.
    public func openAttemptLog(_ run: RunDirectory, _ key: InstanceKey, _ attempt: RunRecord.AttemptRecord) throws(ExecutorError) -> AttemptLog {
        if attempt.logBytes == 0 { return AttemptLog(descriptor: -1, limit: 0) }
        var relative = RunDirectory.logName(key, attempt: attempt.attempt)
        if let recorded = attempt.log, recorded.hasPrefix("logs/"), recorded.hasSuffix(".log"), Self.isOneName(String(recorded.dropFirst(5))) {
            relative = recorded
        }
        let directory = (relative as NSString).deletingLastPathComponent, name = (relative as NSString).lastPathComponent
        guard Self.isOneName(name), !key.task.contains("/") else { throw ExecutorError("\(run.path)/\(relative): not a log name sluice writes") }
        let logs = try openRun(run).subdirectory(directory, create: false)
        let fd = logs.openFile(name)
        guard fd >= 0 else {
            let why = logs.kind(of: name) == S_IFLNK ? "it is a symbolic link, which sluice never follows among its records"
                : logs.kind(of: name) == nil ? "it does not exist" : "it is not a regular file"
            throw ExecutorError("cannot read \(run.path + "/" + relative): \(why)")
        }
        return AttemptLog(descriptor: fd, limit: attempt.logBytes)
    }

    /// The log of attempt `attempt` of the instance, as the run's journal records it.
    public func openAttemptLog(_ run: RunDirectory, _ key: InstanceKey, attempt: Int) throws(ExecutorError) -> AttemptLog {
        let recorded = (try? record(of: run))?.instance(key)?.attempts.first { $0.attempt == attempt }
        return try openAttemptLog(run, key, recorded ?? RunRecord.AttemptRecord(attempt: attempt, state: .running))
    }

    /// A table output of one instance, opened for reading (`sluice cat
    /// RUN:task.output`): `outputs/<task>[/<index>]/<output>.arrow` as the
    /// executor lays it out, every component opened without following a symlink.
    /// The caller closes the descriptor.
    public func openOutputTable(_ run: RunDirectory, _ key: InstanceKey, output: String) throws(ExecutorError) -> Int32 {
        let name = output + ".arrow"
        guard Self.isOneName(name), Self.isOneName(key.task) else { throw ExecutorError("\(key).\(output): not an output name") }
        let relative = "outputs/" + key.task + (key.mapIndex.map { "/\($0)" } ?? "")
        let directory = try openRun(run).subdirectory(relative, create: false)
        let fd = directory.openFile(name)
        guard fd >= 0 else {
            let why = directory.kind(of: name) == S_IFLNK ? "it is a symbolic link, which sluice never follows among its records"
                : directory.kind(of: name) == nil ? "it does not exist" : "it is not a regular file"
            throw ExecutorError("cannot read \(run.path + "/" + relative + "/" + name): \(why)")
        }
        return fd
    }
}

// MARK: - The journal reader

extension RunRecord {
    /// The journal format versions this sluice reads (ninja's build log keeps
    /// the same window): a journal outside it is refused by every reader
    /// with one message. A `run_started` without `version` is version 1.
    public static let readableJournalVersions: ClosedRange<Int64> = 1...JournalEvent.formatVersion

    /// The one journal reader: `show`, `runs`, `graph --run`, `cache gc`,
    /// `--explain` and `--resume` all replay a journal here. A line counts
    /// once its newline is written: a last line without one is the torn end
    /// of a crash and is left out (`tornTail`). A line that is not a journal
    /// event this sluice can read is skipped and its number kept
    /// (`unreadableLines`); an event of a kind it does not know is ignored,
    /// as are fields it does not know. `file` names the journal in errors.
    public static func replay(_ text: String, file: String? = nil) throws(ExecutorError) -> RunRecord {
        var record = RunRecord()
        var sawStart = false
        var lines = TextLines.split(text)
        if let last = lines.popLast(), !last.isEmpty { record.tornTail = true }
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            guard let json = try? JSON.parse(String(line)), let kind = json["event"]?.stringValue else {
                record.unreadableLines.append(index + 1)
                continue
            }
            if kind == "run_started" { try checkVersion(json["version"], file: file) }
            guard let event = JournalEvent(json: json) else {
                if JournalEvent.kinds.contains(kind) { record.unreadableLines.append(index + 1) }
                continue
            }
            if case .runStarted = event { sawStart = true }
            record.apply(event)
        }
        guard sawStart else { throw ExecutorError("\(file.map { $0 + ": " } ?? "")the journal has no run_started event") }
        return record
    }

    private static func checkVersion(_ version: JSON?, file: String?) throws(ExecutorError) {
        guard let version else { return }
        if let number = version.intValue, readableJournalVersions.contains(number) { return }
        let readable = readableJournalVersions.count == 1 ? "version \(readableJournalVersions.lowerBound)"
            : "versions \(readableJournalVersions.lowerBound) to \(readableJournalVersions.upperBound)"
        throw ExecutorError("\(file.map { $0 + ": " } ?? "")journal format version \(version.compact()) is not one this sluice reads (it reads \(readable))")
    }
}

/// A journal's size and modification time (nanoseconds since the epoch):
/// when neither changed, the run's record did not either (the journal is
/// only ever appended to, or cut back to its last whole batch).
public struct JournalStamp: Sendable, Equatable {
    public let size: Int64
    public let modified: Int64

    public init(size: Int64, modified: Int64) {
        self.size = size
        self.modified = modified
    }
}
