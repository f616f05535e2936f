#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash map from 64-bit keys to dense codes 0, 1, 2, ... in order of first
/// sight: `unique`'s building block. Open addressing over 16-byte slots that
/// hold the key itself, so a probe is one cache line, with no arena or entry
/// array to chase. The slots come from `calloc`: a table sized for ten
/// million keys that sees a thousand makes only the pages it touches resident.
final class CodeMap {
    private struct Slot {
        var key: UInt64
        /// The key's code + 1; 0 marks an empty slot.
        var code: UInt32
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    private(set) var count = 0

    init(expectedKeys: Int = 0) {
        var size = 1024
        while size < expectedKeys * 2 { size *= 2 }
        slots = Self.allocate(size)
        mask = size - 1
    }

    deinit { free(slots) }

    /// The code of `key`, a fresh one (`count` before the call) when it is new.
    @inline(__always)
    func code(for key: UInt64) -> UInt32 {
        code(for: key, assigning: UInt32(truncatingIfNeeded: count))
    }

    /// The code of `key`; when it is new, `fresh` becomes its code (and is returned).
    @inline(__always)
    func code(for key: UInt64, assigning fresh: UInt32) -> UInt32 {
        var slot = Int(truncatingIfNeeded: RowKeySet.mix(key)) & mask
        while true {
            let found = slots[slot]
            if found.code == 0 { break }
            if found.key == key { return found.code &- 1 }
            slot = (slot + 1) & mask
        }
        // Codes stay below UInt32.max: a table has fewer distinct keys than rows, and `unique`
        // over four billion rows would need a hundred gigabytes of key table first.
        slots[slot] = Slot(key: key, code: fresh &+ 1)
        count += 1
        if count * 2 > mask + 1 { grow() }
        return fresh
    }

    private func grow() {
        let size = (mask + 1) * 2
        let grown = Self.allocate(size)
        let newMask = size - 1
        for index in 0...mask where slots[index].code != 0 {
            var slot = Int(truncatingIfNeeded: RowKeySet.mix(slots[index].key)) & newMask
            while grown[slot].code != 0 { slot = (slot + 1) & newMask }
            grown[slot] = slots[index]
        }
        free(slots)
        slots = grown
        mask = newMask
    }

    private static func allocate(_ size: Int) -> UnsafeMutablePointer<Slot> {
        guard let memory = calloc(size, MemoryLayout<Slot>.stride) else { fatalError("out of memory for \(size) hash slots") }
        return memory.bindMemory(to: Slot.self, capacity: size)
    }
}

/// Turns one column's cells into dense codes, the same code for equal values
/// across every batch of the table (pandas' `factorize`): a null is a value
/// of its own, -0.0 is 0.0 and every NaN one NaN, as `CellKey` compares them.
struct ColumnCodes {
    /// Fixed-width values by their bits; strings by their bytes.
    private let byBits = CodeMap()
    private var strings = RowKeySet()
    private var nullCode: UInt32?
    private var next: UInt32 = 0

    /// Writes the code of each of the batch's `count` cells into `codes`.
    mutating func encode(_ column: ColumnData, _ count: Int, into codes: UnsafeMutableBufferPointer<UInt32>) {
        let hasNulls = column.nullCount > 0
        switch column.type {
        case .int64, .timestamp:
            column.int64Values.withUnsafeBufferPointer { values in
                for row in 0..<count {
                    codes[row] = hasNulls && column.isNull(at: row) ? null() : value(UInt64(bitPattern: values[row]))
                }
            }
        case .float64:
            column.float64Values.withUnsafeBufferPointer { values in
                for row in 0..<count {
                    codes[row] = hasNulls && column.isNull(at: row) ? null() : value(CellKey.floatBits(values[row]))
                }
            }
        case .date:
            column.int32Values.withUnsafeBufferPointer { values in
                for row in 0..<count {
                    codes[row] = hasNulls && column.isNull(at: row) ? null() : value(UInt64(UInt32(bitPattern: values[row])))
                }
            }
        case .bool:
            for row in 0..<count {
                codes[row] = hasNulls && column.isNull(at: row) ? null() : value(column.boolValues[row] ? 1 : 0)
            }
        case .string:
            column.stringOffsets.withUnsafeBufferPointer { offsets in
                column.stringBytes.withUnsafeBytes { text in
                    for row in 0..<count {
                        if hasNulls && column.isNull(at: row) {
                            codes[row] = null()
                            continue
                        }
                        let cell = UnsafeRawBufferPointer(rebasing: text[Int(offsets[row])..<Int(offsets[row + 1])])
                        if let earlier = strings.insert(cell, row: Int(next)) {
                            codes[row] = UInt32(truncatingIfNeeded: earlier)
                        } else {
                            codes[row] = next
                            next &+= 1
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private mutating func value(_ bits: UInt64) -> UInt32 {
        let code = byBits.code(for: bits, assigning: next)
        if code == next { next &+= 1 }
        return code
    }

    @inline(__always)
    private mutating func null() -> UInt32 {
        if let nullCode { return nullCode }
        nullCode = next
        next &+= 1
        return next &- 1
    }
}

/// `unique` over a list of columns: each column factorised into codes, the
/// codes folded pairwise into one code per distinct row key, and a row is a
/// repeat when its key's code is not new. Per row and column that is one
/// probe into a table of small integers; no row key is ever built as bytes.
struct UniqueKeys {
    private var columns: [ColumnCodes]
    /// `pairs[i]` codes (code of columns 0...i, code of column i + 1).
    private let pairs: [CodeMap]
    /// The row (0-based, in the table) that first held each key code.
    private var firstRows: [Int] = []
    private var codes: [UInt32] = []
    private var other: [UInt32] = []

    init(columns count: Int, expectedKeys: Int) {
        columns = (0..<max(count, 1)).map { _ in ColumnCodes() }  // one map each, not one shared
        // The last map holds every distinct key; the others grow as they need.
        pairs = (0..<max(count - 1, 0)).map { CodeMap(expectedKeys: $0 == count - 2 ? expectedKeys : 0) }
        firstRows.reserveCapacity(expectedKeys)
    }

    /// Calls `repeated(row, earlierRow)` (both 0-based in the batch's table)
    /// for each row of the batch whose key an earlier row already held.
    mutating func consume(_ data: [ColumnData], _ count: Int, firstRow: Int, repeated: (Int, Int) -> Void) {
        guard count > 0, !data.isEmpty else { return }
        if codes.count < count {
            codes = [UInt32](repeating: 0, count: count)
            other = [UInt32](repeating: 0, count: count)
        }
        codes.withUnsafeMutableBufferPointer { codes in
            columns[0].encode(data[0], count, into: codes)
            other.withUnsafeMutableBufferPointer { other in
                for index in 1..<max(data.count, 1) {
                    columns[index].encode(data[index], count, into: other)
                    let pair = pairs[index - 1]
                    for row in 0..<count { codes[row] = pair.code(for: UInt64(codes[row]) << 32 | UInt64(other[row])) }
                }
            }
            for row in 0..<count {
                let code = Int(codes[row])
                if code == firstRows.count {
                    firstRows.append(firstRow + row)
                } else {
                    repeated(firstRow + row, firstRows[code])
                }
            }
        }
    }
}
