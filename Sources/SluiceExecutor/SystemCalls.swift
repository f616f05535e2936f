import SluiceBasics
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
    /// A string with a NUL inside ends there, as C reads it.
    static func withCStringVector<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        CStringBuffer(strings).withVector(after: nil, body)
    }
}

/// C strings written one after another into one buffer, each ending in NUL:
/// an attempt's own environment entries are written here straight from
/// their parts (`append(_:_:)`: name, `=`, value), with no `String` made for
/// each and no copy into C strings at the spawn; a `strdup` of each, per
/// task started, was once most of what starting a process cost sluice.
/// An entry with a NUL inside ends there, as C would read it.
public struct CStringBuffer: Sendable, Equatable {
    /// The entries, each followed by its NUL. A `ByteBuffer`: each piece is
    /// one copy into reserved room, where an array's generic append cost
    /// about 60 instructions a piece (an attempt writes twenty).
    private var bytes: ByteBuffer
    /// How many entries `bytes` holds.
    public private(set) var count = 0

    public init(reservingCapacity capacity: Int = 0) {
        bytes = ByteBuffer(reservingCapacity: capacity)
    }

    public static func == (lhs: CStringBuffer, rhs: CStringBuffer) -> Bool {
        lhs.count == rhs.count && lhs.bytes.withBytes { left in rhs.bytes.withBytes { right in left.elementsEqual(right) } }
    }

    public init(_ strings: [String]) {
        var total = 0
        for string in strings { total += string.utf8.count + 1 }
        self.init(reservingCapacity: total)
        for string in strings { append(string) }
    }

    /// Appends `entry` as one C string.
    public mutating func append(_ entry: String) {
        let start = bytes.count
        bytes.appendUTF8(entry)
        endEntry(startingAt: start)
    }

    /// Appends `name=value` as one C string.
    public mutating func append(_ name: String, _ value: String) {
        let start = bytes.count
        bytes.appendUTF8(name)
        bytes.append(UInt8(ascii: "="))
        bytes.appendUTF8(value)
        endEntry(startingAt: start)
    }

    /// Appends `name=` and `parts` one after another as one C string: a path
    /// is written from its pieces, with no `String` joined from them first.
    public mutating func append(_ name: String, concatenating parts: String...) {
        let start = bytes.count
        bytes.appendUTF8(name)
        bytes.append(UInt8(ascii: "="))
        for part in parts { bytes.appendUTF8(part) }
        endEntry(startingAt: start)
    }

    /// Appends `name=` and `value`'s decimal digits (nothing after `=` for nil) as one C string, with no `String` made of them.
    public mutating func append(_ name: String, decimal value: Int?) {
        let start = bytes.count
        bytes.appendUTF8(name)
        bytes.append(UInt8(ascii: "="))
        if let value { bytes.appendDecimal(Int64(value)) }
        endEntry(startingAt: start)
    }

    /// Cuts the entry from `start` at a NUL inside it (C would stop there) and ends it with one.
    private mutating func endEntry(startingAt start: Int) {
        let nul = bytes.withBytes { written -> Int? in
            guard let base = written.baseAddress, written.count > start,
                  let found = memchr(base + start, 0, written.count - start) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
        if let nul { bytes.removeLast(bytes.count - nul) }
        bytes.append(0)
        count += 1
    }

    /// How many bytes the entries take, each with its NUL.
    var byteCount: Int { bytes.count }

    /// The entries' bytes, each followed by its NUL, lent to `body` (valid only during it).
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { bytes.withBytes(body) }

    /// The entries as strings (for tests, fakes and messages; the spawn reads the bytes).
    public var strings: [String] {
        bytes.array.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with a C vector of `shared`'s strings (used as they are,
    /// not copied), then these, then nil; valid only during `body`.
    func withVector<R>(after shared: CStringList?, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let sharedCount = shared?.count ?? 0
        let vector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: sharedCount + count + 1)
        defer { vector.deallocate() }
        if let shared { vector.initialize(from: shared.vector, count: sharedCount) }
        return bytes.withBytes { own in
            Self.point(vector + sharedCount, at: own, count: count)
            return body(UnsafePointer(vector))
        }
    }

    /// Writes into `pointers` where each of the `count` C strings in `bytes` starts, then nil.
    /// `execve` only reads them: the pointers are mutable because C's `envp` type says so.
    fileprivate static func point(_ pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, at bytes: UnsafeBufferPointer<UInt8>, count: Int) {
        var next = bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).assumingMemoryBound(to: CChar.self) }
        for index in 0..<count {
            guard let string = next else { break }
            (pointers + index).initialize(to: string)
            next = string + strlen(string) + 1  // every entry ends in its NUL (`endEntry`)
        }
        (pointers + count).initialize(to: nil)
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
    private let bytes: UnsafeMutableBufferPointer<UInt8>

    public init(_ strings: [String]) {
        self.strings = strings
        let buffer = CStringBuffer(strings)
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(buffer.byteCount, 1))
        buffer.withBytes { _ = bytes.initialize(from: $0) }
        self.bytes = bytes
        vector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        CStringBuffer.point(vector, at: UnsafeBufferPointer(bytes), count: buffer.count)
    }

    deinit {
        bytes.deallocate()
        vector.deallocate()
    }

    var count: Int { strings.count }
}
