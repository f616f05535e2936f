#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C functions the Swift Glibc module does not export (they sit behind
/// `_GNU_SOURCE`), looked up once at run time. Each is optional: a system
/// without one gets the portable fallback beside its use. (Public for
/// `keepChildSignalsOffThisThread` alone, which `sluice`'s signal relay uses too.)
public enum SystemCalls {
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open", PidfdOpen.self)
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np", AddChdir.self)
    static let pipe2: Pipe2? = symbol("pipe2", Pipe2.self)

    private static func symbol<F>(_ name: String, _ type: F.Type) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// A pipe whose ends are close-on-exec from birth, so no task started by
    /// another thread meanwhile inherits them.
    static func closeOnExecPipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// The text of `errno`, for messages.
    static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Whether a live (not zombie) process is in group `pgid`. `kill(-pgid, 0)`
    /// answers cheaply when the group is gone; when it is not, zombies count
    /// too (an init that never reaps leaves them forever), so /proc decides.
    static func groupHasLiveProcess(_ pgid: pid_t) -> Bool {
        if kill(-pgid, 0) != 0, errno == ESRCH { return false }
        #if os(Linux)
        guard let dir = opendir("/proc") else { return true }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let (group, state) = processGroupAndState(pid) else { continue }
            if group == pgid, state != "Z", state != "X" { return true }
        }
        return false
        #else
        return true
        #endif
    }

    /// Fields 3 (state) and 5 (pgrp) of /proc/PID/stat; the command name in
    /// field 2 may hold spaces and parentheses, so parse after the last ')'.
    private static func processGroupAndState(_ pid: Int32) -> (pid_t, Character)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        return (group, state)
    }
}

extension SystemCalls {
    static func closeDescriptor(_ fd: Int32) { _ = close(fd) }

    /// Sends a signal to a whole process group.
    static func signalGroup(_ pgid: pid_t, _ signal: Int32) { _ = kill(-pgid, signal) }

    /// Keeps a helper thread (journal, plan record, cache publisher, the CLI's signal relay) from
    /// being picked to take a task's SIGCHLD. A task that exits while the
    /// scheduler blocks signals around a start (`sluice_spawn`) has its
    /// SIGCHLD queued, and the kernel hands a queued signal to a thread that
    /// does not block it, waking it to discard it (SIGCHLD is ignored): about
    /// every other task woke a sleeping helper on the other core for nothing.
    /// Blocked here, it waits for the scheduler's thread, which takes and
    /// drops it as it unblocks, already running. The runner never needed the
    /// signal: it learns of exits from pidfds (or `waitpid`).
    public static func keepChildSignalsOffThisThread() {
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        pthread_sigmask(SIG_BLOCK, &childSignal, nil)
    }
}

extension SystemCalls {
    /// Calls `body` with `strings` as a C `argv`/`envp` vector: each string
    /// NUL-terminated, the vector ending in nil, valid only during `body`.
    /// Two allocations however many strings there are: a task's environment
    /// holds dozens, and a `strdup` (plus Swift's temporary C copy) of each,
    /// per task started, was most of what starting a process cost sluice
    /// itself. A string with a NUL inside ends there, as C reads it.
    /// `shared` comes first, its C strings used as they are (not copied):
    /// the environment every task of a run inherits (`CStringList`).
    static func withCStringVector<R>(_ strings: [String], after shared: CStringList? = nil,
                                     _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let sharedCount = shared?.count ?? 0
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: max(CStringList.byteCount(strings), 1), alignment: 1)
        let vector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: sharedCount + strings.count + 1)
        defer {
            bytes.deallocate()
            vector.deallocate()
        }
        if let shared { vector.initialize(from: shared.vector, count: sharedCount) }
        CStringList.copy(strings, into: bytes, pointers: vector + sharedCount)
        return body(UnsafePointer(vector))
    }
}

/// `KEY=VALUE` strings made into C strings once, for every process started
/// with them: the environment a run's tasks inherit is the same for all of
/// them (tens of entries), and copying it into C strings cost more per start
/// than anything else in `spawn`. Immutable once made, so any thread may read it.
public final class CStringList: @unchecked Sendable {
    /// The strings, as given.
    public let strings: [String]
    /// `strings` as C strings, then nil (`count + 1` pointers into `bytes`).
    let vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let bytes: UnsafeMutableRawPointer

    public init(_ strings: [String]) {
        self.strings = strings
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(Self.byteCount(strings), 1), alignment: 1)
        vector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        Self.copy(strings, into: bytes, pointers: vector)
    }

    deinit {
        bytes.deallocate()
        vector.deallocate()
    }

    var count: Int { strings.count }

    /// The bytes `copy` writes for `strings`: each one's UTF-8 and its NUL.
    static func byteCount(_ strings: [String]) -> Int {
        var total = 0
        for string in strings { total += string.utf8.count + 1 }
        return total
    }

    /// Writes `strings` NUL-terminated into `bytes` (`byteCount` of them) and
    /// a pointer to each into `pointers`, then nil (`strings.count + 1` slots).
    static func copy(_ strings: [String], into bytes: UnsafeMutableRawPointer, pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
        var offset = 0
        for (index, string) in strings.enumerated() {
            var string = string
            let start = bytes + offset
            let count = string.withUTF8 { utf8 -> Int in
                if let base = utf8.baseAddress { start.copyMemory(from: base, byteCount: utf8.count) }
                return utf8.count
            }
            start.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
            (pointers + index).initialize(to: start.assumingMemoryBound(to: CChar.self))
            offset += count + 1
        }
        (pointers + strings.count).initialize(to: nil)
    }
}
