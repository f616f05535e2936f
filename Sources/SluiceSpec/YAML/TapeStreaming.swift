/// Takes the pairs of one top-level mapping (a spec's `tasks`) while the
/// document is still being read, so that mapping never has to be held whole.
protocol TapeConsumer {
    /// Whether the value of the top-level key spelled `key` is to be streamed.
    func streams(topLevelKey key: UnsafeBufferPointer<UInt8>) -> Bool
    /// One pair of the streamed mapping, complete (merges applied), in the
    /// order the mapping's pairs will have. `view` is valid during the call only.
    mutating func consume(_ pair: YAMLTape.Pair, in view: TapeView)
    /// Called once before the first event is read: when libyaml runs on a
    /// thread of its own, just after it started. Work that needs only the
    /// text goes here, done while the parser reads the first events rather
    /// than before it starts.
    mutating func readingStarted()
}

/// For reading a whole document as a tree: nothing is streamed.
struct NoStreaming: TapeConsumer {
    func streams(topLevelKey key: UnsafeBufferPointer<UInt8>) -> Bool { false }
    mutating func consume(_ pair: YAMLTape.Pair, in view: TapeView) {}
    mutating func readingStarted() {}
}

extension TapeBuilder {
    /// Sizes of the tape's arrays at one moment: what a streamed value is cut back to.
    struct TapeMarks {
        var bytes = 0
        var tags = 0
        var mergedPairs = 0
        var mergeSpans = 0
    }

    /// Whether a mapping opening now is the value the consumer streams: the
    /// first (so not a duplicate) of its key in the first document's root mapping.
    mutating func isStreamedMapping() -> Bool {
        guard streamedMapping < 0, stack.count == 1, stack[0].isMapping, documents <= 1, stack[0].pendingKey >= 0,
              let key = keyText(stack[0].pendingKey) else { return false }
        let streams = tape.bytes.withUnsafeBufferPointer { consumer.streams(topLevelKey: UnsafeBufferPointer(rebasing: $0[key])) }
        return streams && firstOccurrence(ofKeyAt: stack[0].pendingKey, inFrame: 0) == nil
    }

    @inline(__always) func marks() -> TapeMarks {
        TapeMarks(bytes: tape.bytes.count, tags: tape.tags.count, mergedPairs: tape.mergedPairs.count, mergeSpans: tape.mergeSpans.count)
    }

    /// Hands a pair of the streamed mapping to the consumer, then drops the
    /// value's subtree from the tape unless an anchor inside it may still be
    /// aliased. The value's own node stays, emptied, so the mapping still
    /// walks (and ends) as before.
    mutating func stream(key: Int, value: Int) {
        tape.withView { view in consumer.consume(YAMLTape.Pair(key: view.resolve(key), value: view.resolve(value)), in: view) }
        let kind = tape.nodes[value].kind
        guard dropsStreamedValues, kind == .mapping || kind == .sequence, lastAnchoredNode < value else { return }
        tape.nodes.removeLast(tape.nodes.count - (value + 1))
        tape.nodes[value].link = value + 1
        tape.nodes[value].count = 0
        tape.nodes[value].hasMergedPairs = false
        tape.bytes.removeLast(tape.bytes.count - valueStart.bytes)
        // Usually nothing to cut here: tags and merge keys are rare.
        if tape.tags.count > valueStart.tags { tape.tags.removeLast(tape.tags.count - valueStart.tags) }
        if tape.mergedPairs.count > valueStart.mergedPairs { tape.mergedPairs.removeLast(tape.mergedPairs.count - valueStart.mergedPairs) }
        if tape.mergeSpans.count > valueStart.mergeSpans { tape.mergeSpans.removeLast(tape.mergeSpans.count - valueStart.mergeSpans) }
    }

    /// The pairs a merge key brought into the streamed mapping (those after its own).
    mutating func consumeMerged(_ pairs: [YAMLTape.Pair], of mapping: Int) {
        let own = tape.withView { view in view.writtenPairs(mapping).filter { !MergeKeys.isMergeKey($0.key, in: view) }.count }
        for pair in pairs.dropFirst(own) {
            tape.withView { consumer.consume(pair, in: $0) }
        }
    }
}
