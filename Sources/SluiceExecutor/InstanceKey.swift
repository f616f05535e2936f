import SluiceBasics

/// One task instance: a task and, for a `foreach` task, its map index.
/// Mapped tasks that never expanded (skipped, upstream failed) are recorded
/// with a nil map index, as Airflow does.
public struct InstanceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var task: String
    public var mapIndex: Int?

    public init(task: String, mapIndex: Int? = nil) {
        self.task = task
        self.mapIndex = mapIndex
    }

    /// `fetch` or `fetch[2]`, as progress lines and messages print it.
    public var description: String {
        mapIndex.map { "\(task)[\($0)]" } ?? task
    }

    /// `fetch` or `fetch.2`: safe in file names (task names never hold a dot).
    public var fileStem: String {
        mapIndex.map { "\(task).\($0)" } ?? task
    }

    public static func < (a: InstanceKey, b: InstanceKey) -> Bool {
        (a.task, a.mapIndex ?? -1) < (b.task, b.mapIndex ?? -1)
    }
}

extension InstanceKey {
    /// `download[AAPL]`: a map instance by its label, else by its index.
    public static func name(_ key: InstanceKey, label: String?) -> String {
        guard key.mapIndex != nil, let label else { return key.description }
        return "\(key.task)[\(label)]"
    }

    /// Longest label shown; a longer one is cut with `…` and its index.
    static let labelLimit = 60

    /// The label of a map instance without a `label:` template: a string
    /// item itself, a number or boolean its JSON text, anything else its index.
    /// Made safe to show by `displayLabel`.
    public static func defaultLabel(_ item: JSON, index: Int) -> String {
        switch item {
        case .string(let s): displayLabel(s, index: index)
        case .int, .double, .bool: displayLabel(item.compact(), index: index)
        default: String(index)
        }
    }

    /// A label as terminals, logs and tables show it: on one line, without
    /// control or format characters (escape sequences, bidirectional
    /// overrides, zero-width marks become `?`), at most `labelLimit`
    /// characters. A longer one keeps its start and ends `…#index`, so two
    /// long labels sharing a start still name different instances. An empty
    /// label is the index.
    public static func displayLabel(_ text: String, index: Int) -> String {
        // Printable ASCII (tickers, dates, file names: most labels) has none of
        // those categories; the scalar-by-scalar look cost 5k instructions a
        // label, made for every instance before the first one can start.
        let clean = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? text
            : String(String.UnicodeScalarView(text.unicodeScalars.map { (scalar: Unicode.Scalar) -> Unicode.Scalar in
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: "?"
                default: scalar
                }
            }))
        if clean.isEmpty { return String(index) }
        guard clean.count > labelLimit else { return clean }
        let tail = "…#\(index)"
        return String(clean.prefix(labelLimit - tail.count)) + tail
    }

    /// Labels made unique in map-index order: one already taken by an earlier
    /// instance gets `#index` appended (`AAPL`, `AAPL#3`), so a label names
    /// one instance wherever it is shown or used as a key.
    public static func uniqueLabels(_ labels: [String]) -> [String] {
        var taken = Set<String>(minimumCapacity: labels.count)
        var unique: [String] = []
        unique.reserveCapacity(labels.count)
        for (index, label) in labels.enumerated() {
            var name = label
            // Grows until free: `a#1` may itself have been an earlier label. (One
            // hashing a try: the insert says whether the name was taken.)
            while !taken.insert(name).inserted { name += "#\(index)" }
            unique.append(name)
        }
        return unique
    }
}
