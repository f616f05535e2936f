/// Duplicate keys: a key is compared with the keys of its mapping before it,
/// as `String`s compare (canonical equivalence included), linearly in small
/// mappings and through a `KeyIndex` in large ones.
extension TapeBuilder {
    /// The earlier key of the mapping equal to the key at `key`, if any. `<<`
    /// may repeat: each is one more merge.
    mutating func firstOccurrence(ofKeyAt key: Int, inFrame top: Int) -> Int? {
        guard let text = keyText(key) else { return nil }
        if stack[top].keptPairs <= Self.linearScanLimit {
            let mapping = stack[top].index
            // Through raw pointers: reading a node out of the array copies all of it.
            return tape.withView { view in Self.scan(view, mapping: mapping, before: key, for: text) }
        }
        if !stack[top].isIndexed {
            keyIndexes.append(keyIndex(ofFrame: top, upTo: key))
            stack[top].isIndexed = true
        }
        return tape.bytes.withUnsafeBufferPointer { keyIndexes[keyIndexes.count - 1].firstOccurrence(of: text, in: $0) }
    }

    /// The key of `mapping`, before `key`, spelled like `text`, if any.
    static func scan(_ view: TapeView, mapping: Int, before key: Int, for text: Range<Int>) -> Int? {
        let spelling = UnsafeBufferPointer(rebasing: view.bytes[text])
        var earlier = mapping + 1
        while earlier < key {
            let value = view.subtreeEnd(earlier)
            defer { earlier = view.subtreeEnd(value) }
            let target = view.resolve(earlier).index
            guard !view.nodes[earlier].isDropped, view.nodes[target].kind == .scalar else { continue }
            let earlierText = view.text(NodeRef(index: target, rangeIndex: target))
            if earlierText.count == 2, earlierText[0] == UInt8(ascii: "<"), earlierText[1] == UInt8(ascii: "<") { continue }
            if sameKey(earlierText, spelling) { return earlier }
        }
        return nil
    }

    /// Key equality as `String` defines it: byte-equal texts are equal, and
    /// so, through Unicode canonical equivalence, may be some non-ASCII ones.
    static func sameKey(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        if TapeView.equal(x, y) { return true }
        // Two different ASCII first characters: each text's decomposed form starts
        // with its own (an ASCII character is a starter, never reordered), so the
        // texts are not equivalent. Nearly every pair of distinct keys (`run`,
        // `needs`) ends here, without reading both texts for non-ASCII bytes.
        if let a = x.first, let b = y.first, a < 0x80, b < 0x80, a != b { return false }
        guard !TapeView.isASCII(x) || !TapeView.isASCII(y) else { return false }
        return String(decoding: x, as: UTF8.self) == String(decoding: y, as: UTF8.self)
    }

    func keyIndex(ofFrame top: Int, upTo key: Int) -> KeyIndex {
        var index = KeyIndex(capacity: stack[top].keptPairs * 2)
        tape.bytes.withUnsafeBufferPointer { bytes in
            var earlier = stack[top].index + 1
            while earlier < key {
                let value = subtreeEnd(earlier)
                defer { earlier = subtreeEnd(value) }
                guard !tape.nodes[earlier].isDropped, let text = keyText(earlier) else { continue }
                index.insert(earlier, text: text, in: bytes)
            }
        }
        return index
    }

    // Always inlined, as the builder's other small helpers: called from a
    // mutating method, a non-mutating one gets a copy of the whole builder.

    @inline(__always) func resolve(_ index: Int) -> Int {
        tape.nodes[index].kind == .alias ? tape.nodes[index].link : index
    }

    @inline(__always) func subtreeEnd(_ index: Int) -> Int {
        let kind = tape.nodes[index].kind
        return kind == .sequence || kind == .mapping ? tape.nodes[index].link : index + 1
    }

    /// Where a scalar key's text is in `bytes`; nil for other keys and for
    /// `<<`, which is never a duplicate.
    @inline(__always) func keyText(_ key: Int) -> Range<Int>? {
        let target = resolve(key)
        guard tape.nodes[target].kind == .scalar, !isMergeText(target) else { return nil }
        let start = tape.nodes[target].link
        return start..<(start + tape.nodes[target].count)
    }

    /// The scalar at `index` reads `<<`.
    @inline(__always) func isMergeText(_ index: Int) -> Bool {
        let start = tape.nodes[index].link
        return tape.nodes[index].count == 2 && tape.bytes[start] == UInt8(ascii: "<") && tape.bytes[start + 1] == UInt8(ascii: "<")
    }

    @inline(__always) func string(_ text: Range<Int>) -> String {
        tape.bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[text]), as: UTF8.self) }
    }

    mutating func reportDuplicate(_ key: Int, first: Int) {
        let target = resolve(key)
        let start = tape.nodes[target].link
        let text = string(start..<(start + tape.nodes[target].count))
        let at = tape.nodes[first].range.start
        sink.emit(.duplicateKey, at: tape.nodes[key].range, "key \"\(text)\" is given twice in this mapping",
                  notes: ["first given at line \(at.line), column \(at.column); this one is ignored"],
                  help: "remove one of the two")
    }
}
