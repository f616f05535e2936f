import CYAML
import CYAMLHeap
import Foundation
import SluiceBasics
import SluiceTestSupport
import Synchronization
import Testing

/// libyaml's allocations come from `CYAMLHeap` (Sources/CYAMLHeap/yaml_heap.c): libyaml's own
/// calls must bind to it, and it must behave as malloc does for every size, growth and thread.
struct YAMLHeapTests {
    /// Whether the heap serves small sizes: always on Linux, but under AddressSanitizer, where it
    /// passes every call to malloc so that ASan checks libyaml's memory.
    static var heapActive: Bool {
        let probe = yaml_malloc(16)
        defer { yaml_free(probe) }
        return sluice_yaml_heap_owns(probe) == 1
    }

    @Test func theHeapIsActiveOnLinuxUnlessAddressSanitizerIs() {
        #if os(Linux)
        let addressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
        #expect(Self.heapActive == !addressSanitizer)
        #else
        #expect(!Self.heapActive)
        #endif
    }

    @Test func libyamlAllocatesFromThisHeap() throws {
        var parser = yaml_parser_t()
        try #require(yaml_parser_initialize(&parser) == 1)
        defer { yaml_parser_delete(&parser) }
        // The indentation stack (16 ints) is one of the parser's first small allocations.
        #expect((sluice_yaml_heap_owns(parser.indents.start) == 1) == Self.heapActive)

        let text = Array("pipeline: p\ntasks:\n  a_longer_task_name_than_sixteen_bytes: { run: echo hi }\n".utf8)
        text.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var scalars = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                if event.type == YAML_SCALAR_EVENT {
                    scalars += 1
                    // Grown past their first 16 bytes or not, the values are this heap's.
                    #expect((sluice_yaml_heap_owns(event.data.scalar.value) == 1) == Self.heapActive)
                }
                if event.type == YAML_STREAM_END_EVENT { break }
            }
            #expect(scalars == 6)
        }
    }

    @Test func sizesAboveTheLargestClassAndNullBehaveAsMalloc() throws {
        let large = try #require(yaml_malloc(1025))
        #expect(sluice_yaml_heap_owns(large) == 0)
        let grown = try #require(yaml_realloc(large, 70000))
        #expect(sluice_yaml_heap_owns(grown) == 0)
        yaml_free(grown)
        yaml_free(nil)
        #expect(yaml_strdup(nil) == nil)
        let empty = try #require(yaml_malloc(0))
        yaml_free(empty)
        let copy = try #require(yaml_strdup("a tag handle"))
        #expect(String(cString: copy) == "a tag handle")
        yaml_free(copy)
        // A small block grown in place up to its class, then moved with its contents.
        let small = try #require(yaml_malloc(10)).assumingMemoryBound(to: UInt8.self)
        for index in 0..<10 { small[index] = UInt8(index) }
        let same = try #require(yaml_realloc(small, 16))
        #expect(same == UnsafeMutableRawPointer(small) || !Self.heapActive)
        let moved = try #require(yaml_realloc(same, 900)).assumingMemoryBound(to: UInt8.self)
        #expect((0..<10).allSatisfy { moved[$0] == UInt8($0) })
        yaml_free(moved)
    }

    /// Random sizes across every class and beyond, growth by realloc (libyaml doubles its strings),
    /// frees on the allocating thread, and frees on a second thread while the first allocates; every
    /// block's bytes are checked before it is freed. Round after round of threads that exit, the heap
    /// must reuse its chunks rather than carve new ones.
    @Test func interleavedSizesGrowthAndFreesFromAnotherThread() {
        let carvedBefore = sluice_yaml_heap_chunks_carved()
        let firstRoundGrowth = Self.round(seed: 1) - carvedBefore
        let rounds = 20
        for seed in 2...UInt64(rounds) { _ = Self.round(seed: seed) }
        let growth = sluice_yaml_heap_chunks_carved() - carvedBefore
        if Self.heapActive {
            #expect(firstRoundGrowth > 8, "a round should need several chunks: \(firstRoundGrowth)")
            // Without reuse each round would carve about as many as the first. Other tests parse
            // at the same time, hence the slack.
            #expect(growth < 2 * firstRoundGrowth + 128, "carved \(growth) chunks in \(rounds) rounds, \(firstRoundGrowth) in the first")
        } else {
            #expect(growth == 0)
        }
    }

    /// Bytes 0, 1, 2, ... wrapping: a block holds them from its seed's offset.
    nonisolated(unsafe) static let pattern: UnsafeMutableBufferPointer<UInt8> = {
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * largestSize + 256)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index) }
        return bytes
    }()
    static let largestSize = 20000

    /// One block: where it is, how many bytes it has, and which part of `pattern` they hold.
    struct Block: @unchecked Sendable {
        var address: UnsafeMutableRawPointer
        var size: Int
        var seed: UInt8

        func fill() {
            memcpy(address, YAMLHeapTests.pattern.baseAddress! + Int(seed), size)
        }

        func holdsItsPattern() -> Bool {
            memcmp(address, YAMLHeapTests.pattern.baseAddress! + Int(seed), size) == 0
        }
    }

    /// A size as libyaml asks for them: mostly small strings, some stacks, a few large buffers.
    static func size(_ random: inout SeededGenerator) -> Int {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<70: Int.random(in: 0...64, using: &random)
        case 70..<95: Int.random(in: 65...1024, using: &random)
        default: Int.random(in: 1025...largestSize, using: &random)
        }
    }

    /// A thread allocates, grows and frees blocks; a second frees the half handed to it as it
    /// goes. Both exit. Returns the chunks carved so far.
    static func round(seed: UInt64) -> Int {
        // An NSLock rather than a Mutex: ThreadSanitizer sees pthread mutexes, not Mutex's futex.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var handedOver: [Block] = []
            let allocatorDone = Atomic<Bool>(false)
            let corrupted = Atomic<Int>(0)
        }
        let shared = Shared()
        let freeHandedOver: @Sendable () -> Void = {
            while true {
                let batch = shared.lock.withLock {
                    defer { shared.handedOver.removeAll(keepingCapacity: true) }
                    return shared.handedOver
                }
                for block in batch {
                    if !block.holdsItsPattern() { shared.corrupted.wrappingAdd(1, ordering: .relaxed) }
                    yaml_free(block.address)
                }
                if batch.isEmpty {
                    if shared.allocatorDone.load(ordering: .acquiring), shared.lock.withLock({ shared.handedOver.isEmpty }) { return }
                    usleep(50)
                }
            }
        }
        let allocate: @Sendable () -> Void = {
            var random = SeededGenerator(seed: seed)
            var live: [Block] = []
            for step in 0..<30000 {
                let size = YAMLHeapTests.size(&random)
                guard let address = yaml_malloc(size) else { shared.corrupted.wrappingAdd(1, ordering: .relaxed); continue }
                var block = Block(address: address, size: size, seed: UInt8(truncatingIfNeeded: step))
                block.fill()
                // Grow some as libyaml grows a string: keep the bytes, double the size.
                if Int.random(in: 0..<8, using: &random) == 0, let grown = yaml_realloc(address, max(1, size * 2)) {
                    block.address = grown
                    if !block.holdsItsPattern() { shared.corrupted.wrappingAdd(1, ordering: .relaxed) }
                    block.size = size * 2
                    block.fill()
                }
                live.append(block)
                // Free some soon (libyaml's scratch strings), hand others to the second thread.
                if live.count > 64, Int.random(in: 0..<3, using: &random) != 0 {
                    live.swapAt(Int.random(in: 0..<live.count, using: &random), live.count - 1)
                    let victim = live.removeLast()
                    if Bool.random(using: &random) {
                        if !victim.holdsItsPattern() { shared.corrupted.wrappingAdd(1, ordering: .relaxed) }
                        yaml_free(victim.address)
                    } else {
                        shared.lock.withLock { shared.handedOver.append(victim) }
                    }
                }
            }
            for block in live {
                if !block.holdsItsPattern() { shared.corrupted.wrappingAdd(1, ordering: .relaxed) }
                yaml_free(block.address)
            }
            shared.allocatorDone.store(true, ordering: .releasing)
        }
        // Each on a thread of its own that exits (a pool's would not), so the heap's handler for a
        // thread's exit runs too.
        _ = SecondThread.run({}, beside: { SecondThread.run(allocate, beside: freeHandedOver) })
        #expect(shared.corrupted.load(ordering: .relaxed) == 0, "seed \(seed)")
        return sluice_yaml_heap_chunks_carved()
    }
}
