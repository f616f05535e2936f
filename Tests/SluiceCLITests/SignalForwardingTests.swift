import Dispatch
import Foundation
import Testing
@testable import sluice

/// The signal sources `sluice run` and `sluice task-run` stop on.
@Suite struct SignalForwardingTests {
    /// A signal sent the moment `install` returns reaches its handler. On
    /// Linux libdispatch registers a source on its manager thread some time
    /// after `resume()`; the pattern before (`SIG_IGN`, then `resume()`)
    /// dropped a signal sent in between, and on a busy machine a run's first
    /// task could already be running then (a lost SIGHUP let the run go on to
    /// its end). SIGUSR2 stands in for SIGINT, SIGTERM and SIGHUP, which the
    /// test runner must keep: its default action ends the process, so a
    /// handler missing at the kill fails the whole run loudly, not quietly.
    @Test func aSignalSentRightAfterInstallReachesItsHandler() throws {
        for _ in 0..<20 {
            let received = DispatchSemaphore(value: 0)
            let sources = SignalForwarding.install([SIGUSR2]) { _ in received.signal() }
            kill(getpid(), SIGUSR2)
            #expect(received.wait(timeout: .now() + 5) == .success, "the signal never reached its source")
            sources.forEach { $0.cancel() }
        }
    }

    /// `sluice run` resumes its sources before the run's set-up and waits
    /// for their registration only before the first process starts
    /// (`begin`, then `Registration.wait()`): a signal sent the moment the
    /// wait returns reaches its handler, and a second wait (a child run's
    /// executor) returns at once instead of waiting out the timeout.
    @Test func aSignalSentRightAfterTheRegistrationWaitReachesItsHandler() throws {
        for _ in 0..<20 {
            let received = DispatchSemaphore(value: 0)
            let registration = SignalForwarding.Registration()
            let sources = SignalForwarding.begin([SIGUSR2], registration: registration) { _ in received.signal() }
            registration.wait()
            kill(getpid(), SIGUSR2)
            #expect(received.wait(timeout: .now() + 5) == .success, "the signal never reached its source")
            let again = DispatchTime.now()
            registration.wait()
            #expect(DispatchTime.now().uptimeNanoseconds - again.uptimeNanoseconds < 1_000_000_000, "a second wait returns at once")
            sources.forEach { $0.cancel() }
        }
    }

    /// `nohup` leaves SIGHUP ignored, and `sluice run` then keeps it so.
    @Test func anIgnoredSignalIsSeenWithoutChangingIt() {
        let previous = signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, previous) }
        #expect(SignalForwarding.isIgnored(SIGUSR1))
        #expect(SignalForwarding.isIgnored(SIGUSR1), "reading it left it ignored")
        signal(SIGUSR1, SIG_DFL)
        #expect(!SignalForwarding.isIgnored(SIGUSR1))
    }
}
