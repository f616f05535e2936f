/// Finds a repeated key in a mapping too large to scan linearly (a pipeline's
/// `tasks`). Keys are compared as `String`s compare: while every key is ASCII,
/// equal bytes mean equal keys, so a byte hash decides; once a non-ASCII key
/// appears (canonical equivalence can make different bytes equal), the index
/// switches to `String` keys for good.
struct KeyIndex {
    /// A key: its node and where its text is in the tape's bytes.
    private struct Key {
        var node: Int
        var text: Range<Int>
        var hash: Int
    }

    private var keys: [Key] = []
    /// Open addressing: an index into `keys` + 1, or 0 for an empty slot.
    private var slots: [Int]
    private var strings: [String: Int]?

    init(capacity: Int) {
        var size = 64
        while size < capacity * 2 { size *= 2 }
        slots = [Int](repeating: 0, count: size)
    }

    /// The node of the earlier key spelled `text`, if any.
    mutating func firstOccurrence(of text: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let spelling = UnsafeBufferPointer(rebasing: bytes[text])
        if strings == nil, !TapeView.isASCII(spelling) { switchToStrings(bytes) }
        if let strings { return strings[String(decoding: spelling, as: UTF8.self)] }
        let hash = Self.hash(spelling)
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            let key = keys[slots[slot] - 1]
            if key.hash == hash, TapeView.equal(UnsafeBufferPointer(rebasing: bytes[key.text]), spelling) { return key.node }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Records the key node `node`, spelled `text`, seen for the first time.
    mutating func insert(_ node: Int, text: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) {
        let spelling = UnsafeBufferPointer(rebasing: bytes[text])
        if strings == nil, !TapeView.isASCII(spelling) { switchToStrings(bytes) }
        if strings != nil {
            strings?[String(decoding: spelling, as: UTF8.self)] = node
            return
        }
        keys.append(Key(node: node, text: text, hash: Self.hash(spelling)))
        if keys.count * 2 > slots.count {
            slots = [Int](repeating: 0, count: slots.count * 2)
            for index in keys.indices { place(index) }
        } else {
            place(keys.count - 1)
        }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = keys[index].hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = index + 1
    }

    private mutating func switchToStrings(_ bytes: UnsafeBufferPointer<UInt8>) {
        var strings: [String: Int] = [:]
        for key in keys { strings[String(decoding: UnsafeBufferPointer(rebasing: bytes[key.text]), as: UTF8.self)] = key.node }
        self.strings = strings
        keys = []
        slots = []
    }

    /// FNV-1a: keys are short, so a simple byte hash is cheaper than hashing a `String`.
    static func hash(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
