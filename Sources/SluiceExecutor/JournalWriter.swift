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
/// with a torn last line that readers skip. Why not sync inline: one fsync
/// costs about 2 ms on the development disk, ten times the cost of starting
/// a task, and a run writes three lines per task. What must be on disk before
/// it happens (a task's start) waits with `waitUntilDurable()`.
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
    /// Bytes queued since the start, and bytes of those written and synced.
    private var queuedBytes = 0
    private var durableBytes = 0
    /// The file's length up to the last synced batch: where a failed write is cut back to.
    private var syncedLength: off_t
    private var thread: Thread?
    /// The writer is blocked waiting for lines: only then does `append` need
    /// to wake it (a futex call per line otherwise).
    private var writerIdle = false

    /// A new journal; or, with `resumingAt`, an existing one continued by
    /// `--resume`: it must not be locked by a live run, and is cut back to
    /// that length (its last whole line) before anything is appended.
    init(path: String, resumingAt length: Int? = nil) throws(ExecutorError) {
        self.path = path
        syncedLength = off_t(length ?? 0)
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
        let directory = (path as NSString).deletingLastPathComponent
        let thread = Thread { [weak self] in
            // The new directory entry must be durable too, or a crash could lose the whole file.
            RunFiles.syncDirectory(directory)
            self?.writeLoop()
        }
        thread.name = "sluice-journal"
        self.thread = thread
        thread.start()
    }

    /// Queues one line (a newline is added).
    func append(_ line: [UInt8]) {
        condition.lock()
        pending.append(contentsOf: line)
        pending.append(UInt8(ascii: "\n"))
        queuedBytes += line.count + 1
        // Broadcast: `waitUntilDurable` callers wait on the same condition.
        if writerIdle { condition.broadcast() }
        condition.unlock()
    }

    /// Blocks until every line queued so far is written and synced; throws
    /// the failure if the journal could not be written.
    func waitUntilDurable() throws(ExecutorError) {
        condition.lock()
        let target = queuedBytes
        while durableBytes < target && failure == nil { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw ExecutorError(failure) }
    }

    /// Waits until every queued line is on disk, stops the writer and closes
    /// the file. Throws if any write or sync failed.
    func close() throws(ExecutorError) {
        condition.lock()
        closing = true
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
            while pending.isEmpty && !closing {
                writerIdle = true
                condition.wait()
                writerIdle = false
            }
            if pending.isEmpty && closing {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let failed = failure != nil
            condition.unlock()
            // After a failure, lines are dropped: the file keeps a whole prefix of the run.
            let problem = failed ? nil : writeAndSync(batch)
            condition.lock()
            if let problem {
                failure = problem
            } else if !failed {
                durableBytes += batch.count
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    private func writeAndSync(_ bytes: [UInt8]) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, bytes.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return cutBack("cannot write \(path): \(SystemCalls.errorText())")
            }
            offset += n
        }
        guard fdatasync(fd) == 0 else { return cutBack("cannot sync \(path): \(SystemCalls.errorText())") }
        syncedLength += off_t(bytes.count)
        return nil
    }

    /// Removes the part of a batch a failed write left (shrinking a file
    /// needs no space), so no record is torn; returns `problem`.
    private func cutBack(_ problem: String) -> String {
        _ = ftruncate(fd, syncedLength)
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
