import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Two pieces of independent work at once: one on a thread of its own, one
/// on the caller's. What `plan` uses after the checks, when the second core
/// would otherwise sit idle (lowering half the tasks, emitting half the
/// JSON). A plain thread rather than a dispatch queue: it is started at most
/// a few times a process, and its start and join are the whole cost.
public enum SecondThread {
    /// Runs `helper` on a new thread while `body` runs on this one, and
    /// returns both results once both have finished. When the thread cannot
    /// start, `helper` runs here after `body`: the results are the same.
    public static func run<Mine, Theirs: Sendable>(
        _ body: () -> Mine, beside helper: @escaping @Sendable () -> Theirs
    ) -> (Mine, Theirs) {
        let slot = ResultSlot<Theirs>()
        guard let thread = start(Work { slot.store(helper()) }) else {
            return (body(), helper())
        }
        let mine = body()
        pthread_join(thread, nil)
        return (mine, slot.take() ?? helper())
    }

    /// Where the helper leaves its result for the caller, who reads it after the join.
    private final class ResultSlot<Result: Sendable>: Sendable {
        private let value = Mutex<Result?>(nil)
        func store(_ result: Result) { value.withLock { $0 = result } }
        func take() -> Result? { value.withLock { $0.take() } }
    }

    /// The helper's work, handed to the new thread through a retained pointer.
    private final class Work: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private static func start(_ work: Work) -> pthread_t? {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        // The main thread's usual stack (a new thread's default can be smaller).
        _ = pthread_attr_setstacksize(&attributes, 8 << 20)
        let context = Unmanaged.passRetained(work)
        var handle = pthread_t()
        let started = pthread_create(&handle, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context.toOpaque())
        guard started == 0 else {
            context.release()
            return nil
        }
        return handle
    }
}
