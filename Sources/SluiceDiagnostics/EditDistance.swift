/// Did-you-mean suggestions by edit distance (as ninja's spellcheck does).
public enum Spelling {
    /// Levenshtein distance over Unicode scalars, bounded by `limit` for speed:
    /// returns `limit + 1` as soon as the distance is known to exceed it.
    public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        distance(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: limit)
    }

    /// Two rows of the dynamic programme in one stack allocation: a lint with
    /// thousands of misspelt names asks for hundreds of thousands of these.
    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], limit: Int) -> Int {
        if abs(x.count - y.count) > limit { return limit == .max ? limit : limit + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        let width = y.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * width) { rows -> Int in
            guard let base = rows.baseAddress else { return limit == .max ? limit : limit + 1 }
            var previous = base, current = base + width
            for j in 0..<width { previous[j] = j }
            for i in 1...x.count {
                current[0] = i
                var rowMin = i
                let scalar = x[i - 1]
                for j in 1..<width {
                    let substitute = previous[j - 1] + (scalar == y[j - 1] ? 0 : 1)
                    let value = Swift.min(previous[j] + 1, current[j - 1] + 1, substitute)
                    current[j] = value
                    if value < rowMin { rowMin = value }
                }
                if rowMin > limit { return limit + 1 }
                swap(&previous, &current)
            }
            return previous[width - 1]
        }
    }

    /// The closest candidate within a distance that scales with the word
    /// (1 for short words, up to a third of the length), ties broken by name.
    /// For many words against one set of names, build a `SpellingIndex` once.
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        SpellingIndex(candidates).suggestion(for: word)
    }

    /// Names people bring from Airflow, dbt, Python and other YAML tools,
    /// with what Sluice calls the same thing, in order of preference. Edit
    /// distance cannot find these (`depends_on` is nothing like `needs`), so
    /// a suggestion looks here first and offers the first name that is among
    /// the candidates: `double` is `float` among output types and `float64`
    /// among column types.
    public static let borrowedNames: [String: [String]] = [
        "retry": ["retries"],
        "depends_on": ["needs"], "upstream": ["needs"], "dependencies": ["needs"],
        "schedule_interval": ["schedule"],
        "default_args": ["defaults"],
        "execution_timeout": ["timeout"],
        "concurrency": ["max_active_tasks"],
        "double": ["float", "float64"], "float": ["float64"], "number": ["float", "float64"],
        "str": ["string"], "text": ["string"],
        "integer": ["int", "int64"], "int": ["int64"],
        "boolean": ["bool"],
    ]
}

/// Names prepared once for many did-you-mean questions. A question costs a
/// bounded amount of work however many names there are: up to
/// `exhaustiveLimit` names every one is compared (the answer is exact);
/// beyond that, only the `window` names nearest to the word in sorted order
/// and the `window` nearest in sorted order of the reversed names, which is
/// where a name with a typo near its end, or near its start, sorts. Asking
/// about each of 1,000 misspelt `needs` against every task name was
/// quadratic, and took a minute.
public struct SpellingIndex: Sendable {
    public static let exhaustiveLimit = 512
    public static let window = 48

    private let names: [String]
    private let lowered: [[Unicode.Scalar]]
    private let reversedLowered: [[Unicode.Scalar]]
    /// Name indices sorted by lowered name, and by reversed lowered name (only past `exhaustiveLimit`).
    private let byPrefix: [Int]
    private let bySuffix: [Int]

    public init(_ candidates: some Sequence<String>) {
        let names = Array(candidates)
        let lowered = names.map { Array($0.lowercased().unicodeScalars) }
        self.names = names
        self.lowered = lowered
        guard names.count > Self.exhaustiveLimit else {
            reversedLowered = []
            byPrefix = []
            bySuffix = []
            return
        }
        let reversed = lowered.map { Array($0.reversed()) }
        reversedLowered = reversed
        byPrefix = names.indices.sorted { lowered[$0].lexicographicallyPrecedes(lowered[$1]) }
        bySuffix = names.indices.sorted { reversed[$0].lexicographicallyPrecedes(reversed[$1]) }
    }

    public func suggestion(for word: String) -> String? {
        if let borrowed = Spelling.borrowedNames[word.lowercased()], let name = borrowed.first(where: names.contains) {
            return name
        }
        let limit = max(1, min(3, word.count / 3))
        let typed = Array(word.lowercased().unicodeScalars)
        var best: (distance: Int, name: String)?
        for candidate in candidates(near: typed) where names[candidate] != word {
            let d = Spelling.distance(typed, lowered[candidate], limit: limit)
            guard d <= limit else { continue }
            if let current = best, (current.distance, current.name) <= (d, names[candidate]) { continue }
            best = (d, names[candidate])
        }
        return best?.name
    }

    /// The indices of the names worth comparing with `typed`.
    private func candidates(near typed: [Unicode.Scalar]) -> [Int] {
        guard names.count > Self.exhaustiveLimit else { return Array(names.indices) }
        var picked = Set<Int>()
        let reversedTyped = Array(typed.reversed())
        for (order, keys, key) in [(byPrefix, lowered, typed), (bySuffix, reversedLowered, reversedTyped)] {
            // The first position whose name sorts at or after the word.
            var low = 0, high = order.count
            while low < high {
                let middle = (low + high) / 2
                if keys[order[middle]].lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
            }
            for position in max(0, low - Self.window)..<min(order.count, low + Self.window) { picked.insert(order[position]) }
        }
        return picked.sorted()
    }
}
