import Dispatch
import SluiceBasics
import Synchronization

extension AtomicFileWriter {
    /// `writeStreamedPiece` for each piece `produce` emits, in order, but
    /// done on a second thread while `produce` goes on making the next: each
    /// piece is copied into one staging buffer (page-aligned, so the direct
    /// write takes it as it is) and written from there, so `produce` waits
    /// only when it has a piece ready before the last one is on the disk.
    /// For `plan -o`, whose three 4 MiB direct writes of a 10,000-task plan
    /// (2–4 ms each, waiting on the device) otherwise stopped the emission
    /// (docs/speed.md, "after the ninth round").
    ///
    /// The file holds the pieces in order, as with `writeStreamedPiece`
    /// alone. When a write fails, the next `emit` (or the return) throws
    /// that error and nothing more is written; when `produce` throws, the
    /// pieces staged so far are still written before its error comes out
    /// (the caller's `withWriter` then discards the file).
    public func writeStreamedPiecesBeside(_ produce: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let hand = PieceHand(file: self)
        let produced: Result<Void, any Error> = SecondThread.run({ helperRuns in
            // No second thread: each piece is written here, as `writeStreamedPiece` alone does.
            guard helperRuns else { return Result { try produce { piece in try self.writeStreamedPiece(piece) } } }
            defer { hand.finish() }
            return Result { try produce { piece in try hand.stage(piece) } }
        }, besideIfStarted: { hand.writeStagedPieces() })
        // Both threads are done: the writer's failure, if any, is read after the join.
        try produced.get()
        if let failure = hand.failure { throw failure }
    }
}

/// One staged piece between the producing thread and the writing one: the
/// producer fills `staging` only while `free` lets it, the writer writes it
/// only after `staged`.
private final class PieceHand: @unchecked Sendable {
    // Unchecked: `staging`, `stagedCount` and `file` pass between the two
    // threads through the semaphores, one side at a time; `failure` is
    // written by the writer before it signals `free` and read by the
    // producer after waiting on it (or after the join).
    private let file: AtomicFileWriter
    private var staging: UnsafeMutableRawBufferPointer
    private var stagedCount = 0
    /// The writer's first failure; read by the producer only after waiting on `free` or after the join.
    private(set) var failure: (any Error)?
    private var finished = false
    private let staged = DispatchSemaphore(value: 0)
    private let free = DispatchSemaphore(value: 0)

    init(file: AtomicFileWriter) {
        self.file = file
        staging = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        // Made at zero and signalled up (see TakingTurns): the buffer starts free.
        free.signal()
    }

    deinit { staging.deallocate() }

    /// On the producer: waits for the buffer, then copies `piece` in and hands it over.
    func stage(_ piece: UnsafeRawBufferPointer) throws {
        free.wait()
        if let failure {
            free.signal()
            throw failure
        }
        if piece.count > staging.count {
            staging.deallocate()
            staging = .allocate(byteCount: piece.count, alignment: 4096)
        }
        if let source = piece.baseAddress, let target = staging.baseAddress {
            target.copyMemory(from: source, byteCount: piece.count)
        }
        stagedCount = piece.count
        staged.signal()
    }

    /// On the producer, once it is done (or failed): the writer stops after the piece it has.
    func finish() {
        free.wait()
        finished = true
        staged.signal()
    }

    /// The writing thread: each staged piece to the file, until `finish`.
    /// Its first failure is kept; later pieces are not written.
    func writeStagedPieces() {
        while true {
            staged.wait()
            if finished { return }
            if failure == nil {
                do {
                    try file.writeStreamedPiece(UnsafeRawBufferPointer(rebasing: staging[..<stagedCount]))
                } catch {
                    failure = error
                }
            }
            free.signal()
        }
    }
}
