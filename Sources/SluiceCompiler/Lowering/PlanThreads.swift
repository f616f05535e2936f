import SluiceSpec

/// How many threads lower a plan (`PlanBuilder`) and write its JSON
/// (`Plan.encodedUTF8(threads:)`): after the checks the parse's second
/// thread has finished, and a large plan's lowering and JSON would otherwise
/// run on one core. `automatic` follows the policy of the parse and the
/// checks (`CPUAffinity`, and a size below which one thread is faster);
/// `one` and `two` force it (tests compare the two paths).
public enum PlanThreads: Sendable {
    case automatic, one, two

    /// Below this many tasks lowering and writing take a millisecond or two
    /// (some 20,000 and 30,000 instructions a task on the benchmark spec),
    /// and a thread's start and join would eat much of what it saves.
    public static let minimumTasks = 256

    /// The threads to use for a plan of `taskCount` tasks.
    public func count(forTasks taskCount: Int) -> Int {
        switch self {
        case .one: return 1
        case .two: return 2
        case .automatic: return taskCount >= Self.minimumTasks && CPUAffinity.mayUseTwoCPUs() ? 2 : 1
        }
    }
}
