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

    /// True when `key` has a code.
    func contains(_ key: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: RowKeySet.mix(key)) & mask
        while true {
            let found = slots[slot]
            if found.code == 0 { return false }
            if found.key == key { return true }
            slot = (slot + 1) & mask
        }
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
    /// Fixed-width values by their bits, and strings of up to 7 bytes packed
    /// into one word (`CellKey.packedString`); longer strings by their bytes.
    private let byBits = CodeMap()
    private var strings = RowKeySet()
    private var nullCode: UInt32?
    private var next: UInt32 = 0

    /// How many distinct values (null included) have a code: codes are 0..<count.
    var count: Int { Int(next) }

    /// Writes the code of each of the batch's `count` cells into `codes`.
    mutating func encode(_ column: ColumnData, _ count: Int, into codes: UnsafeMutableBufferPointer<UInt32>) {
        let hasNulls = column.nullCount > 0
        switch column.type {
        case .int64, .timestamp:
            column.int64Values.withUnsafeBufferPointer { values in
                encodeBits(column, count, codes) { UInt64(bitPattern: values[$0]) }
            }
        case .float64:
            column.float64Values.withUnsafeBufferPointer { values in
                encodeBits(column, count, codes) { CellKey.floatBits(values[$0]) }
            }
        case .date:
            column.int32Values.withUnsafeBufferPointer { values in
                encodeBits(column, count, codes) { UInt64(UInt32(bitPattern: values[$0])) }
            }
        case .bool:
            encodeBits(column, count, codes) { column.boolValues[$0] ? 1 : 0 }
        case .string:
            column.stringOffsets.withUnsafeBufferPointer { offsets in
                column.stringBytes.withUnsafeBytes { text in
                    for row in 0..<count {
                        if hasNulls && column.isNull(at: row) {
                            codes[row] = null()
                            continue
                        }
                        let start = Int(offsets[row]), end = Int(offsets[row + 1])
                        if let packed = CellKey.packedString(text, start, end) {
                            codes[row] = value(packed)
                            continue
                        }
                        let cell = UnsafeRawBufferPointer(rebasing: text[start..<end])
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

    /// Codes fixed-width cells by their bits. A run of one value (a sorted
    /// column: a timestamp shared by every series of an hour) costs one probe.
    @inline(__always)
    private mutating func encodeBits(_ column: ColumnData, _ count: Int, _ codes: UnsafeMutableBufferPointer<UInt32>, _ bits: (Int) -> UInt64) {
        let hasNulls = column.nullCount > 0
        var lastBits: UInt64 = 0
        var lastCode: UInt32?
        for row in 0..<count {
            if hasNulls && column.isNull(at: row) {
                codes[row] = null()
                continue
            }
            let cell = bits(row)
            if let lastCode, cell == lastBits {
                codes[row] = lastCode
                continue
            }
            let code = value(cell)
            codes[row] = code
            lastBits = cell
            lastCode = code
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

extension CellKey {
    /// A string of at most 7 bytes as one word: its bytes in the low 56 bits
    /// (first byte lowest), its length in the top byte. Two strings share a
    /// word only when they are the same bytes. nil for longer strings.
    /// `text[start..<end]` is the cell; `text` is its whole buffer.
    @inline(__always)
    static func packedString(_ text: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64? {
        let length = end - start
        guard length < 8 else { return nil }
        let bytes: UInt64
        if start + 8 <= text.count {
            // One load and a mask; the bytes past the cell belong to the next cells.
            let word = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            bytes = word & ((1 << UInt64(8 * length)) &- 1)
        } else {
            var gathered: UInt64 = 0
            for index in 0..<length { gathered |= UInt64(text[start + index]) << UInt64(8 * index) }
            bytes = gathered
        }
        return bytes | UInt64(length) << 56
    }
}

/// How much memory `unique`'s bit grid may take before the last fold moves
/// to a hash map: `max(floorBytes, bytesPerKey * distinct keys)`. A map
/// takes about 32 bytes a key (16-byte slots, at most half full).
struct KeyGridBudget: Sendable {
    var floorBytes: Int
    var bytesPerKey: Int

    /// 8 MiB, or 8 bytes (64 bits) a key: a grid that size still sits in cache
    /// at the sizes where a map's probes would miss it.
    static let standard = KeyGridBudget(floorBytes: 8 << 20, bytesPerKey: 8)

    func allows(bytes: Int, keys: Int) -> Bool {
        let (perKeys, overflow) = bytesPerKey.multipliedReportingOverflow(by: keys)
        return bytes <= max(floorBytes, overflow ? .max : perKeys)
    }
}

/// One bit per (prefix code, last column's code) pair: `unique`'s last fold
/// while the codes are few enough that the grid is small. Codes are dense,
/// so the grid is dense too; a probe is a bit test in memory that stays in
/// cache, where a hash map of ten million keys would miss it on every row.
struct KeyGrid {
    fileprivate(set) var words: [UInt64] = []
    /// log2 of the bits a prefix code's row holds: last-column codes below 1 << shift fit.
    private(set) var shift = 6
    /// Prefix codes below this have a row.
    private var rows = 0

    /// Makes room for prefix codes below `prefixes` and last-column codes
    /// below `codes`; false, changing nothing, when that would take more than the budget allows for `keys` keys.
    mutating func reserve(prefixes: Int, codes: Int, budget: KeyGridBudget, keys: Int) -> Bool {
        var newShift = shift
        while newShift < 40 && 1 << newShift < codes { newShift += 1 }
        if prefixes <= rows && newShift == shift { return true }
        // Rows grow geometrically, but no further than the budget allows.
        var newRows = prefixes <= rows ? rows : max(prefixes, rows * 2)
        func bytes(_ rows: Int) -> Int? {
            let (bits, overflow) = rows.multipliedReportingOverflow(by: 1 << newShift)
            return overflow ? nil : bits / 8
        }
        if bytes(newRows).map({ !budget.allows(bytes: $0, keys: keys) }) ?? true { newRows = max(prefixes, rows) }
        guard newShift < 40, let size = bytes(newRows), budget.allows(bytes: size, keys: keys) else { return false }
        let rowWords = 1 << (newShift - 6)
        if newShift == shift {
            words.append(contentsOf: repeatElement(0, count: (newRows - rows) * rowWords))
        } else {
            var grown = [UInt64](repeating: 0, count: newRows * rowWords)
            let oldRowWords = 1 << (shift - 6)
            for row in 0..<rows {
                for word in 0..<oldRowWords { grown[row * rowWords + word] = words[row * oldRowWords + word] }
            }
            words = grown
        }
        rows = newRows
        shift = newShift
        return true
    }
}

/// `unique` over a list of columns: each column factorised into codes, the
/// codes folded pairwise into one code per distinct row key, and a row is a
/// repeat when its key was seen before. Per row and column that is one
/// probe into a table of small integers; no row key is ever built as bytes.
/// The last fold is a bit grid (`KeyGrid`) while the key space is small next
/// to the keys seen, and a hash map from then on.
struct UniqueKeys {
    private var columns: [ColumnCodes]
    /// `folds[i]` codes (code of columns 0...i, code of column i + 1), for every fold but the last.
    private let folds: [CodeMap]
    private var grid: KeyGrid? = KeyGrid()
    /// The last fold once the grid is given up: (prefix code, last code) to the key's code.
    private var lastFold: CodeMap?
    private let budget: KeyGridBudget
    private let expectedKeys: Int
    /// The row (0-based, in the table) that first held each key, in order of first sight.
    private var firstRows: [Int] = []
    /// While the grid is in use: each key's (prefix code, last code), as `firstRows` orders them.
    private var firstPairs: [UInt64] = []
    private var codes: [UInt32] = []
    private var other: [UInt32] = []

    /// True while the last fold is the bit grid (tests watch it switch).
    var usesGrid: Bool { grid != nil }

    init(columns count: Int, expectedKeys: Int, budget: KeyGridBudget = .standard) {
        columns = (0..<max(count, 1)).map { _ in ColumnCodes() }  // one map each, not one shared
        folds = (0..<max(count - 2, 0)).map { _ in CodeMap() }
        self.budget = budget
        self.expectedKeys = expectedKeys
        firstRows.reserveCapacity(expectedKeys)
    }

    /// Reads one batch of the key columns (rows `firstRow...`, 0-based in the
    /// table) and returns how many of its rows repeat an earlier row's key,
    /// with the first `room` of them as (row, earlier row that held the key).
    mutating func consume(_ data: [ColumnData], _ count: Int, firstRow: Int, room: Int) -> (repeats: Int, examples: [(row: Int, earlier: Int)]) {
        guard count > 0, !data.isEmpty else { return (0, []) }
        if codes.count < count {
            codes = [UInt32](repeating: 0, count: count)
            other = [UInt32](repeating: 0, count: count)
        }
        // Out of `self` while they change: no overlapping access to self in the loops below.
        var codes = self.codes, other = self.other
        self.codes = []
        self.other = []
        defer { self.codes = codes; self.other = other }
        var repeats = 0
        var examples: [(row: Int, earlier: Int)] = []
        let last = data.count - 1
        codes.withUnsafeMutableBufferPointer { codes in
            columns[0].encode(data[0], count, into: codes)
            other.withUnsafeMutableBufferPointer { other in
                for index in 1..<max(last, 1) {
                    columns[index].encode(data[index], count, into: other)
                    let fold = folds[index - 1]
                    for row in 0..<count { codes[row] = fold.code(for: UInt64(codes[row]) << 32 | UInt64(other[row])) }
                }
                if last > 0 { columns[last].encode(data[last], count, into: other) }
            }
        }
        if last == 0 {
            // One column: its codes are the keys' codes.
            codes.withUnsafeBufferPointer { codes in
                for row in 0..<count { noteKey(Int(codes[row]), firstRow + row, &repeats, &examples, room) }
            }
            return (repeats, examples)
        }
        let prefixes = last == 1 ? columns[0].count : folds[last - 2].count
        if var grid {
            self.grid = nil
            if grid.reserve(prefixes: prefixes, codes: columns[last].count, budget: budget, keys: firstRows.count + count) {
                markInGrid(&grid, codes, other, count, firstRow, &repeats, &examples, room)
                self.grid = grid
                return (repeats, examples)
            }
            leaveGrid()
        }
        let fold = lastFold ?? CodeMap(expectedKeys: expectedKeys)
        lastFold = fold
        codes.withUnsafeBufferPointer { codes in
            other.withUnsafeBufferPointer { other in
                for row in 0..<count {
                    let code = fold.code(for: UInt64(codes[row]) << 32 | UInt64(other[row]))
                    noteKey(Int(code), firstRow + row, &repeats, &examples, room)
                }
            }
        }
        return (repeats, examples)
    }

    /// A row whose key has code `code` (codes are given in order of first sight).
    @inline(__always)
    private mutating func noteKey(_ code: Int, _ row: Int, _ repeats: inout Int, _ examples: inout [(row: Int, earlier: Int)], _ room: Int) {
        if code == firstRows.count {
            firstRows.append(row)
        } else {
            repeats += 1
            if examples.count < room { examples.append((row, firstRows[code])) }
        }
    }

    private mutating func markInGrid(_ grid: inout KeyGrid, _ codes: [UInt32], _ other: [UInt32], _ count: Int, _ firstRow: Int,
                                     _ repeats: inout Int, _ examples: inout [(row: Int, earlier: Int)], _ room: Int) {
        let shift = grid.shift
        // Room for every row being a new key, filled through pointers and cut back after:
        // no per-row append (a uniqueness and capacity check each) on ten million new keys.
        var rows = firstRows, pairs = firstPairs
        firstRows = []
        firstPairs = []
        var filled = rows.count
        rows.append(contentsOf: repeatElement(0, count: count))
        pairs.append(contentsOf: repeatElement(0, count: count))
        grid.words.withUnsafeMutableBufferPointer { words in
            rows.withUnsafeMutableBufferPointer { rows in
                pairs.withUnsafeMutableBufferPointer { pairs in
                    codes.withUnsafeBufferPointer { codes in
                        other.withUnsafeBufferPointer { other in
                            for row in 0..<count {
                                let bit = Int(codes[row]) << shift | Int(other[row])
                                let mask: UInt64 = 1 << UInt64(bit & 63)
                                let word = words[bit >> 6]
                                let pair = UInt64(codes[row]) << 32 | UInt64(other[row])
                                if word & mask == 0 {
                                    words[bit >> 6] = word | mask
                                    rows[filled] = firstRow + row
                                    pairs[filled] = pair
                                    filled += 1
                                } else {
                                    repeats += 1
                                    // The grid keeps no rows: the earlier row is looked up, for the few examples only.
                                    if examples.count < room, let earlier = pairs[..<filled].firstIndex(of: pair) {
                                        examples.append((firstRow + row, rows[earlier]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        rows.removeLast(rows.count - filled)
        pairs.removeLast(pairs.count - filled)
        firstRows = rows
        firstPairs = pairs
    }

    /// Moves the last fold from the grid to a hash map: each key seen gets the
    /// code of its place in `firstRows`, as if the map had been used from the start.
    private mutating func leaveGrid() {
        let fold = CodeMap(expectedKeys: max(expectedKeys, firstPairs.count))
        for (code, pair) in firstPairs.enumerated() { _ = fold.code(for: pair, assigning: UInt32(truncatingIfNeeded: code)) }
        lastFold = fold
        grid = nil
        firstPairs = []
    }
}
