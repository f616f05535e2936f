import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Work split between the calling thread and one more, started with
/// pthreads as lint's checks are (`ParallelChecks`): the CLI has no
/// concurrency runtime of its own running, and this is one fork and one join.
enum SecondThread {
    /// Runs `back` on a new thread while `front` runs on this one; returns
    /// both results once both are done. When no thread can be started,
    /// `back` runs here after `front`.
    static func run<Front, Back: Sendable>(front: () -> Front, back: @escaping @Sendable () -> Back) -> (Front, Back) {
        let slot = ResultSlot<Back>()
        let job = Job { slot.store(back()) }
        guard let thread = start(job) else { return (front(), back()) }
        let frontResult = front()
        pthread_join(thread, nil)
        // The job stored its result before its thread ended; the join orders
        // that store before this read. Were it missing, `back` runs here.
        return (frontResult, slot.take() ?? back())
    }

    /// The new thread running `job`, or nil when it could not start.
    private static func start(_ job: Job) -> pthread_t? {
        let context = Unmanaged.passRetained(job)
        var handle = pthread_t()
        let started = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context.toOpaque())
        guard started == 0 else {
            context.release()
            return nil
        }
        return handle
    }

    private final class Job: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private final class ResultSlot<Value: Sendable>: Sendable {
        private let value = Mutex<Value?>(nil)
        func store(_ result: Value) { value.withLock { $0 = result } }
        func take() -> Value? { value.withLock { $0.take() } }
    }
}
