import SluiceBasics
import SluiceDiagnostics
import SluiceSpec
import Synchronization

/// The per-spec checks of one spec, on two threads when the spec is large.
/// Once the parse is done its second thread has finished, and the checks
/// (a tenth of a 10,000-task lint) would otherwise all run on one core.
/// The checks are independent: each reads the `CheckContext` (immutable
/// values, plus two memo caches behind locks) and writes its own sink, so
/// they can run in any order on any thread. What they found is put back
/// together in `CheckRegistry.perSpec` order, exactly as one thread makes it.
enum ParallelChecks {
    /// Every check's diagnostics, in `CheckRegistry.perSpec` order.
    static func run(_ context: CheckContext, threads: Int) -> [Diagnostic] {
        let queue = CheckQueue(context: context)
        if threads >= 2 {
            _ = SecondThread.run({ queue.work() }, beside: { queue.work() })
        } else {
            queue.work()
        }
        return queue.merged()
    }

    /// The order checks are taken from the queue: the costliest first (by a
    /// callgrind profile of the 10,000-task bench spec), so that the two
    /// threads finish close together; then the rest in registry order.
    static let claimOrder: [Int] = {
        let costliest = ([UnsafeReference.self, DollarTemplate.self, MissingDeps.self, SecretInPlainText.self, UnusedOutput.self] as [any Check.Type])
            .map { ObjectIdentifier($0) }
        let checks = CheckRegistry.perSpec
        func rank(_ index: Int) -> Int {
            costliest.firstIndex(of: ObjectIdentifier(type(of: checks[index]))) ?? costliest.count
        }
        return checks.indices.sorted { (rank($0), $0) < (rank($1), $1) }
    }()
}

/// The checks of one spec, taken one at a time by whichever thread is free.
private final class CheckQueue: Sendable {
    let context: CheckContext
    /// Claims made so far: the next check to run is `claimOrder[next]`.
    private let next = Atomic<Int>(0)
    /// Each check's diagnostics, by its index in `CheckRegistry.perSpec`.
    private let found: Mutex<[[Diagnostic]]>

    init(context: CheckContext) {
        self.context = context
        found = Mutex(Array(repeating: [], count: CheckRegistry.perSpec.count))
    }

    func work() {
        let checks = CheckRegistry.perSpec
        let order = ParallelChecks.claimOrder
        while true {
            let claim = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard claim < order.count else { return }
            let index = order[claim]
            var sink = DiagnosticSink(file: context.spec.file)
            checks[index].check(context, into: &sink)
            let diagnostics = sink.diagnostics
            found.withLock { $0[index] = diagnostics }
        }
    }

    /// Call once every thread has returned from `work()`.
    func merged() -> [Diagnostic] {
        found.withLock { $0.flatMap { $0 } }
    }
}
