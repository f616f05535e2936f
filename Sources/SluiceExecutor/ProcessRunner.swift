#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to start for one attempt: `/bin/sh -c command` in its own process
/// group, stdout and stderr to `logPath`, stdin from /dev/null.
public struct ProcessRequest: Sendable {
    public var command: String
    /// The environment's first `KEY=VALUE` entries, made into C strings once
    /// for every attempt that shares them (what a run's tasks inherit).
    public var sharedEnvironment: CStringList?
    /// The entries after `sharedEnvironment`'s: the attempt's own.
    public var ownEnvironment: CStringBuffer
    /// `KEY=VALUE` entries: the whole environment of the task (for fakes, tests and messages).
    public var environment: [String] { (sharedEnvironment?.strings ?? []) + ownEnvironment.strings }
    public var workingDirectory: String
    /// Relative to `logDirectory` (an open directory), or absolute.
    public var logPath: String
    /// A directory descriptor `logPath` is resolved against (`AT_FDCWD`: the current directory).
    public var logDirectory: Int32
    /// An open log file to write into instead of creating `logPath`; the
    /// caller owns it (the runner never closes it). `sluice run` hands an
    /// attempt the file an earlier attempt left empty (`AttemptLogFiles`).
    public var logDescriptor: Int32?
    /// When it holds secrets, output goes through a pipe the runner reads,
    /// masks and appends to the log; otherwise the task writes the log itself.
    public var masker: SecretMasker

    /// `environment`: the whole environment.
    public init(command: String, environment: [String], workingDirectory: String, logPath: String,
                logDirectory: Int32 = AT_FDCWD, logDescriptor: Int32? = nil, masker: SecretMasker = SecretMasker(values: [])) {
        self.init(command: command, sharedEnvironment: nil, ownEnvironment: CStringBuffer(environment), workingDirectory: workingDirectory,
                  logPath: logPath, logDirectory: logDirectory, logDescriptor: logDescriptor, masker: masker)
    }

    /// The environment is `sharedEnvironment`'s entries, then `ownEnvironment`'s.
    public init(command: String, sharedEnvironment: CStringList?, ownEnvironment: CStringBuffer, workingDirectory: String, logPath: String,
                logDirectory: Int32 = AT_FDCWD, logDescriptor: Int32? = nil, masker: SecretMasker = SecretMasker(values: [])) {
        self.command = command
        self.sharedEnvironment = sharedEnvironment
        self.ownEnvironment = ownEnvironment
        self.workingDirectory = workingDirectory
        self.logPath = logPath
        self.logDirectory = logDirectory
        self.logDescriptor = logDescriptor
        self.masker = masker
    }
}

/// A started attempt.
public struct ProcessHandle: Hashable, Sendable {
    public let id: Int
    /// Also the process group id.
    public let pid: Int32

    public init(id: Int, pid: Int32) {
        self.id = id
        self.pid = pid
    }
}

public enum ProcessStatus: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)
}

public struct ProcessExit: Equatable, Sendable {
    public var handle: ProcessHandle
    public var status: ProcessStatus

    public init(handle: ProcessHandle, status: ProcessStatus) {
        self.handle = handle
        self.status = status
    }
}

public struct ProcessStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Starts and watches task processes: the seam between the executor and the
/// operating system (a fake in the tests). One runner serves one run on one
/// thread; only `wake` may be called from elsewhere.
public protocol ProcessRunner: AnyObject {
    func start(_ request: ProcessRequest) throws(ProcessStartError) -> ProcessHandle
    /// Sends `signal` to the attempt's whole process group.
    func signalGroup(_ handle: ProcessHandle, _ signal: Int32)
    /// After the group leader exited: is any process of the group still alive?
    func groupAlive(_ handle: ProcessHandle) -> Bool
    /// Blocks until a started process exits, `wake` is called, or
    /// `timeoutNanoseconds` passes (nil: no limit). Never busy-waits.
    func wait(timeoutNanoseconds: Int64?) -> [ProcessExit]
    /// Makes a blocked `wait` return; safe from any thread.
    func wake()
    /// The attempt is over: flush its log, and close it unless the request lent it.
    func release(_ handle: ProcessHandle)
}
