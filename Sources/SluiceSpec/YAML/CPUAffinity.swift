#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether work may be split over two threads. Two threads taking turns on
/// one core are slower than one, so the parse (`EventPipeline`) and the
/// lint's checks (`ParallelChecks`) use a second thread only when the
/// process may run on two CPUs or more.
public enum CPUAffinity {
    /// Whether the CPUs this process may run on (its affinity mask, which
    /// `taskset` and container runtimes set) number two or more. On Linux
    /// with glibc; elsewhere assumed.
    public static func mayUseTwoCPUs() -> Bool {
        #if os(Linux) && canImport(Glibc)
        // `sched_getaffinity` is declared only under _GNU_SOURCE, which Swift's Glibc module does not set.
        typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity") else { return true }
        var mask = [UInt64](repeating: 0, count: 16) // 1,024 CPUs
        let status = mask.withUnsafeMutableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return -1 }
            return unsafeBitCast(symbol, to: GetAffinity.self)(0, bytes.count, base)
        }
        guard status == 0 else { return true }
        return mask.reduce(0) { $0 + $1.nonzeroBitCount } >= 2
        #else
        return true
        #endif
    }
}

/// How many threads share a large spec's per-task work after the parse
/// (lint's checks, lowering, the plan's JSON): `automatic` follows
/// `CPUAffinity` and a size below which one thread is faster; `one` and
/// `two` force it (tests compare the two paths byte for byte).
public enum WorkThreads: Sendable {
    case automatic, one, two

    /// Below this many tasks each of those steps takes about a millisecond
    /// (some 20,000–30,000 instructions a task on the benchmark spec), and a
    /// thread's start and join would eat much of what it saves.
    public static let minimumTasks = 256

    /// The threads to use for a spec or plan of `taskCount` tasks.
    public func count(forTasks taskCount: Int) -> Int {
        switch self {
        case .one: return 1
        case .two: return 2
        case .automatic: return taskCount >= Self.minimumTasks && CPUAffinity.mayUseTwoCPUs() ? 2 : 1
        }
    }
}
