import SluiceBasics
import Synchronization
import Testing

/// `TakingTurns`: every part in order on the calling thread, the odd ones
/// made by the helper no more than `ahead` parts in advance and in storage
/// handed back to it; a failure stops both threads.
@Suite("Taking turns")
struct TakingTurnsTests {
    /// What one run did: the parts in the order this thread took them, and
    /// how they were made.
    final class Log: Sendable {
        let made = Mutex<[Int]>([])
        /// Parts the helper made that this thread has not taken yet, at most.
        let mostAhead = Atomic<Int>(0)
        let outstanding = Atomic<Int>(0)
        /// Parts made in a spare (storage handed back) rather than new storage.
        let reused = Atomic<Int>(0)
    }

    /// A part: its number, and the storage (a class, so reuse is visible) it was made in.
    final class Storage: Sendable {}
    struct Part: Sendable {
        var number: Int
        var storage: Storage
    }

    struct Stop: Error {}

    /// The parts this thread took, what the helper did, and the error that stopped the run, if any.
    static func run(parts: Int, helper: Bool, ahead: Int, failAt: Int? = nil) -> (taken: [Int], log: Log, failure: (any Error)?) {
        let log = Log()
        var taken: [Int] = []
        do {
            try TakingTurns.run(parts: parts, helper: helper, ahead: ahead, mine: { part in
                if part == failAt { throw Stop() }
                taken.append(part)
            }, theirs: { (part: Int, spare: inout Part?) -> Part in
                let storage: Storage
                if let reused = spare.take() {
                    log.reused.add(1, ordering: .relaxed)
                    storage = reused.storage
                } else {
                    storage = Storage()
                }
                let now = log.outstanding.add(1, ordering: .relaxed).newValue
                log.mostAhead.max(now, ordering: .relaxed)
                log.made.withLock { $0.append(part) }
                return Part(number: part, storage: storage)
            }, consume: { (part: inout Part) in
                log.outstanding.subtract(1, ordering: .relaxed)
                if part.number == failAt { throw Stop() }
                taken.append(part.number)
            })
        } catch {
            return (taken, log, error)
        }
        return (taken, log, nil)
    }

    @Test("every part is taken once, in order, for any count and depth")
    func partsInOrder() {
        for parts in [0, 1, 2, 3, 4, 7, 64, 501] {
            for ahead in [1, 2, 3, 8] {
                let (taken, log, failure) = Self.run(parts: parts, helper: true, ahead: ahead)
                let label = "\(parts) parts, \(ahead) ahead"
                #expect(failure == nil, "\(label)")
                #expect(taken == Array(0..<parts), "\(label)")
                // The helper made exactly the odd parts (from two parts on), in order.
                let odd = parts >= 2 ? Array(stride(from: 1, to: parts, by: 2)) : []
                #expect(log.made.withLock { $0 } == odd, "\(label)")
                #expect(log.mostAhead.load(ordering: .relaxed) <= ahead, "\(label)")
                // New storage at most `ahead` times: every later part is made in a spare handed back.
                #expect(odd.count - log.reused.load(ordering: .relaxed) <= ahead, "\(label)")
            }
        }
    }

    @Test("without a helper every part is this thread's")
    func noHelper() {
        let (taken, log, failure) = Self.run(parts: 9, helper: false, ahead: 3)
        #expect(failure == nil)
        #expect(taken == Array(0..<9))
        #expect(log.made.withLock { $0 }.isEmpty)
    }

    @Test("a failure in a part of either thread stops the run and comes out; the helper stops within its room")
    func failureStops() {
        for failAt in [0, 1, 2, 5, 40, 99] {
            for ahead in [1, 3] {
                let (taken, log, failure) = Self.run(parts: 1_000, helper: true, ahead: ahead, failAt: failAt)
                let label = "fail at \(failAt), \(ahead) ahead"
                #expect(failure is Stop, "\(label)")
                #expect(taken == Array(0..<failAt), "\(label)")
                // Returning at all means the helper was joined; it made nothing past the parts its room allowed.
                #expect((log.made.withLock { $0.last } ?? 0) <= failAt + 2 * ahead + 1, "\(label)")
            }
        }
    }
}
