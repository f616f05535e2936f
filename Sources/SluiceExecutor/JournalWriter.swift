import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends journal lines and makes them durable with group commit: a writer
/// thread writes whatever lines are waiting and `fdatasync`s them, while the
/// scheduler keeps going. Every line is synced (several may share one sync),
/// in order, so after a crash the file holds a prefix of the events, possibly
/// with a torn last line that readers skip. Lines are written as they come;
/// unless something waits for a sync, a sync follows the previous one after
/// `commitInterval` once the lines not yet synced record `workWorthASync` of
/// finished attempts, and `longestUnsynced` after the oldest of them
/// otherwise: what a crash of the machine can cost is the work `--resume`
/// runs again, so cheap tasks are not made to pay a sync each (on a virtual
/// disk one `fdatasync` costs the CPU of starting a process or two). Why not
/// sync inline: one fsync costs about 2 ms on the development disk, ten times
/// the cost of starting a task, and a run writes three lines per task. Once
/// syncing, `append` writes its line into the file itself and the writer
/// thread only syncs: it wakes once per group commit, not once per line.
/// What must be in the file
/// before it happens (a task's start) is written at once with `flush()`: a
/// crash of sluice itself then loses nothing, and only a crash of the machine
/// before the next group commit can (docs/executor.md "The journal"). What
/// must be on disk before it happens (a child run's start) waits with
/// `waitUntilDurable()`.
///
/// Syncing starts with `startSyncing()` (the executor calls it before the
/// first process starts) or the first `waitUntilDurable()`. Until then lines
/// are written, a batch per `commitInterval`, and never synced: a run that
/// started no process (every instance cached or skipped) records nothing
/// `--resume` would not redo as cheaply, so a crash of the machine may lose
/// those lines, and the run ends without waiting for the disk.
///
/// A failed write or sync (ENOSPC, EIO) is final: the file is cut back to
/// the whole records synced before it, nothing more is written (a later line
/// without the lost ones would misstate the run), and every wait and `close`
/// throws the failure.
final class JournalWriter: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var closing = false
    private var finished = false
    private var failure: String?
    /// Bytes queued since the start, of those written to the file, and of those synced.
    private var queuedBytes = 0
    private var writtenBytes = 0
    private var durableBytes = 0
    /// The file's length up to the last batch written whole: where a failed
    /// write is cut back to. Not the last *synced* length: a task starts once
    /// its line is written (`Executor.startPending`), so a whole line that is
    /// not yet synced may record a process that already runs, and must stay.
    private var writtenLength: off_t
    private var thread: Thread?
    /// The writer is blocked waiting for lines: only then does `append` need
    /// to wake it (a futex call per line otherwise).
    private var writerIdle = false
    /// The writer waits for something to do, not for a group commit's time to
    /// come: a line `append` wrote while syncing must wake it to be synced.
    private var writerAwaitsWork = false
    /// Callers blocked in `waitUntilDurable`: while there are none, the writer
    /// lets lines gather (`syncDue`).
    private var durabilityWaiters = 0
    private var lastSync: Date?
    /// Microseconds the attempts whose ends were queued since the last sync
    /// ran: what `--resume` would run again if a crash of the machine lost them.
    private var unsyncedWork: Int64 = 0
    /// When the oldest line not yet synced was queued (nil when there is none).
    private var oldestUnsynced: Date?
    private let workWorthASync: Int64
    private let longestUnsynced: TimeInterval
    /// Whether lines are synced: from `startSyncing()` or the first `waitUntilDurable()` on
    /// (from the start for a resumed run, whose earlier part may have run processes).
    private var syncing: Bool
    /// The journal's directory, synced once before the first sync (the file's entry must be durable too).
    private let directory: String
    private var directorySynced = false
    /// `fdatasync` calls made, for the tests.
    private(set) var syncCount = 0
    /// Whether `close` synced the last lines itself (the writer slept), for the tests.
    private(set) var closedWithOwnSync = false
    /// Batches of lines written into the file (a `write` each, unless one was cut short), for the tests.
    private(set) var writeCount = 0
    /// The work of every line queued (microseconds of attempts), for the tests.
    private(set) var workQueued: Int64 = 0
    /// The shortest time between two group commits: a run syncs at most once
    /// per interval, not once per task start. Before syncing starts, lines
    /// gather this long and go into the file in one write.
    static let commitInterval: TimeInterval = 0.02
    /// Finished work (microseconds of attempts) worth a group commit as soon as
    /// `commitInterval` allows: a crash of the machine loses about this much
    /// work at most. Cheaper lines wait up to `longestUnsynced`.
    static let defaultWorkWorthASync: Int64 = 1_000_000
    /// How long a line may stay unsynced when what it records is cheap to redo.
    static let defaultLongestUnsynced: TimeInterval = 1

    /// A new journal; or, with `resumingAt`, an existing one continued by
    /// `--resume`: it must not be locked by a live run, and is cut back to
    /// that length (its last whole line) before anything is appended.
    init(path: String, resumingAt length: Int? = nil, workWorthASync: Int64 = JournalWriter.defaultWorkWorthASync,
         longestUnsynced: TimeInterval = JournalWriter.defaultLongestUnsynced) throws(ExecutorError) {
        self.path = path
        self.workWorthASync = workWorthASync
        self.longestUnsynced = longestUnsynced
        writtenLength = off_t(length ?? 0)
        syncing = length != nil
        directory = (path as NSString).deletingLastPathComponent
        // O_NOFOLLOW: a journal a task replaced with a symlink is refused, never appended through.
        fd = open(path, length == nil ? O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC : O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExecutorError("cannot \(length == nil ? "create" : "open") \(path): \(SystemCalls.errorText())") }
        // Held for the life of the run: `show` and `runs` tell a running run
        // from one whose process died by trying this lock.
        let locked = flock(fd, LOCK_EX | LOCK_NB) == 0
        if let length {
            guard locked else {
                SystemCalls.closeDescriptor(fd)
                throw ExecutorError("the run is still running (another sluice holds \(path)); wait for it or stop it first")
            }
            guard ftruncate(fd, off_t(length)) == 0 else {
                let problem = "cannot cut the torn end off \(path): \(SystemCalls.errorText())"
                SystemCalls.closeDescriptor(fd)
                throw ExecutorError(problem)
            }
        }
        let thread = Thread { [weak self] in
            SystemCalls.keepChildSignalsOffThisThread()
            self?.writeLoop()
        }
        thread.name = "sluice-journal"
        self.thread = thread
        thread.start()
    }

    /// Queues one line (a newline is added). Once syncing, the line is in the
    /// file when this returns (a crash of sluice loses none of them), written
    /// here rather than by the writer thread: handing each line over cost a
    /// wake-up and a context switch per line, on cores the tasks need. Before
    /// syncing, lines gather and go into the file a batch at a time.
    func append(_ line: [UInt8], work: Int64 = 0) {
        line.withUnsafeBufferPointer { append($0, work: work) }
    }

    /// `append(_:)` of bytes lent by the caller (`JournalEvent.withLine`), copied once into the queue.
    /// `work`: microseconds an attempt whose end the line records ran (0 for any other line).
    func append(_ line: UnsafeBufferPointer<UInt8>, work: Int64 = 0) {
        enqueue(line, work: work, writeWhileSyncing: true, wakingWriter: true)
    }

    /// The journal's last line, then `close()`: the writer is not woken for
    /// it, so that `close` can sync it on this thread while the writer sleeps.
    func close(after line: UnsafeBufferPointer<UInt8>) throws(ExecutorError) {
        enqueue(line, work: 0, writeWhileSyncing: true, wakingWriter: false)
        try close()
    }

    /// Queues one line (a newline is added) without writing it, even while
    /// syncing: it goes into the file, in order, with the next `flush` or
    /// `append`, the writer's next group commit, or `close`. The executor
    /// queues the lines of the instances it launches together (two `running`
    /// lines when two slots came free) and writes them with one `write` before
    /// the first process starts (`Executor.startReadyInstances`), instead of
    /// one `write` per line.
    func queue(_ line: UnsafeBufferPointer<UInt8>, work: Int64 = 0) {
        enqueue(line, work: work, writeWhileSyncing: false, wakingWriter: true)
    }

    private func enqueue(_ line: UnsafeBufferPointer<UInt8>, work: Int64, writeWhileSyncing: Bool, wakingWriter: Bool) {
        condition.lock()
        pending.append(contentsOf: line)
        pending.append(UInt8(ascii: "\n"))
        queuedBytes += line.count + 1
        if oldestUnsynced == nil { oldestUnsynced = Date() }
        let worthASyncBefore = unsyncedWork >= workWorthASync
        unsyncedWork += max(0, work)
        workQueued += max(0, work)
        if syncing {
            if writeWhileSyncing && failure == nil { writePendingAndWakeTheSyncer(wakingWriter: wakingWriter) }
            // A writer letting cheap lines gather syncs sooner now that they are worth it.
            if !worthASyncBefore && unsyncedWork >= workWorthASync && writerIdle && !writerAwaitsWork && wakingWriter {
                condition.broadcast()
            }
        } else if writerIdle && wakingWriter {
            condition.broadcast()
        }
        condition.unlock()
    }

    /// From now on every line is synced (those already written too): something
    /// that `--resume` could not simply redo is about to happen.
    func startSyncing() {
        condition.lock()
        if !syncing {
            syncing = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Blocks until every line queued so far is written and synced (syncing
    /// starts if it had not); throws the failure if the journal could not be written.
    func waitUntilDurable() throws(ExecutorError) {
        condition.lock()
        let target = queuedBytes
        syncing = true
        durabilityWaiters += 1
        condition.broadcast()  // the writer may be letting lines gather
        while durableBytes < target && failure == nil { condition.wait() }
        durabilityWaiters -= 1
        let failure = self.failure
        condition.unlock()
        if let failure { throw ExecutorError(failure) }
    }

    /// Writes every line queued so far into the file now, without waiting
    /// for a sync (the writer thread's next group commit makes them durable);
    /// throws the failure if the journal could not be written.
    func flush() throws(ExecutorError) {
        condition.lock()
        if failure == nil, !pending.isEmpty {
            if syncing { writePendingAndWakeTheSyncer() } else { writePending() }
        }
        let failure = self.failure
        condition.unlock()
        if let failure { throw ExecutorError(failure) }
    }

    /// Waits until every queued line is on disk, stops the writer and closes
    /// the file. Throws if any write or sync failed.
    func close() throws(ExecutorError) {
        condition.lock()
        closing = true
        if syncing && failure == nil && writerIdle {
            // The writer sleeps (waiting for work, or for a group commit's
            // time): the last lines (`run_finished`) are synced here instead of
            // waking it and waiting to be woken in turn (two wake-ups on the
            // run's last path). No line comes after them, so the lock is held
            // through the sync; the writer, woken, finds everything synced and returns.
            if !pending.isEmpty { writePending() }
            if failure == nil && durableBytes < writtenBytes {
                let target = writtenBytes
                if let problem = sync(includingDirectory: countSync()) { failure = problem } else { durableBytes = target }
                closedWithOwnSync = true
            }
            finished = true
        }
        condition.broadcast()
        while !finished { condition.wait() }
        let failure = self.failure
        condition.unlock()
        SystemCalls.closeDescriptor(fd)
        if let failure { throw ExecutorError(failure) }
    }

    private func writeLoop() {
        while true {
            condition.lock()
            // Idle while everything written is synced, and for good after a failure, until `close`.
            while !closing && (failure != nil || (pending.isEmpty && (!syncing || durableBytes == writtenBytes))) {
                writerIdle = true
                writerAwaitsWork = true
                condition.wait()
                writerIdle = false
                writerAwaitsWork = false
            }
            if !syncing && failure == nil {
                // No sync is owed: lines gather for up to `commitInterval` (no wake-up per line)
                // and go into the file in one write; `flush` writes them sooner when a start needs it.
                if !closing {
                    let due = Date().addingTimeInterval(Self.commitInterval)
                    while !closing && !syncing && failure == nil && Date() < due { _ = condition.wait(until: due) }
                }
                if !syncing {
                    if failure == nil, !pending.isEmpty { writePending() }
                    if closing {
                        pending.removeAll()
                        finished = true
                        condition.broadcast()
                        condition.unlock()
                        return
                    }
                    condition.unlock()
                    continue
                }
            }
            if !directorySynced && failure == nil {
                // The journal's entry in its directory, as soon as syncing starts (without it a crash
                // could lose the whole file), here rather than with the first group commit, which for
                // a short run is `close`'s, on the run's last path.
                directorySynced = true
                condition.unlock()
                RunFiles.syncDirectory(directory)
                condition.lock()
            }
            // Group commit: unless someone waits for the sync or the journal closes, more lines may join it.
            // Lines are still written as they come (by `append`), so a crash of sluice itself loses none.
            while !closing && durabilityWaiters == 0 && failure == nil {
                let due = syncDue()
                guard Date() < due else { break }
                if !pending.isEmpty {
                    writePending()
                    continue
                }
                writerIdle = true
                _ = condition.wait(until: due)
                writerIdle = false
            }
            if failure == nil, !pending.isEmpty { writePending() }
            if failure != nil || durableBytes == writtenBytes {
                // Done: closing with every line synced, or failed (lines are dropped from then on:
                // the file keeps a whole prefix of the run; waits and `close` throw the failure).
                pending.removeAll()
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let target = writtenBytes
            let syncDirectory = countSync()
            // Lines queued from here on wait for the next group commit.
            unsyncedWork = 0
            oldestUnsynced = nil
            condition.unlock()
            // Outside the lock: `append` and `flush` go on while the disk syncs.
            let problem = sync(includingDirectory: syncDirectory)
            let now = Date()
            condition.lock()
            if let problem {
                // Every line up to `target` was written whole and may record a started task:
                // nothing is cut; the failure stops the run (waits and `close` throw it).
                failure = problem
            } else {
                durableBytes = target
                lastSync = now
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// When the lines written and not yet synced are to be synced (under the
    /// lock): `commitInterval` after the previous sync once they record
    /// `workWorthASync` of finished attempts, else `longestUnsynced` after the
    /// oldest of them. The first sync of a run counts from its first line.
    private func syncDue() -> Date {
        let spaced = lastSync.map { $0.addingTimeInterval(Self.commitInterval) } ?? .distantPast
        if unsyncedWork >= workWorthASync { return spaced }
        return max(spaced, (oldestUnsynced ?? Date()).addingTimeInterval(longestUnsynced))
    }

    /// Counts a sync about to happen (under the lock); true the first time,
    /// when the journal's directory must be synced too.
    private func countSync() -> Bool {
        syncCount += 1
        defer { directorySynced = true }
        return !directorySynced
    }

    /// `fdatasync`s what is written (and the directory: the new entry must be
    /// durable too, or a crash could lose the whole file); returns why it
    /// failed, if it did. By one thread at a time: the writer, or `close`
    /// while the writer sleeps.
    private func sync(includingDirectory: Bool) -> String? {
        if includingDirectory { RunFiles.syncDirectory(directory) }
        return fdatasync(fd) == 0 ? nil : "cannot sync \(path): \(SystemCalls.errorText())"
    }

    /// Writes the waiting lines while syncing, and wakes a writer that waits
    /// for something to sync (a writer waiting for a group commit's time
    /// syncs these lines then, unwoken), unless `close` is about to sync them
    /// itself. Broadcast: `waitUntilDurable` callers wait on the same condition.
    private func writePendingAndWakeTheSyncer(wakingWriter: Bool = true) {
        writePending()
        if writerAwaitsWork && wakingWriter { condition.broadcast() }
    }

    /// Writes the waiting lines into the file (under the lock, so lines keep
    /// their order whichever thread writes them); a failed write is final.
    private func writePending() {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                failure = cutBack("cannot write \(path): \(SystemCalls.errorText())")
                pending.removeAll()
                return
            }
            offset += n
        }
        writtenBytes += pending.count
        writtenLength += off_t(pending.count)
        writeCount += 1
        pending.removeAll(keepingCapacity: true)
    }

    /// Removes the part of a batch a failed write left (shrinking a file
    /// needs no space), so no record is torn; returns `problem`.
    private func cutBack(_ problem: String) -> String {
        _ = ftruncate(fd, writtenLength)
        _ = fdatasync(fd)
        return problem
    }
}

/// An error of the executor itself (not of a task): bad plan, unwritable
/// records, missing env_file. The CLI prints it and exits 2.
public struct ExecutorError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
