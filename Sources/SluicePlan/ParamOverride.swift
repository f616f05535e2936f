/// `--param key.path=value`: replaces one param, typed by the value it
/// replaces, so `--param forecast.horizon_hours=48` stays an int and
/// `--param forecast.horizon_hours=two` is refused before anything runs.
/// Lives beside the plan so `sluice run plan.json --param ...` works too.
/// A trigger's `params:` are typed the same way (`origin` names them in messages).
public struct ParamOverride: Equatable, Sendable {
    public var path: [String]
    public var text: String
    /// What set the value, as messages name it: `--param`, or a trigger param.
    public var origin = "--param"

    public init(path: [String], text: String, origin: String = "--param") {
        self.path = path
        self.text = text
        self.origin = origin
    }

    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Splits `key.path=value` at the first `=`.
    public static func parse(_ argument: String) throws(Failure) -> ParamOverride {
        guard let equals = argument.firstIndex(of: "=") else {
            throw Failure(message: "--param \(argument.literalQuoted) needs the form key.path=value")
        }
        let key = argument[..<equals]
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, !path.contains(where: \.isEmpty) else {
            throw Failure(message: "--param \(argument.literalQuoted) has an empty name in its key path")
        }
        return ParamOverride(path: path, text: String(argument[argument.index(after: equals)...]))
    }

    /// Applies every override in order to `params` (an object).
    public static func apply(_ arguments: [String], to params: JSON) throws(Failure) -> JSON {
        var result = params
        for argument in arguments {
            let override = try parse(argument)
            result = try override.apply(to: result, at: 0, dotted: override.path.joined(separator: "."))
        }
        return result
    }

    /// Replaces the param at `path` in `params` (an object), typed by the value it replaces.
    public func apply(to params: JSON) throws(Failure) -> JSON {
        try apply(to: params, at: 0, dotted: path.joined(separator: "."))
    }

    private func apply(to value: JSON, at depth: Int, dotted: String) throws(Failure) -> JSON {
        guard depth < path.count else { return try typedReplacement(for: value, dotted: dotted) }
        let key = path[depth]
        switch value {
        case .object(var members):
            guard let index = members.firstIndex(where: { $0.0 == key }) else {
                let known = members.map(\.0).sorted().joined(separator: ", ")
                let at = path[..<depth].isEmpty ? "params" : "params." + path[..<depth].joined(separator: ".")
                throw Failure(message: "\(origin) \(dotted): \(at) has no key \(key.literalQuoted)" + (known.isEmpty ? "" : " (it has: \(known))"))
            }
            members[index].1 = try apply(to: members[index].1, at: depth + 1, dotted: dotted)
            return .object(members)
        case .array(var items):
            guard let index = Int(key), index >= 0, index < items.count else {
                throw Failure(message: "\(origin) \(dotted): \(key.literalQuoted) is not an index of a list of \(items.count)")
            }
            items[index] = try apply(to: items[index], at: depth + 1, dotted: dotted)
            return .array(items)
        default:
            throw Failure(message: "\(origin) \(dotted): params.\(path[..<depth].joined(separator: ".")) is a single value, not a section")
        }
    }

    /// The text as the kind of `existing`: the rule `--param` follows.
    public func typedReplacement(for existing: JSON) throws(Failure) -> JSON {
        try typedReplacement(for: existing, dotted: path.joined(separator: "."))
    }

    private func typedReplacement(for existing: JSON, dotted: String) throws(Failure) -> JSON {
        func refuse(_ kind: String) -> Failure {
            Failure(message: "\(origin) \(dotted)=\(text.literalQuoted): params.\(dotted) is \(kind), and this is not")
        }
        switch existing {
        case .string, .null: return .string(text)
        case .int:
            guard let value = Int64(text) else {
                let digits = text.drop { $0 == "-" || $0 == "+" }
                if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                    throw Failure(message: "\(origin) \(dotted)=\(text.literalQuoted): out of range for params.\(dotted), a 64-bit integer")
                }
                throw refuse("an integer")
            }
            return .int(value)
        case .double:
            guard let value = Double(text), value.isFinite else { throw refuse("a number") }
            return .double(value)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw refuse("true or false")
            }
        case .array, .object:
            let kind = existing.arrayValue != nil ? "a list (write it as JSON: [\"a\", \"b\"])" : "a section (write it as a JSON object)"
            let value: JSON
            do { value = try JSON.parse(text) } catch {
                // The parse error says why (a number out of range, a missing bracket).
                throw Failure(message: "\(origin) \(dotted)=\(text.literalQuoted): params.\(dotted) is \(kind), and this is not valid JSON: \(error)")
            }
            switch (existing, value) {
            case (.array, .array), (.object, .object): return value
            default: throw refuse(kind)
            }
        }
    }
}
