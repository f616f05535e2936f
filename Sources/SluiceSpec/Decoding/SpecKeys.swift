/// The keys one kind of mapping in a spec accepts, spelled by their raw
/// values, in the order messages list them. The decoder matches a key's bytes
/// against them and switches on the case, never building the key's `String`.
protocol SpecKey: RawRepresentable<String>, CaseIterable, Hashable, Sendable where AllCases == [Self] {
    static var keySet: KeySet { get }
}

extension SpecKey {
    /// The key whose spelling is `text`, compared as `String`s compare.
    static func matching(_ text: UnsafeBufferPointer<UInt8>) -> Self? {
        keySet.index(matching: text).map { allCases[$0] }
    }
}

enum TopLevelKey: String, SpecKey {
    case pipeline, description, schedule, workdir, paramsFile = "params_file", params, defaults
    case maxActiveTasks = "max_active_tasks", pools, envFile = "env_file", secrets, tasks

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// The keys of `defaults`: the settings a task may inherit.
enum SettingKey: String, SpecKey {
    case retries, retryDelay = "retry_delay", retryBackoff = "retry_backoff", timeout, pool
    case triggerRule = "trigger_rule", cache

    static let keySet = KeySet(allCases.map(\.rawValue))
}

enum TaskKey: String, SpecKey {
    case run, needs, foreach, label, outputs, inputs, branch, trigger, triggerRule = "trigger_rule", retries
    case retryDelay = "retry_delay", retryBackoff = "retry_backoff", timeout, pool, env, deps, cache, description, checks

    static let keySet = KeySet(allCases.map(\.rawValue))

    /// The setting this key sets, when it is one.
    var setting: SettingKey? {
        switch self {
        case .retries: .retries
        case .retryDelay: .retryDelay
        case .retryBackoff: .retryBackoff
        case .timeout: .timeout
        case .pool: .pool
        case .triggerRule: .triggerRule
        case .cache: .cache
        case .run, .needs, .foreach, .label, .outputs, .inputs, .branch, .trigger, .env, .deps, .description, .checks: nil
        }
    }
}

/// The keys of the mapping form of `trigger`.
enum TriggerKey: String, SpecKey {
    case pipeline, params

    static let keySet = KeySet(allCases.map(\.rawValue))
}

enum OutputKey: String, SpecKey {
    case type, path, description

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// The keys of one check: its kind (exactly one) and `severity`.
enum CheckKey: String, SpecKey {
    case unique, notNull = "not_null", range, acceptedValues = "accepted_values", rows, severity

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// The keys of `range: {...}`.
enum RangeKey: String, SpecKey {
    case column, min, max

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// The keys of `accepted_values: {...}`.
enum AcceptedValuesKey: String, SpecKey {
    case column, values

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// The keys of `rows: {...}`.
enum RowsKey: String, SpecKey {
    case min, max

    static let keySet = KeySet(allCases.map(\.rawValue))
}

enum InputKey: String, SpecKey {
    case from, type, columns

    static let keySet = KeySet(allCases.map(\.rawValue))
}

/// A pair whose key is known: the key as its case, the value on the tape.
struct KnownPair<Key: SpecKey> {
    var key: Key
    var value: NodeRef
}

/// The keys a mapping accepts: in order for messages, as bytes for lookups.
/// A class, so handing one out of a `static let` costs one retain, not one per array.
public final class KeySet: Sendable {
    public let names: [String]
    /// Every name's UTF-8, one after another; name `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int]
    /// Open addressing on (length, first byte, last byte): a name's index + 1,
    /// or 0. Keys are matched for every pair of every task, so a lookup is
    /// one probe and one comparison, not a scan of the names.
    private let slots: [Int]

    public init(_ names: [String]) {
        self.names = names
        self.bytes = names.flatMap { Array($0.utf8) }
        var start = 0
        var starts: [Int] = []
        for name in names {
            starts.append(start)
            start += name.utf8.count
        }
        self.starts = starts + [start]
        var size = 16
        while size < names.count * 4 { size *= 2 }
        var slots = [Int](repeating: 0, count: size)
        for (index, name) in names.enumerated() {
            var slot = Self.slot(Array(name.utf8), size)
            while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = index + 1
        }
        self.slots = slots
    }

    private static func slot<Text: Collection<UInt8>>(_ text: Text, _ size: Int) -> Int {
        let first = Int(text.first ?? 0), last = Int(text.reversed().first ?? 0)
        return (text.count &* 97 &+ first &* 31 &+ last) & (size - 1)
    }

    /// Where `key` is among the names, compared as `String`s compare: bytes
    /// decide for ASCII text; other text is compared as a `String`, since
    /// canonical equivalence can make different bytes equal.
    func index(matching key: UnsafeBufferPointer<UInt8>) -> Int? {
        let mask = slots.count - 1
        var slot = key.isEmpty ? Self.slot(key, slots.count) : (key.count &* 97 &+ Int(key[0]) &* 31 &+ Int(key[key.count - 1])) & mask
        while slots[slot] != 0 {
            let candidate = slots[slot] - 1
            let start = starts[candidate]
            if starts[candidate + 1] - start == key.count {
                var offset = 0
                while offset < key.count, bytes[start + offset] == key[offset] { offset += 1 }
                if offset == key.count { return candidate }
            }
            slot = (slot + 1) & mask
        }
        guard !TapeView.isASCII(key) else { return nil }
        let text = String(decoding: key, as: UTF8.self)
        return names.firstIndex { $0 == text }
    }

    /// `key == name` as `String`s compare, deciding from the bytes when it can.
    static func equal(_ key: UnsafeBufferPointer<UInt8>, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            if TapeView.equal(key, bytes) { return true }
            guard !TapeView.isASCII(key) || !TapeView.isASCII(bytes) else { return false }
            return String(decoding: key, as: UTF8.self) == String(decoding: bytes, as: UTF8.self)
        }
    }
}
