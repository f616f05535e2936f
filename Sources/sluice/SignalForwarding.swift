import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dispatch sources for the signals a command stops on, installed so that
/// no such signal is ever dropped.
///
/// On Linux libdispatch takes a signal over only when its manager thread
/// registers the source: it installs its own handler and opens a `signalfd`
/// then, some time after `resume()` returned. The old pattern, `SIG_IGN` and
/// then `resume()`, therefore left a gap in which the signal was ignored:
/// when that thread was slow to run (a busy machine), a task could already
/// be running and a SIGHUP or SIGTERM sent to sluice was lost, so the run
/// went on to its end. Here the signal keeps its disposition (by default it
/// ends sluice, before any task exists) until libdispatch's handler replaces
/// it, and `install` returns only once every source is registered: whatever
/// starts afterwards cannot miss a signal. On other systems the kqueue source
/// sees a signal whatever its disposition, so there it is ignored first, as
/// the kqueue documentation asks, to stop the default action.
enum SignalForwarding {
    /// How long `install` waits for libdispatch to register the sources;
    /// normally well under a millisecond.
    static let registrationTimeout: DispatchTimeInterval = .seconds(5)

    /// Sources for `signals` whose events call `handler` (on a global
    /// queue), registered before this returns.
    static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> [DispatchSourceSignal] {
        let registered = DispatchSemaphore(value: 0)
        let sources = signals.map { signalNumber in
            #if !os(Linux)
            signal(signalNumber, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            return source
        }
        for _ in sources { _ = registered.wait(timeout: .now() + registrationTimeout) }
        return sources
    }

    /// Whether `signalNumber` is ignored now (as `nohup` leaves SIGHUP), read
    /// without changing it.
    static func isIgnored(_ signalNumber: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signalNumber, nil, &current) == 0 else { return false }
        #if os(Linux)
        let handler = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
        #else
        let handler = unsafeBitCast(current.__sigaction_u.__sa_handler, to: Int.self)
        #endif
        return handler == unsafeBitCast(SIG_IGN, to: Int.self)
    }
}
