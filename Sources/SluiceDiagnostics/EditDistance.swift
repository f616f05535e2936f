/// Did-you-mean suggestions by edit distance (as ninja's spellcheck does).
public enum Spelling {
    /// Levenshtein distance over Unicode scalars, bounded by `limit` for speed:
    /// returns `limit + 1` as soon as the distance is known to exceed it.
    public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit == .max ? limit : limit + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// The closest candidate within a distance that scales with the word
    /// (1 for short words, up to a third of the length), ties broken by name.
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let limit = max(1, min(3, word.count / 3))
        var best: (distance: Int, name: String)?
        for candidate in candidates where candidate != word {
            let d = distance(word.lowercased(), candidate.lowercased(), limit: limit)
            guard d <= limit else { continue }
            if let current = best, (current.distance, current.name) <= (d, candidate) { continue }
            best = (d, candidate)
        }
        return best?.name
    }
}
