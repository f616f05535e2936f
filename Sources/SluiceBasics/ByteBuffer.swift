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
public struct ByteBuffer {
    /// Owns the bytes; a class so that copies of a buffer share it and its
    /// uniqueness says whether writing in place is safe. Only `let`s: no
    /// exclusivity checks on the way to the bytes.
    private final class Allocation {
        let start: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            start = .allocate(capacity: capacity)
        }

        deinit { start.deallocate() }
    }

    private var allocation: Allocation
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes have been appended.
    public private(set) var count = 0

    /// An empty buffer with room for at least `capacity` bytes before it grows.
    public init(reservingCapacity capacity: Int = 0) {
        allocation = Allocation(capacity: max(capacity, 64))
        start = allocation.start
        self.capacity = allocation.capacity
    }

    /// Makes the storage this value's own with at least `extra` bytes free past `count`.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if _slowPath(capacity - count < extra || !isKnownUniquelyReferenced(&allocation)) {
            moveToNewAllocation(atLeast: count + extra)
        }
    }

    /// Copies the bytes into a new allocation of at least `needed` bytes,
    /// growing geometrically so a run of appends copies each byte O(1) times.
    @inline(never)
    private mutating func moveToNewAllocation(atLeast needed: Int) {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let grown = Allocation(capacity: max(needed, overflow ? needed : doubled))
        grown.start.initialize(from: start, count: count)
        allocation = grown
        start = grown.start
        capacity = grown.capacity
    }

    /// Appends one byte.
    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        (start + count).initialize(to: byte)
        count += 1
    }

    /// Appends `bytes` as one copy.
    @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends fixed text (a literal) as one copy.
    @inline(__always)
    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// Appends a string's UTF-8, copied from its storage in one piece.
    @inline(__always)
    public mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    /// Appends `byte` `count` times (indentation); nothing for a count of zero or less.
    @inline(__always)
    public mutating func append(repeating byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        reserve(repeats)
        (start + count).initialize(repeating: byte, count: repeats)
        count += repeats
    }

    /// Appends the decimal digits of `value` (`String(value)`'s text) without making the string.
    public mutating func appendDecimal(_ value: Int64) {
        // A sign and at most 19 digits (Int64.min's magnitude is 9223372036854775808).
        reserve(20)
        if value < 0 { append(UInt8(ascii: "-")) }
        // The magnitude as UInt64, so Int64.min has one too.
        var rest = value.magnitude
        let first = count
        repeat {
            (start + count).initialize(to: UInt8(ascii: "0") + UInt8(rest % 10))
            count += 1
            rest /= 10
        } while rest > 0
        var digits = UnsafeMutableBufferPointer(start: start + first, count: count - first)
        digits.reverse()
    }

    /// The bytes appended so far, as an array (one copy).
    public var array: [UInt8] {
        withBytes { Array($0) }
    }

    /// The bytes appended so far, lent to `body` without a copy; the pointer
    /// is valid only during `body` (the storage lives while `self` does).
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
