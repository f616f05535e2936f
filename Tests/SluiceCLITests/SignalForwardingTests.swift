import Dispatch
import Foundation
import Synchronization
import Testing
@testable import sluice

/// The signal forwarding `sluice run` and `sluice task-run` stop on.
@Suite(.serialized) struct SignalForwardingTests {
    /// A signal sent the moment `install` returns reaches its handler: the
    /// process handler is in place by then, so nothing waits for a
    /// registration (libdispatch's sources registered on their manager
    /// thread some time after `resume()`, and a signal sent in between was
    /// once lost). SIGUSR2 stands in for SIGINT, SIGTERM and SIGHUP, which
    /// the test runner must keep: its default action ends the process, so a
    /// handler missing at the kill fails the whole run loudly, not quietly.
    @Test func aSignalSentRightAfterInstallReachesItsHandler() throws {
        for _ in 0..<20 {
            let received = DispatchSemaphore(value: 0)
            let forwarding = SignalForwarding.install([SIGUSR2]) { _ in received.signal() }
            kill(getpid(), SIGUSR2)
            #expect(received.wait(timeout: .now() + 5) == .success, "the signal never reached its handler")
            forwarding.stop()
        }
    }

    /// Every forwarding installed for a signal gets it, with its number; a
    /// stopped one no more, and a signal no forwarding wants any more is
    /// dropped, not acted on by its default (which would end the test runner).
    @Test func eachForwardingGetsItsSignalsUntilItStops() throws {
        let first = Mutex<[Int32]>([])
        let second = Mutex<[Int32]>([])
        let arrived = DispatchSemaphore(value: 0)
        let one = SignalForwarding.install([SIGUSR2]) { number in first.withLock { $0.append(number) }; arrived.signal() }
        let two = SignalForwarding.install([SIGUSR2, SIGWINCH]) { number in second.withLock { $0.append(number) }; arrived.signal() }
        kill(getpid(), SIGUSR2)
        #expect(arrived.wait(timeout: .now() + 5) == .success)
        #expect(arrived.wait(timeout: .now() + 5) == .success)
        one.stop()
        kill(getpid(), SIGWINCH)
        #expect(arrived.wait(timeout: .now() + 5) == .success)
        two.stop()
        kill(getpid(), SIGUSR2)
        #expect(arrived.wait(timeout: .now() + 0.2) == .timedOut, "a stopped forwarding is not called")
        #expect(first.withLock { $0 } == [SIGUSR2])
        #expect(second.withLock { $0 } == [SIGUSR2, SIGWINCH])
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
