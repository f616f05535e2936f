#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash set of byte strings (encoded row keys) that remembers, for each
/// key, the row that first held it. Keys are copied into one growing arena
/// and the table is open addressing over (hash, entry) words, so an insert
/// allocates nothing per row: `unique` over ten million rows must not make
/// ten million arrays. Memory grows with the distinct keys, nothing else.
struct RowKeySet {
    /// Every distinct key's bytes, one after another.
    private var arena: [UInt8] = []
    /// Entry i's key is `arena[starts[i]..<starts[i + 1]]`.
    private var starts: [Int] = [0]
    private var rows: [Int] = []
    /// 0 for empty; else the key's hash in the high 32 bits, entry index + 1 in the low 32.
    private var slots: [UInt64]
    private var mask: Int

    init(expectedKeys: Int = 1024) {
        var size = 1024
        while size < expectedKeys * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        // Reserved, not touched: pages a table with few distinct keys never fills are never made resident.
        rows.reserveCapacity(expectedKeys)
        starts.reserveCapacity(expectedKeys + 1)
    }

    var count: Int { rows.count }

    /// Adds `key` (first seen at `row`) and returns nil, or returns the row
    /// that already holds it.
    mutating func insert(_ key: UnsafeRawBufferPointer, row: Int) -> Int? {
        insert(key, hash: Self.hash(key), row: row)
    }

    /// As `insert(_:row:)`, with the key's `hash(_:)` computed beforehand
    /// (a batch's hashes first, then its probes: the probes' cache misses
    /// then overlap instead of waiting on each hash).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, row: Int) -> Int? {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = slots[slot]
            if word == 0 { break }
            if word >> 32 == tag {
                let entry = Int(word & 0xFFFF_FFFF) - 1
                if equals(entry, key) { return rows[entry] }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = tag << 32 | UInt64(rows.count + 1)
        if let bytes = key.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            arena.append(contentsOf: UnsafeBufferPointer(start: bytes, count: key.count))  // a memcpy, not a byte loop
        }
        starts.append(arena.count)
        rows.append(row)
        if rows.count * 2 > slots.count { grow() }
        return nil
    }

    /// True when `key` is in the set.
    func contains(_ key: UnsafeRawBufferPointer) -> Bool {
        let hash = Self.hash(key)
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = slots[slot]
            if word == 0 { return false }
            if word >> 32 == tag, equals(Int(word & 0xFFFF_FFFF) - 1, key) { return true }
            slot = (slot + 1) & mask
        }
    }

    private func equals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[entry], end = starts[entry + 1]
        guard end - start == key.count else { return false }
        return arena.withUnsafeBytes { stored in
            guard let base = stored.baseAddress, let other = key.baseAddress else { return key.isEmpty }
            return memcmp(base + start, other, key.count) == 0
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        arena.withUnsafeBytes { stored in
            for entry in 0..<rows.count {
                let key = UnsafeRawBufferPointer(rebasing: stored[starts[entry]..<starts[entry + 1]])
                let hash = Self.hash(key)
                var slot = Int(truncatingIfNeeded: hash) & newMask
                while grown[slot] != 0 { slot = (slot + 1) & newMask }
                grown[slot] = (hash >> 32) << 32 | UInt64(entry + 1)
            }
        }
        slots = grown
        mask = newMask
    }

    /// A 64-bit mix of the bytes, eight at a time (splitmix64's finaliser per word).
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var offset = 0
        while offset + 8 <= key.count {
            h = mix(h ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < key.count {
            var tail: UInt64 = 0
            for index in offset..<key.count { tail = tail << 8 | UInt64(key[index]) }
            h = mix(h ^ tail)
        }
        return mix(h)
    }

    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        z &*= 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }
}
