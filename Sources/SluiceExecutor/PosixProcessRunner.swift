import CSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real runner: a vfork-style `clone` of its own (CSpawn's `sluice_spawn`, on Linux) or
/// `posix_spawn` with `POSIX_SPAWN_SETPGROUP` (no fork of a large parent, no Foundation.Process),
/// each child in its own process group, watched through a pidfd
/// in one `poll` together with the masking pipes and a wake-up pipe. Nothing
/// polls on a timer and nothing calls `waitpid(-1)`, so other children of the
/// process (a test harness's, another run's) are never reaped by mistake.
public final class PosixProcessRunner: ProcessRunner, @unchecked Sendable {
    private struct Child {
        var pid: pid_t
        /// -1 when a helper thread waits for the child instead (no pidfd_open).
        var pidfd: Int32
        /// The read end of the masking pipe; -1 when unmasked or at end of file.
        var pipe: Int32
        var log: Int32
        /// The runner created `log` (else the request lent it: left open).
        var ownsLog: Bool
        var stream: SecretMasker.Stream?
        var reaped = false
    }

    private var children: [Int: Child] = [:]
    private var nextID = 1
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let lock = NSLock()
    private var threadExits: [ProcessExit] = []
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)
    /// File actions by output descriptor and working directory, made once and reused: glibc checks
    /// every descriptor of an action against RLIMIT_NOFILE as it is added (five `prlimit64` a start),
    /// and the same few descriptor numbers come back task after task. An action holds descriptor
    /// numbers and its own copies of the strings, no open descriptor, so the actions made for an
    /// earlier task's number fit any later descriptor with that number.
    private var fileActions: [FileActionsKey: UnsafeMutablePointer<posix_spawn_file_actions_t>] = [:]
    private struct FileActionsKey: Hashable {
        var output: Int32
        var workingDirectory: String
    }
    /// More distinct pairs than this (a run with many working directories) start the cache afresh.
    private static let fileActionsLimit = 64

    /// What `sluice_spawn` needs, made once: `posix_spawn` maps and unmaps a child stack per start
    /// (the unmap interrupts the other core) and opens `/dev/null` in every child. Nil when the
    /// platform has no such spawn or it failed with ENOSYS, EPERM or EINVAL: `posix_spawn` from then on.
    private var ownSpawn: OwnSpawn?
    private struct OwnSpawn {
        /// The child's stack, below it a guard page. Only `start` uses it, and `start` runs on
        /// one thread at a time (the run's loop; the runner's other state is unlocked too); the
        /// parent thread is held in `clone` until the child has exec'd or exited (CLONE_VFORK).
        var stack: UnsafeMutableRawPointer
        var mapping: UnsafeMutableRawPointer
        var mappingSize: Int
        /// `/dev/null`, open for reading, close-on-exec, numbered 3 or higher.
        var devNull: Int32
        /// The real-time signals in use when the runner was made (`sluice_spawn_realtime_signals_in_use`):
        /// a child resets only these of signals 34 to 64.
        var realtimeInUse: UInt64
        /// The child's few calls (`rt_sigaction`s, `dup2`s, `chdir`, `execve`) need well under a
        /// page; the rest is margin.
        static let stackSize = 64 << 10
    }
    /// Whether starts go through `sluice_spawn` (tests check which path they exercised).
    var usesOwnSpawn: Bool { ownSpawn != nil }

    public convenience init() throws(ProcessStartError) {
        try self.init(ownSpawn: true)
    }

    /// `ownSpawn: false` starts every process with `posix_spawn` (the fallback, for tests).
    init(ownSpawn: Bool) throws(ProcessStartError) {
        guard let pipe = SystemCalls.closeOnExecPipe() else {
            throw ProcessStartError("cannot create a pipe: \(SystemCalls.errorText())")
        }
        SystemCalls.setNonBlocking(pipe.read)
        SystemCalls.setNonBlocking(pipe.write)
        wakeRead = pipe.read
        wakeWrite = pipe.write
        #if os(Linux)
        if ownSpawn { self.ownSpawn = Self.prepareOwnSpawn() }
        #endif
    }

    deinit {
        for id in Array(children.keys) { forceRelease(id) }
        close(wakeRead)
        close(wakeWrite)
        forgetFileActions()
        if let ownSpawn { Self.releaseOwnSpawn(ownSpawn) }
    }

    /// The stack (with a guard page below it, so an overflow faults instead of writing over
    /// the heap) and `/dev/null`; nil if either cannot be had.
    private static func prepareOwnSpawn() -> OwnSpawn? {
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let size = OwnSpawn.stackSize + page
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapping != MAP_FAILED else { return nil }
        guard mprotect(mapping, page, PROT_NONE) == 0 else {
            munmap(mapping, size)
            return nil
        }
        var devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        if devNull >= 0, devNull < 3 {
            let moved = fcntl(devNull, F_DUPFD_CLOEXEC, 3)
            close(devNull)
            devNull = moved
        }
        guard devNull >= 3 else {
            munmap(mapping, size)
            return nil
        }
        return OwnSpawn(stack: mapping + page, mapping: mapping, mappingSize: size, devNull: devNull,
                        realtimeInUse: sluice_spawn_realtime_signals_in_use())
    }

    private static func releaseOwnSpawn(_ ownSpawn: OwnSpawn) {
        close(ownSpawn.devNull)
        munmap(ownSpawn.mapping, ownSpawn.mappingSize)
    }

    /// stdin from /dev/null, stdout and stderr to `output`, in `workingDirectory` (where
    /// `posix_spawn_file_actions_addchdir_np` exists; `spawn` prefixes a `cd` otherwise).
    private func fileActions(output: Int32, workingDirectory: String) -> UnsafeMutablePointer<posix_spawn_file_actions_t> {
        let key = FileActionsKey(output: output, workingDirectory: workingDirectory)
        if let made = fileActions[key] { return made }
        if fileActions.count >= Self.fileActionsLimit { forgetFileActions() }
        let actions = UnsafeMutablePointer<posix_spawn_file_actions_t>.allocate(capacity: 1)
        actions.initialize(to: posix_spawn_file_actions_t())
        posix_spawn_file_actions_init(actions)
        posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(actions, output, 1)
        posix_spawn_file_actions_adddup2(actions, output, 2)
        if let addChdir = SystemCalls.addChdir { _ = addChdir(actions, workingDirectory) }
        fileActions[key] = actions
        return actions
    }

    private func forgetFileActions() {
        for actions in fileActions.values {
            posix_spawn_file_actions_destroy(actions)
            actions.deinitialize(count: 1)
            actions.deallocate()
        }
        fileActions.removeAll()
    }

    public func start(_ request: ProcessRequest) throws(ProcessStartError) -> ProcessHandle {
        let log: Int32
        if let lent = request.logDescriptor {
            log = lent
        } else {
            log = try Self.createLog(request.logPath, in: request.logDirectory)
        }
        let ownsLog = request.logDescriptor == nil
        var output = log
        var pipeRead: Int32 = -1
        if !request.masker.isEmpty {
            guard let pipe = SystemCalls.closeOnExecPipe() else {
                if ownsLog { close(log) }
                throw ProcessStartError("cannot create a pipe: \(SystemCalls.errorText())")
            }
            SystemCalls.setNonBlocking(pipe.read)
            output = pipe.write
            pipeRead = pipe.read
        }
        let spawned = spawn(request, output: output)
        if pipeRead >= 0 { close(output) }
        let pid: pid_t
        var pidfd: Int32
        switch spawned {
        case .success(let started): (pid, pidfd) = started
        case .failure(let error):
            if ownsLog { close(log) }
            if pipeRead >= 0 { close(pipeRead) }
            throw error
        }
        let id = nextID
        nextID += 1
        if pidfd < 0 { pidfd = SystemCalls.pidfdOpen?(pid, 0) ?? -1 }
        children[id] = Child(pid: pid, pidfd: pidfd, pipe: pipeRead, log: log, ownsLog: ownsLog,
                             stream: pipeRead >= 0 ? SecretMasker.Stream(masker: request.masker) : nil)
        let handle = ProcessHandle(id: id, pid: pid)
        if pidfd < 0 { waitInThread(handle) }
        return handle
    }

    /// A new, empty log file. openat from the logs directory: a short path walk, on the hot path of
    /// every task. Whatever is at the log's name (a symlink or hard link a task planted there) is
    /// unlinked, never written through.
    static func createLog(_ name: String, in directory: Int32) throws(ProcessStartError) -> Int32 {
        _ = unlinkat(directory, name, 0)
        let log = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw ProcessStartError("cannot create log \(name): \(SystemCalls.errorText())") }
        return log
    }

    /// The child's pid, and its pidfd when the spawn made one (else -1).
    private func spawn(_ request: ProcessRequest, output: Int32) -> Result<(pid_t, Int32), ProcessStartError> {
        if let ownSpawn {
            var pid: pid_t = -1
            var pidfd: Int32 = -1
            var cloneFailed: Int32 = 0
            let rc = SystemCalls.withCStringVector(["/bin/sh", "-c", request.command]) { argv in
                request.ownEnvironment.withVector(after: request.sharedEnvironment) { envp in
                    "/bin/sh".withCString { shell in
                        request.workingDirectory.withCString { directory in
                            var spawnRequest = sluice_spawn_request(path: shell, argv: argv, envp: envp, output: output, devNull: ownSpawn.devNull,
                                                                    directory: directory, realtimeInUse: ownSpawn.realtimeInUse,
                                                                    stack: ownSpawn.stack, stackSize: OwnSpawn.stackSize)
                            return sluice_spawn(&spawnRequest, &pid, &pidfd, &cloneFailed)
                        }
                    }
                }
            }
            if rc == 0 { return .success((pid, pidfd)) }
            // No such clone here (ENOSYS), a seccomp filter refusing it (EPERM), a kernel without
            // CLONE_PIDFD (EINVAL, before Linux 5.2): `posix_spawn` can still start processes.
            guard cloneFailed != 0, rc == ENOSYS || rc == EPERM || rc == EINVAL else {
                return .failure(ProcessStartError("cannot start /bin/sh: \(SystemCalls.errorText(rc))"))
            }
            Self.releaseOwnSpawn(ownSpawn)
            self.ownSpawn = nil
        }
        let actions = fileActions(output: output, workingDirectory: request.workingDirectory)
        var command = request.command
        if SystemCalls.addChdir == nil {
            command = "cd -- \(ValueRendering.shellQuote(request.workingDirectory)) || exit 127\n" + command
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so a timeout can signal every descendant), default
        // signal handlers and an empty mask: an ignored SIGPIPE or a blocked
        // SIGTERM in sluice must not leak into the task.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)

        var pid: pid_t = 0
        let rc = SystemCalls.withCStringVector(["/bin/sh", "-c", command]) { argv in
            request.ownEnvironment.withVector(after: request.sharedEnvironment) { envp in
                posix_spawn(&pid, "/bin/sh", actions, &attributes, argv, envp)
            }
        }
        guard rc == 0 else { return .failure(ProcessStartError("cannot start /bin/sh: \(SystemCalls.errorText(rc))")) }
        return .success((pid, -1))
    }

    /// Without pidfds (old kernels, other systems): one blocked thread per
    /// child, which posts the status and wakes the loop.
    private func waitInThread(_ handle: ProcessHandle) {
        let thread = Thread { [weak self] in
            var status: Int32 = 0
            while waitpid(handle.pid, &status, 0) < 0, errno == EINTR {}
            guard let self else { return }
            self.lock.lock()
            self.threadExits.append(ProcessExit(handle: handle, status: Self.decode(status)))
            self.lock.unlock()
            self.wake()
        }
        thread.start()
    }

    public func signalGroup(_ handle: ProcessHandle, _ signal: Int32) {
        _ = kill(-handle.pid, signal)
    }

    public func groupAlive(_ handle: ProcessHandle) -> Bool {
        SystemCalls.groupHasLiveProcess(handle.pid)
    }

    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    public func wait(timeoutNanoseconds: Int64?) -> [ProcessExit] {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        var owners: [(id: Int, isExit: Bool)] = [(0, false)]
        for (id, child) in children {
            if child.pidfd >= 0, !child.reaped {
                fds.append(pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0))
                owners.append((id, true))
            }
            if child.pipe >= 0 {
                fds.append(pollfd(fd: child.pipe, events: Int16(POLLIN), revents: 0))
                owners.append((id, false))
            }
        }
        let milliseconds: Int32 = timeoutNanoseconds.map { ns in
            ns <= 0 ? 0 : Int32(clamping: (ns + 999_999) / 1_000_000)
        } ?? -1
        let ready = poll(&fds, nfds_t(fds.count), milliseconds)
        var exits: [ProcessExit] = []
        if ready > 0 {
            for (i, fd) in fds.enumerated() where fd.revents != 0 {
                if i == 0 { drainWakePipe(); continue }
                let owner = owners[i]
                if owner.isExit { reap(owner.id).map { exits.append($0) } } else { pump(owner.id, draining: false) }
            }
        }
        lock.lock()
        let posted = threadExits
        threadExits.removeAll()
        lock.unlock()
        for exit in posted {
            children[exit.handle.id]?.reaped = true
            exits.append(exit)
        }
        return exits
    }

    public func release(_ handle: ProcessHandle) {
        forceRelease(handle.id)
    }

    private func forceRelease(_ id: Int) {
        guard let child = children[id] else { return }
        if !child.reaped {
            // Only on teardown of an unfinished run: nothing of it may outlive us.
            _ = kill(-child.pid, SIGKILL)
            var status: Int32 = 0
            if child.pidfd >= 0 { while waitpid(child.pid, &status, 0) < 0, errno == EINTR {} }
        }
        if child.pipe >= 0 { pump(id, draining: true) }
        if let child = children[id] {
            if child.pidfd >= 0 { close(child.pidfd) }
            if child.ownsLog { close(child.log) }
        }
        children[id] = nil
    }

    private func reap(_ id: Int) -> ProcessExit? {
        guard let child = children[id], !child.reaped else { return nil }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(child.pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == child.pid else { return nil }
        children[id]?.reaped = true
        close(child.pidfd)
        children[id]?.pidfd = -1
        return ProcessExit(handle: ProcessHandle(id: id, pid: child.pid), status: Self.decode(status))
    }

    /// Moves what the task wrote from the pipe through the masker into the
    /// log. `draining`: read to the end of what is there now, then close.
    private func pump(_ id: Int, draining: Bool) {
        guard var child = children[id], child.pipe >= 0 else { return }
        var atEnd = false
        repeat {
            let n = readBuffer.withUnsafeMutableBytes { read(child.pipe, $0.baseAddress, $0.count) }
            if n > 0 {
                let masked = child.stream?.feed(Array(readBuffer[0..<n])) ?? Array(readBuffer[0..<n])
                Self.writeAll(child.log, masked)
                continue
            }
            if n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) { atEnd = true }
            break
        } while true
        if atEnd || draining {
            if let rest = child.stream?.finish() { Self.writeAll(child.log, rest) }
            close(child.pipe)
            child.pipe = -1
            child.stream = nil
        }
        children[id] = child
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, raw.count - offset)
            }
            if n < 0 { if errno == EINTR { continue } else { return } }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// `WIFEXITED`/`WEXITSTATUS`/`WTERMSIG` are macros Swift cannot import.
    static func decode(_ status: Int32) -> ProcessStatus {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
