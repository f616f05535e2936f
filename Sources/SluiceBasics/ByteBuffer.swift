/// Bytes appended into storage of its own, each append one capacity check
/// and one copy: what `JSONBytesWriter` writes a plan's JSON into. A plan of
/// 10,000 tasks is 13 MB in about 1.8 million small appends, and
/// `Array.append(contentsOf:)` costs about 90 instructions a call for its
/// generic path; here an append is a uniqueness check, a capacity check and a
/// `memcpy`. The bytes are handed over as `[UInt8]` once, at the end (`array`).
///
/// A value type: a copy shares the storage until either is appended to, then
/// the one appended to copies its bytes first (copy on write).
///
/// Invariants (the only unsafe code of the writers is in this type):
/// - `start` is `allocation.start` and points to `capacity` bytes owned by
///   `allocation`, which frees them when the last `ByteBuffer` sharing it goes;
/// - the first `count` bytes are initialized, `0 <= count <= capacity`;
/// - bytes are written only after `reserve(_:)` has made `allocation` unique
///   to this value and left at least that many bytes free past `count`, so
///   no write reaches past `capacity` or into bytes another copy can read.
///   The `appendReserved` writes (this module's writers only) rely on a
///   `reserve(_:)` their caller made for all of them, and check against
///   `capacity` again (a compare, no call), so a miscounted caller stops
///   rather than writes past the storage.
///
/// Inlinable across modules: the appends are a few instructions each, and
/// the writers that make most of them live in other modules (the plan's JSON
/// is written from SluicePlan, DOT and Mermaid from SluiceGraph); as calls
/// they cost several times their own work (docs/speed.md, "inline"). So the
/// stored properties, the storage class and `reserve(_:)` are
/// `@usableFromInline`: visible to the inlined appends, still internal to
/// this module, and the invariants above are kept by this file's code alone
/// (no other file or module writes them). Not `@frozen`: that only matters
/// with library evolution, which SwiftPM does not enable; the layout is this
/// module's either way.
public struct ByteBuffer {
    /// Owns the bytes; a class so that copies of a buffer share it and its
    /// uniqueness says whether writing in place is safe. Only `let`s: no
    /// exclusivity checks on the way to the bytes.
    @usableFromInline
    final class Allocation {
        @usableFromInline let start: UnsafeMutablePointer<UInt8>
        @usableFromInline let capacity: Int

        @usableFromInline
        init(capacity: Int) {
            self.capacity = capacity
            // A large buffer starts on a page boundary: a file written from it
            // with direct I/O (`AtomicFile`, e.g. `plan -o`'s 13 MB) needs
            // page-aligned memory, and would otherwise copy it all first.
            let alignment = capacity >= Self.pageAlignedMinimum ? Self.pageSize : MemoryLayout<UInt8>.alignment
            start = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: alignment)
                .bindMemory(to: UInt8.self, capacity: capacity)
        }

        deinit { UnsafeMutableRawPointer(start).deallocate() }

        /// From this capacity on, the storage is page-aligned (smaller buffers are not worth a page's slack).
        @usableFromInline static let pageAlignedMinimum = 1 << 20
        @usableFromInline static let pageSize = 4096
    }

    @usableFromInline var allocation: Allocation
    @usableFromInline var start: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// How many bytes have been appended (`count`; a setter the inlined
    /// appends can reach, which a `public private(set)` would not give them).
    @usableFromInline var initializedCount = 0

    /// How many bytes have been appended.
    @inlinable
    public var count: Int { initializedCount }

    /// An empty buffer with room for at least `capacity` bytes before it grows.
    public init(reservingCapacity capacity: Int = 0) {
        allocation = Allocation(capacity: max(capacity, 64))
        start = allocation.start
        self.capacity = allocation.capacity
    }

    /// Makes the storage this value's own with at least `extra` bytes free past `count`.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if _slowPath(capacity - initializedCount < extra || !isKnownUniquelyReferenced(&allocation)) {
            moveToNewAllocation(atLeast: initializedCount + extra)
        }
    }

    /// Copies the bytes into a new allocation of at least `needed` bytes,
    /// growing geometrically so a run of appends copies each byte O(1) times.
    @usableFromInline @inline(never)
    mutating func moveToNewAllocation(atLeast needed: Int) {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let grown = Allocation(capacity: max(needed, overflow ? needed : doubled))
        grown.start.initialize(from: start, count: initializedCount)
        allocation = grown
        start = grown.start
        capacity = grown.capacity
    }

    /// Appends one byte into room an earlier `reserve(_:)` made.
    @inlinable @inline(__always)
    mutating func appendReserved(_ byte: UInt8) {
        precondition(initializedCount < capacity, "ByteBuffer: write past the reserved room")
        (start + initializedCount).initialize(to: byte)
        initializedCount += 1
    }

    /// Appends `bytes` into room an earlier `reserve(_:)` made.
    @inlinable @inline(__always)
    mutating func appendReserved(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(capacity - initializedCount >= bytes.count, "ByteBuffer: write past the reserved room")
        (start + initializedCount).initialize(from: source, count: bytes.count)
        initializedCount += bytes.count
    }

    /// Appends `byte` `count` times into room an earlier `reserve(_:)` made.
    @inlinable @inline(__always)
    mutating func appendReserved(repeating byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        precondition(capacity - initializedCount >= repeats, "ByteBuffer: write past the reserved room")
        (start + initializedCount).initialize(repeating: byte, count: repeats)
        initializedCount += repeats
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        (start + initializedCount).initialize(to: byte)
        initializedCount += 1
    }

    /// Appends `bytes` as one copy.
    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (start + initializedCount).initialize(from: source, count: bytes.count)
        initializedCount += bytes.count
    }

    /// Appends fixed text (a literal) as one copy.
    @inlinable @inline(__always)
    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// Appends a string's UTF-8, copied from its storage in one piece: read
    /// in place, where `withUTF8` needs a mutable copy of the string (a
    /// retain and a release a call); a string without contiguous UTF-8 (a
    /// bridged one) is made native for it.
    @inlinable @inline(__always)
    public mutating func appendUTF8(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { append($0) }
        if copied == nil {
            var native = text
            native.withUTF8 { append($0) }
        }
    }

    /// Appends `byte` `count` times (indentation); nothing for a count of zero or less.
    @inlinable @inline(__always)
    public mutating func append(repeating byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        reserve(repeats)
        (start + initializedCount).initialize(repeating: byte, count: repeats)
        initializedCount += repeats
    }

    /// Appends the decimal digits of `value` (`String(value)`'s text) without making the string.
    public mutating func appendDecimal(_ value: Int64) {
        reserve(DecimalDigits.maximumCount)
        initializedCount += DecimalDigits.write(value, to: start + initializedCount)
    }

    /// Drops the first `prefix` bytes (clamped to `0...count`), moving the
    /// rest to the front of the same storage: a writer that streams its text
    /// out a piece at a time (`JSONBytesWriter.emitWholePieces`) keeps writing
    /// into memory it has already touched instead of growing.
    public mutating func removeFirst(_ prefix: Int) {
        let removed = min(max(prefix, 0), initializedCount)
        guard removed > 0 else { return }
        reserve(0)
        let kept = initializedCount - removed
        if kept > 0 { UnsafeMutableRawPointer(start).copyMemory(from: start + removed, byteCount: kept) }
        initializedCount = kept
    }

    /// Drops the last `suffix` bytes (clamped to `0...count`): a C string cut
    /// at a NUL inside it (`CStringBuffer`).
    public mutating func removeLast(_ suffix: Int) {
        let removed = min(max(suffix, 0), initializedCount)
        guard removed > 0 else { return }
        reserve(0)
        initializedCount -= removed
    }

    /// Drops every byte, keeping the storage when it is this value's alone;
    /// storage a copy shares is left to the copy, and this value gets new
    /// storage of the same capacity (not twice it, as an append would).
    public mutating func removeAll() {
        if isKnownUniquelyReferenced(&allocation) {
            initializedCount = 0
        } else {
            self = ByteBuffer(reservingCapacity: capacity)
        }
    }

    /// The bytes appended so far, as an array (one copy).
    public var array: [UInt8] {
        withBytes { Array($0) }
    }

    /// The bytes appended so far, lent to `body` without a copy; the pointer
    /// is valid only during `body` (the storage lives while `self` does).
    /// Inlinable: callers in other modules (a key's hash, an environment's
    /// NUL check) would otherwise pay a generic call and its closure context.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(allocation) { try body(UnsafeBufferPointer(start: start, count: count)) }
    }
}

/// Safe to send to another thread for the same reason `Array` is: the bytes
/// are written only through a value whose `reserve(_:)` found the allocation
/// unique to it (or moved to a new one), so an allocation two values share is
/// never written, and the reference count that decides it is atomic. A buffer
/// made on one thread can so be handed to another (`SecondThread`), with its
/// memory from the heap of the thread that made it.
extension ByteBuffer: @unchecked Sendable {}
