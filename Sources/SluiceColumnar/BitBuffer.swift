/// A growable, LSB-first bitmap, the layout Arrow uses for validity and bool
/// data. Unused high bits of the last byte are always zero.
///
/// Bits collect in `pending` and reach the array a whole byte at a time:
/// appending is on the per-cell hot path of ingest.
struct BitBuffer: Sendable, Hashable {
    private var completeBytes: [UInt8] = []
    private var pending: UInt8 = 0
    private(set) var count = 0

    init() {}

    /// Takes `count` bits from `source`, clearing the unused high bits so two
    /// equal bitmaps are equal bytes.
    init(bytes source: [UInt8], count: Int) {
        completeBytes = Array(source.prefix(count / 8))
        if count % 8 != 0, source.indices.contains(count / 8) {
            pending = source[count / 8] & UInt8((1 << (count % 8)) - 1)
        }
        self.count = count
    }

    /// The bitmap as Arrow stores it: ⌈count/8⌉ bytes.
    var bytes: [UInt8] {
        count % 8 == 0 ? completeBytes : completeBytes + [pending]
    }

    mutating func append(_ bit: Bool) {
        if bit { pending |= UInt8(1) << UInt8(count & 7) }
        count += 1
        if count & 7 == 0 {
            completeBytes.append(pending)
            pending = 0
        }
    }

    subscript(index: Int) -> Bool {
        let byte = index >> 3 < completeBytes.count ? completeBytes[index >> 3] : pending
        return byte & (UInt8(1) << UInt8(index & 7)) != 0
    }

    /// Number of zero bits among the first `count` bits.
    var zeroCount: Int {
        count - completeBytes.reduce(0) { $0 + $1.nonzeroBitCount } - pending.nonzeroBitCount
    }

    mutating func removeAll() {
        completeBytes.removeAll(keepingCapacity: true)
        pending = 0
        count = 0
    }
}
