import CYAML
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libyaml's events for one input, parsed on a thread of their own while the
/// caller consumes them. On a large spec libyaml's event parser is most of
/// the work (a 10,000-task spec: about two thirds of all instructions), and
/// what the caller does per event (the tape, decoding each task as it
/// completes) otherwise runs after it on the same core. With two cores the
/// caller's work now hides behind the parser's.
///
/// The events pass through a ring of slots, in batches: the parser publishes
/// how many it has written, the consumer how many it is done with. The
/// consumer frees each event once it has handled it, which takes that work
/// off the parsing thread (the longer of the two): libyaml allocates from
/// `CYAMLHeap`, where a free from another thread only lowers a count in the
/// object's chunk (one atomic step for a run of frees into one chunk), and the
/// chunks come back to the parser while still warm rather than a lap later.
/// (With glibc's malloc the frees stayed on the parsing thread: a free into
/// another thread's arena takes that arena's lock.)
final class EventPipeline: @unchecked Sendable {
    // Unchecked: `slots` is shared by two threads, each slot owned by one side
    // at a time, handed over through `published` and `released` with
    // acquire/release ordering. `parser` and `parseFailed` belong to the
    // parsing thread until `finish()` joins it.

    /// Slots in the ring (a power of two). Each holds one `yaml_event_t`, about 100 bytes.
    static let capacity = 16384
    /// Events handed over at a time: publishing each one would bounce a cache line per event.
    static let batch = 128

    private let slots: UnsafeMutablePointer<yaml_event_t>
    private let input: UnsafeBufferPointer<UInt8>
    /// Events parsed and written to their slots.
    private let published = Atomic<Int>(0)
    /// Events the consumer is done with: their slots may be reused.
    private let released = Atomic<Int>(0)
    /// The parser stopped (end of stream, an error, or cancelled); `published` is final.
    private let finished = Atomic<Bool>(false)
    private let cancelled = Atomic<Bool>(false)
    /// Allocated apart rather than a stored `var`: the parsing thread passes
    /// it to libyaml for every event, and a class's `var` would be checked
    /// for exclusive access each time.
    private let parserState: UnsafeMutablePointer<yaml_parser_t>
    /// Whether libyaml rejected the input (`parser` says where and why).
    private(set) var parseFailed = false
    private var thread: pthread_t?
    private var parserStarted = false
    private var consumedCount = 0

    /// The input must stay valid until `finish()` returns.
    init(input: UnsafeBufferPointer<UInt8>) {
        self.input = input
        parserState = .allocate(capacity: 1)
        parserState.initialize(to: yaml_parser_t())
        // Not initialized: libyaml writes each slot before anyone reads it,
        // and a slot's event is freed only once it has been written (see
        // `prefaultSlots` for where its pages are faulted in).
        slots = .allocate(capacity: Self.capacity)
    }

    deinit {
        // The consumer freed every event it was handed; those it did not reach
        // (it stopped early) are still in their slots, at most a ring's worth.
        // `finish()` joined the parsing thread, so `published` is final.
        let parsed = published.load(ordering: .acquiring)
        for index in consumedCount..<max(consumedCount, parsed) { yaml_event_delete(slots + (index & (Self.capacity - 1))) }
        slots.deallocate()
        if parserStarted { yaml_parser_delete(parserState) }
        parserState.deallocate()
    }

    /// libyaml's parser: where and why it failed. Read it after `finish()` only.
    var parser: yaml_parser_t { parserState.pointee }

    /// Starts the parsing thread; false when this process may run on one CPU
    /// only (two threads taking turns on one core are slower than one), or
    /// when libyaml or the thread could not start. The caller then parses on
    /// its own thread.
    func start() -> Bool {
        guard CPUAffinity.mayUseTwoCPUs(), let base = input.baseAddress, yaml_parser_initialize(parserState) == 1 else { return false }
        parserStarted = true
        yaml_parser_set_input_string(parserState, base, input.count)
        let context = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let started = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let pipeline = Unmanaged<EventPipeline>.fromOpaque(raw).takeRetainedValue()
            pipeline.produce()
            return nil
        }, context.toOpaque())
        guard started == 0 else {
            context.release()
            return false
        }
        thread = handle
        prefaultSlots()
        return true
    }

    /// Faults in the ring's pages (1.7 MB, about 420 page faults) on the
    /// caller's thread while the parsing thread reads its first events: on
    /// this thread they had delayed the parser's start by 0.3-0.5 ms (the
    /// ring was zeroed before it), and on the parsing thread they would
    /// delay the parse. `MADV_POPULATE_WRITE` maps the pages without touching
    /// their contents, so it cannot race with the slots being written; where
    /// it is unsupported (Linux before 5.14) the parser faults them in itself.
    private func prefaultSlots() {
        #if os(Linux)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard pageSize > 0 else { return }
        let start = (Int(bitPattern: slots) + pageSize - 1) & ~(pageSize - 1)
        let end = (Int(bitPattern: slots + Self.capacity)) & ~(pageSize - 1)
        let populateWrite: Int32 = 23  // MADV_POPULATE_WRITE, not in Swift's Glibc module
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, populateWrite)
        #endif
    }

    /// Hands each event to `body` in order until it returns false, the stream
    /// ends, or libyaml fails. The event is valid during the call only: it is
    /// freed right after.
    /// Returns whether the stream's end was reached.
    func consume(_ body: (UnsafePointer<yaml_event_t>) -> Bool) -> Bool {
        var next = consumedCount
        var available = next
        defer {
            consumedCount = next
            released.store(next, ordering: .releasing)
        }
        while true {
            if next == available {
                released.store(next, ordering: .releasing)
                available = waitForEvents(after: next)
                // Nothing more will come: libyaml failed (the stream's end returns below).
                if available == next { return false }
            }
            let event = slots + (next & (Self.capacity - 1))
            next += 1
            let isEnd = event.pointee.type == YAML_STREAM_END_EVENT
            let wanted = body(event)
            // Before the slot is released (below or on the next wait), so the parser never reuses it unfreed.
            yaml_event_delete(event)
            guard wanted else { return false }
            if isEnd { return true }
            if next & (Self.batch - 1) == 0 { released.store(next, ordering: .releasing) }
        }
    }

    /// Stops the parsing thread (if still running) and waits for it; always
    /// called once `start()` succeeded. After this, `parser` and
    /// `parseFailed` are safe to read.
    func finish() {
        guard let handle = thread else { return }
        cancelled.store(true, ordering: .relaxed)
        pthread_join(handle, nil)
        thread = nil
    }

    private func waitForEvents(after next: Int) -> Int {
        var spins = 0
        while true {
            let count = published.load(ordering: .acquiring)
            if count > next { return count }
            if finished.load(ordering: .acquiring) { return published.load(ordering: .acquiring) }
            Self.backOff(&spins)
        }
    }

    /// The parsing thread: fills slots until the stream ends, libyaml fails,
    /// or the consumer cancels.
    private func produce() {
        let parser = parserState
        var count = 0
        var releasedSeen = 0
        var failed = false
        parsing: while !cancelled.load(ordering: .relaxed) {
            if count - releasedSeen >= Self.capacity {
                var spins = 0
                while true {
                    releasedSeen = released.load(ordering: .acquiring)
                    if count - releasedSeen < Self.capacity { break }
                    if cancelled.load(ordering: .relaxed) { break parsing }
                    Self.backOff(&spins)
                }
            }
            let slot = slots + (count & (Self.capacity - 1))
            guard yaml_parser_parse(parser, slot) == 1 else {
                failed = true
                break
            }
            count += 1
            if slot.pointee.type == YAML_STREAM_END_EVENT { break }
            if count & (Self.batch - 1) == 0 { published.store(count, ordering: .releasing) }
        }
        parseFailed = failed
        published.store(count, ordering: .releasing)
        finished.store(true, ordering: .releasing)
    }

    /// Waiting: a few checks in case the other thread is about to publish,
    /// then short sleeps. Spinning or yielding for longer would keep a
    /// second core busy doing nothing, which on a shared or virtual machine
    /// (or a core's other hardware thread) takes it from the thread being
    /// waited for; and a sleep costs the publishing thread nothing (no
    /// wake-up call per batch).
    private static func backOff(_ spins: inout Int) {
        spins += 1
        if spins < 16 { return }
        usleep(20)
    }
}
