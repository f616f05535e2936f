import Dispatch
import SluiceBasics
import SluiceDiagnostics
import SluiceSpec
import Synchronization

/// The data contracts and the per-spec checks of one spec, on two threads
/// when the spec is large. Once the parse is done its second thread has
/// finished, and the contracts and the checks (a third of a 10,000-task
/// lint) would otherwise all run on one core.
///
/// The checks are independent: each reads the context (immutable values,
/// plus two memo caches behind locks) and writes its own sink, so they can
/// run in any order on any thread. While the first thread builds the
/// contracts, the second runs the checks that do not read them
/// (`SpecCheck`); then both take the rest, the costliest first, a
/// `TaskRangeCheck` in two halves. What they found is put back together in
/// `CheckRegistry.perSpec` order (a divided check's halves in task order),
/// exactly as one thread makes it.
enum ParallelChecks {
    /// The spec's checked context (its contracts built by `contracts`) and
    /// every check's diagnostics, in `CheckRegistry.perSpec` order.
    static func run(_ base: SpecContext, threads: Int, contracts: () -> PipelineContracts) -> (CheckContext, [Diagnostic]) {
        let queue = CheckQueue(base: base, parts: threads >= 2 ? 2 : 1)
        guard threads >= 2 else {
            let context = CheckContext(base, contracts: contracts())
            queue.publish(context)
            queue.work(context)
            return (context, queue.merged())
        }
        let (context, _) = SecondThread.run({ () -> CheckContext in
            let context = CheckContext(base, contracts: contracts())
            queue.publish(context)
            queue.work(context)
            return context
        }, beside: { queue.work(nil) })
        return (context, queue.merged())
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

/// The checks of one spec, taken one at a time by whichever thread is free:
/// first those that read no contracts, then the rest.
private final class CheckQueue: Sendable {
    /// One piece of work: a check, or one part of a `TaskRangeCheck`.
    struct Job: Sendable {
        enum Kind: Sendable {
            case withoutContracts(any SpecCheck)
            case whole(any Check)
            case part(any TaskRangeCheck, Range<Int>)
        }
        /// The check's index in `CheckRegistry.perSpec`.
        let check: Int
        let kind: Kind
    }

    let base: SpecContext
    let jobs: [Job]
    /// Claims made so far: the next job to run is `jobs[next]`.
    private let next = Atomic<Int>(0)
    /// The context with its contracts, once the first thread has built them.
    private let context = Mutex<CheckContext?>(nil)
    /// Signalled when `context` is set: the other thread sleeps on it
    /// rather than polling for the rest of the contracts' build.
    private let contractsBuilt = DispatchSemaphore(value: 0)
    /// Each job's diagnostics, by its index in `jobs`.
    private let found: Mutex<[[Diagnostic]]>

    init(base: SpecContext, parts: Int) {
        self.base = base
        let checks = CheckRegistry.scheduled
        let tasks = base.spec.tasks.count
        var first: [Job] = [], then: [Job] = []
        for index in ParallelChecks.claimOrder {
            switch checks[index] {
            case .withoutContracts(let check):
                first.append(Job(check: index, kind: .withoutContracts(check)))
            case .byTasks(let check):
                guard parts > 1 else {
                    then.append(Job(check: index, kind: .whole(check)))
                    continue
                }
                for part in 0..<parts {
                    then.append(Job(check: index, kind: .part(check, tasks * part / parts..<tasks * (part + 1) / parts)))
                }
            case .whole(let check):
                then.append(Job(check: index, kind: .whole(check)))
            }
        }
        jobs = first + then
        found = Mutex(Array(repeating: [], count: jobs.count))
    }

    func publish(_ checked: CheckContext) {
        context.withLock { $0 = checked }
        contractsBuilt.signal()
    }

    /// Runs jobs until none is left. `checked` is nil on the thread that
    /// does not build the contracts: a job that reads them waits for them.
    func work(_ checked: CheckContext?) {
        var checked = checked
        while true {
            let claim = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard claim < jobs.count else { return }
            var sink = DiagnosticSink(file: base.spec.file)
            switch jobs[claim].kind {
            case .withoutContracts(let check):
                check.check(base, into: &sink)
            case .whole(let check):
                let context = checked ?? waitForContracts()
                checked = context
                check.check(context, into: &sink)
            case .part(let check, let tasks):
                let context = checked ?? waitForContracts()
                checked = context
                check.check(context, tasks: tasks, into: &sink)
            }
            let diagnostics = sink.diagnostics
            found.withLock { $0[claim] = diagnostics }
        }
    }

    /// The context once `publish` has run; the thread sleeps until then.
    private func waitForContracts() -> CheckContext {
        while true {
            if let checked = context.withLock({ $0 }) { return checked }
            contractsBuilt.wait()
            // Passed on, for any other thread waiting.
            contractsBuilt.signal()
        }
    }

    /// Call once every thread has returned from `work(_:)`: every job's
    /// diagnostics, check by check in registry order, a divided check's parts
    /// in task order (the order they were queued in).
    func merged() -> [Diagnostic] {
        let order = jobs.indices.sorted { (jobs[$0].check, $0) < (jobs[$1].check, $1) }
        return found.withLock { found in order.flatMap { found[$0] } }
    }
}
