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

    /// Longest label shown; a longer one is cut with `…`.
    static let labelLimit = 60

    /// The label of a map instance without a `label:` template: a string
    /// item itself, a number or boolean its JSON text, anything else its index.
    /// On one line, without control characters, at most `labelLimit` characters.
    public static func defaultLabel(_ item: JSON, index: Int) -> String {
        let text: String
        switch item {
        case .string(let s): text = s
        case .int, .double, .bool: text = item.compact()
        default: return String(index)
        }
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? "?" : $0
        }))
        if clean.isEmpty { return String(index) }
        return clean.count > labelLimit ? String(clean.prefix(labelLimit - 1)) + "…" : clean
    }
}
