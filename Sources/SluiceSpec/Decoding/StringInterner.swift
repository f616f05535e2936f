/// Shares the storage of texts a spec repeats (a table type on every task,
/// the same `deps` path, the same env value), so a large spec's model holds
/// each once. Texts of up to 15 bytes live inside the `String` itself (no
/// storage to share) and longer ones than 64 are rarely repeated (commands,
/// descriptions): both are built directly. A small direct-mapped cache,
/// rather than a table of every text, keeps lookups in cache and memory flat.
struct StringInterner {
    static let sharedLengths = 16...64
    private static let slotCount = 256

    private struct Slot {
        var hash = 0
        var count = 0
        var string = ""
    }

    private var slots = [Slot](repeating: Slot(), count: slotCount)
    /// Slot `i`'s text is `arena[i * 64 ..< i * 64 + count]`, compared before its `String` is touched.
    private var arena = [UInt8](repeating: 0, count: slotCount * sharedLengths.upperBound)

    mutating func string(_ text: UnsafeBufferPointer<UInt8>) -> String {
        guard Self.sharedLengths.contains(text.count) else { return String(decoding: text, as: UTF8.self) }
        let hash = KeyIndex.hash(text)
        let slot = hash & (Self.slotCount - 1)
        let start = slot * Self.sharedLengths.upperBound
        let cached = slots[slot].hash == hash && slots[slot].count == text.count
            && arena.withUnsafeBufferPointer { TapeView.equal(UnsafeBufferPointer(rebasing: $0[start..<(start + text.count)]), text) }
        if cached { return slots[slot].string }
        let string = String(decoding: text, as: UTF8.self)
        slots[slot] = Slot(hash: hash, count: text.count, string: string)
        arena.withUnsafeMutableBufferPointer { arena in
            _ = UnsafeMutableBufferPointer(rebasing: arena[start..<(start + text.count)]).initialize(from: text)
        }
        return string
    }
}
