#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An operating-system failure on a named file, e.g.
/// `cannot write "out/prices.arrow": no space left on device`.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    /// What was attempted, as a verb phrase: "write", "create a temporary file for".
    public let action: String
    /// 0 when the failure is not the system's (`problem` then says what it is).
    public let errno: Int32
    /// What is wrong when no `errno` says it, e.g. "is a FIFO (named pipe), not a regular file".
    public let problem: String?

    public init(path: String, action: String, errno: Int32) {
        self.path = path
        self.action = action
        self.errno = errno
        problem = nil
    }

    public init(path: String, action: String, problem: String) {
        self.path = path
        self.action = action
        errno = 0
        self.problem = problem
    }

    /// The same failure under another name for the file, such as the
    /// `$SLUICE_OUTPUTS` a task knows instead of the staging path behind it.
    public func naming(_ path: String) -> FileSystemError {
        if let problem { return FileSystemError(path: path, action: action, problem: problem) }
        return FileSystemError(path: path, action: action, errno: errno)
    }

    /// The C library's text for `errno` ("no space left on device"), lowercased
    /// to fit the project's message style, or the `problem`.
    public var reason: String {
        if let problem { return problem }
        guard let text = strerror(errno) else { return "error \(errno)" }
        let message = String(cString: text)
        guard let first = message.first else { return message }
        return first.lowercased() + message.dropFirst()
    }

    public var description: String { "cannot \(action) \"\(path)\": \(reason)" }
}

/// A file that is not a readable Arrow IPC file, or uses a feature Sluice does
/// not read (compression, dictionaries, other column types).
public struct ArrowFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\"\(path)\" is not a readable Arrow file: \(problem)" }
}

/// A value of one type given to a column of another.
public struct ColumnTypeMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public let expected: ColumnType
    public let value: ColumnValue
    public var column: String?

    public init(expected: ColumnType, value: ColumnValue, column: String? = nil) {
        self.expected = expected
        self.value = value
        self.column = column
    }

    public var description: String {
        let found = value.columnType.map(\.rawValue) ?? "null"
        let subject = column.map { "column \"\($0)\"" } ?? "a column"
        return "\(subject) holds \(expected), but a \(found) value was given"
    }
}

/// A programming mistake by a caller of this library (wrong row width, a
/// schema with duplicate names, writing after finishing).
public struct ColumnarUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
