import Dispatch
import Synchronization
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
/// it, and nothing that must not miss a signal starts before
/// `Registration.wait()` has returned: `install` returns only then, and
/// `sluice run` uses `begin` and waits just before its first process starts
/// (`RunServices.beforeFirstProcess`), so the registration (0.3–3.6 ms of
/// thread start-up and wake-ups, more on a busy machine) overlaps the run's
/// set-up. On other systems the kqueue source sees a signal whatever its
/// disposition, so there it is ignored first, as the kqueue documentation
/// asks, to stop the default action.
enum SignalForwarding {
    /// How long `Registration.wait` waits for libdispatch to register the
    /// sources; normally well under a millisecond.
    static let registrationTimeout: DispatchTimeInterval = .seconds(5)

    /// libdispatch's registration of the sources `begin` resumed with it.
    /// `wait()` may be called any number of times, from any thread: the
    /// first call waits, later ones return at once. Made before the sources
    /// so that what must wait for them (an executor) can be made first.
    final class Registration: Sendable {
        private let registered = DispatchSemaphore(value: 0)
        /// Sources resumed whose registration no `wait()` has seen yet.
        private let outstanding = Mutex(0)

        fileprivate func sourceResumed() { outstanding.withLock { $0 += 1 } }

        fileprivate func sourceRegistered() { registered.signal() }

        /// Returns once every source resumed so far is registered (or the
        /// timeout passed for each).
        func wait() {
            outstanding.withLock { count in
                while count > 0 {
                    _ = registered.wait(timeout: .now() + SignalForwarding.registrationTimeout)
                    count -= 1
                }
            }
        }
    }

    /// Sources for `signals` whose events call `handler` (on a global
    /// queue), registered before this returns.
    static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> [DispatchSourceSignal] {
        let registration = Registration()
        let sources = begin(signals, registration: registration, handler: handler)
        registration.wait()
        return sources
    }

    /// Sources for `signals` whose events call `handler` (on a global
    /// queue), resumed but possibly not registered yet: a signal is sure to
    /// reach `handler` only once `registration.wait()` has returned; until
    /// then it may still have its old disposition.
    static func begin(_ signals: [Int32], registration: Registration,
                      handler: @escaping @Sendable (Int32) -> Void) -> [DispatchSourceSignal] {
        signals.map { signalNumber in
            #if !os(Linux)
            signal(signalNumber, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.setRegistrationHandler { registration.sourceRegistered() }
            registration.sourceResumed()
            source.resume()
            return source
        }
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
