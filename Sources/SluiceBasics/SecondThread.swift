import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Two pieces of independent work at once: one on a thread of its own, one
/// on the caller's: lint's checks, and after them `graph`'s lowering and
/// drawing (half the tasks, half the lines) and `plan`'s chunks
/// (`TakingTurns`) and writes, when the second core would otherwise sit
/// idle. A plain thread rather than a dispatch queue: it is started at most
/// a few times a process, and its start and join are the whole cost.
public enum SecondThread {
    /// Runs `helper` on a new thread while `body` runs on this one, and
    /// returns both results once both have finished. When the thread cannot
    /// start, `helper` runs here after `body`: the results are the same.
    public static func run<Mine, Theirs: Sendable>(
        _ body: () -> Mine, beside helper: @escaping @Sendable () -> Theirs
    ) -> (Mine, Theirs) {
        let result = Handoff<Theirs>()
        guard let thread = start(Work { result.put(helper()) }) else {
            return (body(), helper())
        }
        let mine = body()
        pthread_join(thread, nil)
        return (mine, result.take() ?? helper())
    }

    /// Runs `body` here with `helper` on a new thread beside it, and returns
    /// once both have finished; `body` is told whether the helper runs. When
    /// the thread cannot start, `helper` never runs and `body` gets `false`:
    /// for work whose two sides wait on each other (`TakingTurns`), where
    /// `run`'s fallback (the helper after the body) would wait forever.
    public static func run<Mine>(_ body: (_ helperRuns: Bool) -> Mine, besideIfStarted helper: @escaping @Sendable () -> Void) -> Mine {
        guard let thread = start(Work(helper)) else { return body(false) }
        let mine = body(true)
        pthread_join(thread, nil)
        return mine
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

/// A value passed from one thread to another: put by one, taken by the
/// other, after which the taker holds the only reference to it (a
/// `SecondThread` helper's result).
public final class Handoff<Value: Sendable>: Sendable {
    private let slot: Mutex<Value?>

    public init() { slot = Mutex(nil) }

    public func put(_ value: consuming Value) {
        let value = Optional(value)
        slot.withLock { $0 = value }
    }

    /// The value, now no longer held here; nil when none was put or it was taken.
    public func take() -> Value? { slot.withLock { $0.take() } }
}
