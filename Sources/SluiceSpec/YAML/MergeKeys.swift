/// YAML merge keys (`<<: *defaults`), which people use to share task settings.
/// Keys written in the mapping itself win over merged ones; among merged
/// mappings the first wins, as the YAML 1.1 merge-key draft says.
enum MergeKeys {
    /// The pairs of the (closed) mapping at `index` with its merge keys
    /// applied: its own pairs in order, then each merged mapping's pairs whose
    /// keys are new. Merged mappings are complete, their own merges applied.
    static func apply(_ index: Int, in tape: TapeView) -> [YAMLTape.Pair] {
        let written = Array(tape.writtenPairs(index))
        var result = written.filter { !isMergeKey($0.key, in: tape) }
        // `String`s, so keys compare as everywhere else in the front end.
        var present = Set(result.compactMap { keyText($0.key, in: tape) })
        for pair in written where isMergeKey(pair.key, in: tape) {
            for source in sources(pair.value, in: tape) {
                for merged in tape.pairs(source) {
                    guard let key = keyText(merged.key, in: tape), present.insert(key).inserted else { continue }
                    result.append(merged)
                }
            }
        }
        return result
    }

    /// `<<: *a` merges one mapping, `<<: [*a, *b]` several; anything else nothing.
    private static func sources(_ value: NodeRef, in tape: TapeView) -> [NodeRef] {
        switch tape.kind(value) {
        case .mapping: [value]
        case .sequence: tape.items(value).filter { tape.kind($0) == .mapping }
        default: []
        }
    }

    private static func keyText(_ key: NodeRef, in tape: TapeView) -> String? {
        tape.kind(key) == .scalar ? tape.string(key) : nil
    }

    /// A plain `<<` key; a quoted one is an ordinary key.
    static func isMergeKey(_ key: NodeRef, in tape: TapeView) -> Bool {
        let text = tape.text(key)
        return tape.kind(key) == .scalar && tape.style(key) == .plain && text.count == 2 && text.allSatisfy { $0 == UInt8(ascii: "<") }
    }
}
