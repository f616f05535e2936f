import Dispatch
import SluiceBasics
import SluicePlan
import SluiceSpec
import Synchronization

/// The template scans of a large spec's later tasks, which the second check
/// thread makes while the first builds the contracts.
///
/// Building the contracts is the longest step after the parse, on one thread,
/// and the other thread runs out of work that needs no contracts well before
/// it ends (on the 10,000-task bench spec: 43M instructions of such checks
/// against 119M of contracts). Scanning a task's `run`, `env`, `label` and
/// trigger params (`TemplateScanner.scanTemplate`) reads nothing but the
/// task's own text, so it can be done anywhere; resolving what it found needs
/// the contracts' outputs and params, and stays in `ContractsBuilder.finish`.
///
/// The tasks from `sharedFrom` on are cut into chunks. The helper thread
/// takes chunks in order (`scanChunks`) before its own checks; the builder,
/// reaching a chunk's first task, takes it itself if the helper has not, and
/// otherwise uses the helper's scans if they are done, or scans the chunk
/// again rather than wait. So a helper that never runs (a busy machine)
/// only means the builder scans everything, as on one thread.
final class SharedTemplateScans: Sendable {
    let spec: PipelineSpec
    /// Tasks `sharedFrom...` are scanned in chunks; earlier ones by the builder as it goes.
    let sharedFrom: Int
    let chunkSize: Int
    /// The next chunk not yet taken by either thread.
    private let nextChunk = Atomic<Int>(0)
    private let chunks: [Chunk]

    /// One chunk's scans: every templated value of its tasks, in the order
    /// `ContractsBuilder.forEachTemplatedValue` lists them; nil for a value
    /// without a `{`.
    private final class Chunk: Sendable {
        let scans = Handoff<[ScannedTemplate?]>()
        /// Signalled once the helper has put `scans`.
        let scanned = DispatchSemaphore(value: 0)
    }

    /// The first third of the tasks is left to the builder: it reaches the
    /// shared ones only after scanning and resolving that third, by when the
    /// helper (which starts at once) is well ahead of it.
    init(spec: PipelineSpec, chunkSize: Int = 256) {
        self.spec = spec
        self.chunkSize = max(1, chunkSize)
        sharedFrom = spec.tasks.count / 3
        let count = (spec.tasks.count - sharedFrom + self.chunkSize - 1) / self.chunkSize
        chunks = (0..<count).map { _ in Chunk() }
    }

    /// What the scans of one task take on the heap, about (480 bytes on the bench spec).
    static let bytesPerTask = 512

    /// The helper's part: scans chunks, in order, until none is left.
    func scanChunks() {
        // Kept until the run ends, in the helper's own malloc arena: faulted in at once rather than a page at a time.
        MemoryTuning.populateThreadHeap(bytes: (spec.tasks.count - sharedFrom) * Self.bytesPerTask)
        while true {
            let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
            guard chunk < chunks.count else { return }
            chunks[chunk].scans.put(scan(chunk))
            chunks[chunk].scanned.signal()
        }
    }

    /// The scans of the chunk starting at `task`, for the builder; nil when
    /// no chunk starts there. Scans the chunk here when the helper has not taken it.
    func scans(startingAt task: Int) -> [ScannedTemplate?]? {
        guard task >= sharedFrom, (task - sharedFrom) % chunkSize == 0 else { return nil }
        let chunk = (task - sharedFrom) / chunkSize
        guard chunk < chunks.count else { return nil }
        // The builder takes chunks in order, so every earlier one is already
        // taken: the count is `chunk` unless the helper has this one.
        if nextChunk.compareExchange(expected: chunk, desired: chunk + 1, ordering: .relaxed).exchanged {
            return scan(chunk)
        }
        // Taken by the helper: its scans if they are done, else scanned here
        // rather than waiting on a helper the machine may have put to sleep.
        if chunks[chunk].scanned.wait(timeout: .now()) == .success, let scans = chunks[chunk].scans.take() { return scans }
        return scan(chunk)
    }

    private func scan(_ chunk: Int) -> [ScannedTemplate?] {
        let start = sharedFrom + chunk * chunkSize
        var scans: [ScannedTemplate?] = []
        let tasks = spec.tasks
        for task in start..<min(start + chunkSize, tasks.count) {
            ContractsBuilder.forEachTemplatedValue(in: tasks, task: task) { text, _, _, _ in
                scans.append(ContractsBuilder.scanTemplate(text))
            }
        }
        return scans
    }
}
