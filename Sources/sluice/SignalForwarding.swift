import Foundation
import SluiceExecutor
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signals a command stops on (SIGINT, SIGTERM, SIGHUP), handed to
/// Swift code on a thread of their own, so that no such signal is ever
/// dropped.
///
/// `install` puts a plain `sigaction` handler in place before it returns:
/// the handler only writes the signal's number into a pipe (one `write`,
/// async-signal-safe), and the relay thread reads the pipe and calls every
/// handler installed for that signal. From the moment `install` returns a
/// signal reaches its handler; there is no registration to wait for.
///
/// Until 2026-12-07 these were libdispatch signal sources. On Linux
/// libdispatch takes a signal over only when its manager thread registers
/// the source (it installs its own handler and opens a `signalfd` some time
/// after `resume()`), so `sluice run` had to wait for that registration
/// before its first process started: a manager thread and a worker started
/// for it, 0.3–3.6 ms of thread start-up and wake-ups, part of it on the
/// path to the first task. Its `signalfd` wait was also woken by every
/// signal the process queued, so each task's SIGCHLD that arrived while the
/// scheduler blocked signals around a start woke the manager thread for
/// nothing (docs/speed.md, "task" and "mapped").
///
/// A signal with no handler installed for it any more (the command's run is
/// over) is read and dropped: once installed, the process handler stays, as
/// libdispatch's did, so a late Ctrl-C cannot cut the summary short.
enum SignalForwarding {
    /// One `install`'s handler; `stop()` takes it out again.
    final class Forwarding: Sendable {
        fileprivate let signals: [Int32]
        fileprivate let handler: @Sendable (Int32) -> Void

        fileprivate init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
            self.signals = signals
            self.handler = handler
        }

        /// From now on this forwarding's handler is not called.
        func stop() { SignalRelay.shared.remove(self) }
    }

    /// Calls `handler` (on the relay thread) for each of `signals` the
    /// process receives from the moment this returns until `stop()`.
    static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> Forwarding {
        let forwarding = Forwarding(signals: signals, handler: handler)
        SignalRelay.shared.add(forwarding)
        return forwarding
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

/// The write end of the relay's pipe, read by the signal handler. Set once,
/// before the first handler is installed, and never changed: a handler may
/// read nothing that is being written.
nonisolated(unsafe) private var signalRelayWriteEnd: Int32 = -1

/// The process's handler for every forwarded signal: its number, one byte,
/// into the relay's pipe (non-blocking: a full pipe drops the byte rather
/// than stall the interrupted thread; 64 KiB of unread signals means the
/// relay already has plenty to act on). `errno` is kept for the code the
/// signal interrupted.
private let relaySignalHandler: @convention(c) (Int32) -> Void = { number in
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalRelayWriteEnd, &byte, 1)
    errno = saved
}

/// The pipe, the relay thread and the handlers installed now (one per process).
private final class SignalRelay: Sendable {
    static let shared = SignalRelay()

    private struct State {
        var forwardings: [SignalForwarding.Forwarding] = []
        /// Signals whose process handler is `relaySignalHandler`.
        var handled = Set<Int32>()
    }

    private let state = Mutex(State())
    private let readEnd: Int32

    private init() {
        var ends: [Int32] = [-1, -1]
        // Without a pipe no signal can be forwarded; the default actions stay (sluice ends on one).
        guard pipe(&ends) == 0 else {
            readEnd = -1
            return
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        readEnd = ends[0]
        signalRelayWriteEnd = ends[1]
        let thread = Thread { [self] in
            // Not picked to take (and drop) a task's SIGCHLD, as the executor's helper threads.
            SystemCalls.keepChildSignalsOffThisThread()
            relay()
        }
        thread.name = "sluice-signals"
        thread.stackSize = 1 << 20
        thread.start()
    }

    func add(_ forwarding: SignalForwarding.Forwarding) {
        guard readEnd >= 0 else { return }
        // A parent may start sluice with these signals blocked (Foundation's `Process`
        // started from a libdispatch worker passes its mask on): blocked in every thread,
        // one would stay pending for good. libdispatch's `signalfd` read blocked signals too;
        // a handler needs a thread that takes them, so the caller's thread (a run's
        // scheduler, whose later threads inherit its mask) unblocks them.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in forwarding.signals { sigaddset(&wanted, number) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        state.withLock { state in
            state.forwardings.append(forwarding)
            for number in forwarding.signals where state.handled.insert(number).inserted {
                var action = sigaction()
                #if os(Linux)
                action.__sigaction_handler.sa_handler = relaySignalHandler
                #else
                action.__sigaction_u.__sa_handler = relaySignalHandler
                #endif
                sigemptyset(&action.sa_mask)
                // Interrupted reads and writes go on; `poll` still returns EINTR, which the runner's loop takes as "nothing yet".
                action.sa_flags = SA_RESTART
                sigaction(number, &action, nil)
            }
        }
    }

    func remove(_ forwarding: SignalForwarding.Forwarding) {
        state.withLock { $0.forwardings.removeAll { $0 === forwarding } }
    }

    private func handlers(for number: Int32) -> [@Sendable (Int32) -> Void] {
        state.withLock { state in state.forwardings.filter { $0.signals.contains(number) }.map(\.handler) }
    }

    /// The relay thread: each byte the handler wrote is a signal to hand on.
    private func relay() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            let n = bytes.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { return }
            for byte in bytes.prefix(n) {
                let number = Int32(byte)
                for handler in handlers(for: number) { handler(number) }
            }
        }
    }
}
