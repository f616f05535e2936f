/// YAML merge keys (`<<: *defaults`), which people use to share task settings.
/// Keys written in the mapping itself win over merged ones; among merged
/// mappings the first wins, as the YAML 1.1 merge-key draft says.
enum MergeKeys {
    static func apply(_ pairs: [YAMLPair]) -> [YAMLPair] {
        guard pairs.contains(where: isMerge) else { return pairs }
        var result = pairs.filter { !isMerge($0) }
        var present = Set(result.compactMap { $0.key.keyText })
        for pair in pairs where isMerge(pair) {
            let sources = pair.value.mapping.map { [$0] } ?? (pair.value.sequence ?? []).compactMap(\.mapping)
            for source in sources {
                for merged in source {
                    guard let key = merged.key.keyText, present.insert(key).inserted else { continue }
                    result.append(merged)
                }
            }
        }
        return result
    }

    private static func isMerge(_ pair: YAMLPair) -> Bool {
        pair.key.scalar == YAMLScalar(text: "<<", style: .plain)
    }
}
