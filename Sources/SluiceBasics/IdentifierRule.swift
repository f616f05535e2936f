/// What a name is: the shapes of pipeline ids, task names and variable-like
/// names (outputs, inputs, env, secrets, pools). The spec decoder, the
/// editor schema, the reference scanner, the plan loader and the executor all
/// ask here, because a name becomes a file, directory, Airflow id or
/// environment variable name, and one that is a path (`../../tmp/x`) must not
/// get through any of them.
public struct IdentifierRule: Sendable {
    public enum Shape: Int, CaseIterable, Sendable { case pipeline, task, variable }
    public let shape: Shape
    public let explanation: String
    public var maxLength = 250

    /// Pipeline ids: `[a-z][a-z0-9_]*` (they become Airflow dag ids and directory names).
    public static let pipeline = IdentifierRule(
        shape: .pipeline,
        explanation: "a pipeline id starts with a lowercase letter and holds only lowercase letters, digits and _")
    /// Task names: `[A-Za-z_][A-Za-z0-9_-]*` (Airflow task ids; usable in `{{ task.output }}`).
    public static let task = IdentifierRule(
        shape: .task,
        explanation: "a task name starts with a letter or _ and holds only letters, digits, _ and -")
    /// Output, input, env and secret names: `[A-Za-z_][A-Za-z0-9_]*` (they become environment variable names).
    public static let variable = IdentifierRule(
        shape: .variable,
        explanation: "a name starts with a letter or _ and holds only letters, digits and _")

    /// The rule as an ECMA-262 pattern (JSON Schema's regex dialect). The
    /// schema test checks it against `accepts` on sample names.
    public var pattern: String {
        switch shape {
        case .pipeline: "^[a-z][a-z0-9_]*$"
        case .task: "^[A-Za-z_][A-Za-z0-9_-]*$"
        case .variable: "^[A-Za-z_][A-Za-z0-9_]*$"
        }
    }

    public func accepts(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { accepts(utf8: $0) }
    }

    public func accepts(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let head = bytes.first, bytes.count <= maxLength else { return false }
        let table = shape.rawValue * 256
        guard Self.byteClasses[table + Int(head)] & Self.mayStartBit != 0 else { return false }
        for byte in bytes.dropFirst() where Self.byteClasses[table + Int(byte)] & Self.mayFollowBit == 0 { return false }
        return true
    }

    /// Whether `byte` may start a name of `shape`.
    @inlinable
    public static func mayStart(_ byte: UInt8, in shape: Shape) -> Bool {
        switch shape {
        case .pipeline: isLower(byte)
        case .task, .variable: isLetter(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// Whether `byte` may follow the first byte of a name of `shape`.
    @inlinable
    public static func mayFollow(_ byte: UInt8, in shape: Shape) -> Bool {
        switch shape {
        case .pipeline: isLower(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
        case .task: isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        case .variable: isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// For each shape (256 entries each), whether a byte may start a name and
    /// whether it may follow: one lookup per byte, as every task, output and
    /// env name is checked. Filled in place: the first name a process checks
    /// builds it (a run's plan names, before its first task), and building it
    /// through `flatMap` and two `map`s of closures cost 56k instructions.
    private static let byteClasses: [UInt8] = {
        var classes = [UInt8](repeating: 0, count: Shape.allCases.count * 256)
        for shape in Shape.allCases {
            for byte in UInt8.min...UInt8.max {
                classes[shape.rawValue * 256 + Int(byte)] =
                    (mayStart(byte, in: shape) ? mayStartBit : 0) | (mayFollow(byte, in: shape) ? mayFollowBit : 0)
            }
        }
        return classes
    }()
    private static let mayStartBit: UInt8 = 1
    private static let mayFollowBit: UInt8 = 2

    @inlinable static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    @inlinable static func isLetter(_ c: UInt8) -> Bool { isLower(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) }
    @inlinable static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
