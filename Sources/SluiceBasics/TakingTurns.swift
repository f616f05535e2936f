import Dispatch
import Synchronization

/// One output made of numbered parts, in order, by two threads taking
/// turns: this thread does the even parts itself (`mine`), a second thread
/// makes the odd ones (`theirs`) at most `ahead` parts in advance, and this
/// thread takes each in its turn (`consume`), then hands its storage back
/// for the helper to make a later part in. So the helper never holds more
/// than `ahead` parts, however long the output: what `plan -o` writes a
/// large plan's JSON with, where one thread's half held whole (7 MB at
/// 10,000 tasks) was fresh memory, slower to touch on this VM than the text
/// is to write (docs/speed.md, "plan3").
///
/// When no thread can start, or with `helper: false`, every part is `mine`.
/// Either way the parts are done in order on this thread, so the output is
/// the same whoever made them, as long as `mine(n)` and `consume` of
/// `theirs(n)` add the same.
public enum TakingTurns {
    /// Parts `0..<parts` in order. `theirs(n, &spare)` runs on the helper;
    /// `spare` is a part this thread has consumed (nil at first), to be
    /// taken (`spare.take()`, so its storage is the helper's alone) and reused.
    /// When `mine` or `consume` throws, nothing more is done on either
    /// thread (the helper stops before its next part) and the error comes out.
    public static func run<Part: Sendable, Failure: Error>(
        parts: Int, helper: Bool = true, ahead: Int = 3,
        mine: (Int) throws(Failure) -> Void,
        theirs: @escaping @Sendable (_ part: Int, _ spare: inout Part?) -> Part,
        consume: (inout Part) throws(Failure) -> Void
    ) throws(Failure) {
        guard helper && parts >= 2 else {
            for part in 0..<parts { try mine(part) }
            return
        }
        let turns = Turns<Part>(ahead: max(ahead, 1))
        let failure: Failure? = SecondThread.run({ helperRuns in
            do throws(Failure) {
                for part in 0..<parts {
                    guard helperRuns && part % 2 == 1 else {
                        try mine(part)
                        continue
                    }
                    var made = turns.next()
                    try consume(&made)
                    // Moved, not copied: the helper reuses its storage only when no other reference is left.
                    turns.giveBack(consume made)
                }
                return nil
            } catch {
                turns.stop()
                return error
            }
        }, besideIfStarted: {
            for part in stride(from: 1, to: parts, by: 2) {
                guard var spare = turns.waitForRoom() else { return }
                turns.put(theirs(part, &spare.part))
            }
        })
        if let failure { throw failure }
    }
}

/// The parts between the two threads of `TakingTurns.run`: those made and
/// not yet taken (in order), and the storage handed back for reuse.
private final class Turns<Part: Sendable>: Sendable {
    /// A spare part, or none: what `waitForRoom` hands the helper.
    struct Spare { var part: Part? }

    private let made = Mutex<[Part]>([])
    private let spares = Mutex<[Part]>([])
    /// Counts the parts in `made`: this thread sleeps on it for the next.
    private let madeCount = DispatchSemaphore(value: 0)
    /// Counts the parts the helper may still make before this thread takes one.
    private let room: DispatchSemaphore
    private let stopped = Atomic<Bool>(false)

    init(ahead: Int) {
        // Made at zero and signalled up: libdispatch traps when a semaphore
        // is freed below the value it was made with, as `room` may be when
        // the run stops early.
        room = DispatchSemaphore(value: 0)
        for _ in 0..<ahead { room.signal() }
    }

    /// The helper's next part, waited for. The helper makes the odd parts
    /// in order and this thread takes them in order, so the first made is
    /// the one due; it is always there once `madeCount` lets this thread on.
    func next() -> Part {
        madeCount.wait()
        guard let part = made.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            preconditionFailure("TakingTurns: a part was counted but not put")
        }
        return part
    }

    /// `part`, consumed, back to the helper to make a later part in.
    func giveBack(_ part: consuming Part) {
        keep(part)
        // After `keep` has returned, so no reference of this thread's is left when the helper takes the part.
        room.signal()
    }

    private func keep(_ part: consuming Part) {
        let part = Optional(part)
        spares.withLock { if let part { $0.append(part) } }
    }

    /// On the helper: waits until it may make another part; nil once this
    /// thread has stopped (then the helper makes nothing more).
    func waitForRoom() -> Spare? {
        room.wait()
        guard !stopped.load(ordering: .acquiring) else { return nil }
        return Spare(part: spares.withLock { $0.popLast() })
    }

    func put(_ part: consuming Part) {
        let part = Optional(part)
        made.withLock { if let part { $0.append(part) } }
        madeCount.signal()
    }

    /// No more parts: the helper returns at its next `waitForRoom` (the
    /// signal after the flag lets that wait end and see it).
    func stop() {
        stopped.store(true, ordering: .releasing)
        room.signal()
    }
}
