import SluicePlan

/// Python source text the way `ruff format` / `black` would leave it: every
/// multi-line call and literal ends with a trailing comma (the "magic
/// trailing comma"), so the formatters keep it one item per line and the
/// exported files pass `ruff format --check` whatever their content.
enum PythonSource {
    /// A double-quoted string literal; non-printable characters escaped, so
    /// no user text can end the literal or the line.
    static func string(_ text: String) -> String {
        "\"" + escaped(text, inComment: false) + "\""
    }

    /// Text for a `#` comment: one line (newlines become spaces), other
    /// control characters escaped as in a string literal: a NUL anywhere
    /// stops Python from parsing the file, a CR or form feed ends or splits
    /// the line. Quotes and backslashes mean nothing in a comment and stay.
    static func comment(_ text: String) -> String {
        escaped(String(text.unicodeScalars.map { $0 == "\n" ? " " : Character($0) }), inComment: true)
    }

    private static func escaped(_ text: String, inComment: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"" where !inComment: out += "\\\""
            case "\\" where !inComment: out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += inComment ? "\t" : "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                    || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator {
                    let hex = String(scalar.value, radix: 16)
                    out += scalar.value <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                        : "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A JSON value as a Python literal, exploded one item per line.
    static func literal(_ value: JSON, indent: String) -> String {
        let inner = indent + "    "
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? JSONNumber.text(d) : "None"
        case .string(let s): return string(s)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + literal($0, indent: inner) + ",\n" }.joined() + indent + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { inner + string($0.0) + ": " + literal($0.1, indent: inner) + ",\n" }.joined() + indent + "}"
        }
    }

    /// `name(\n    a=1,\n    b=2,\n)`: a call with keyword arguments, exploded.
    static func call(_ name: String, _ arguments: [(String?, String)], indent: String) -> String {
        guard !arguments.isEmpty else { return name + "()" }
        let inner = indent + "    "
        return name + "(\n" + arguments.map { key, value in inner + (key.map { $0 + "=" } ?? "") + value + ",\n" }.joined() + indent + ")"
    }

    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "type", "_",
    ]

    /// Python's builtins (3.9 to 3.13): a task function must not shadow one
    /// (ruff's flake8-builtins rules, and a reader's surprise).
    static let builtins: Set<String> = [
        "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BaseExceptionGroup",
        "BlockingIOError", "BrokenPipeError", "BufferError", "BytesWarning", "ChildProcessError",
        "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
        "DeprecationWarning", "EOFError", "Ellipsis", "EncodingWarning", "EnvironmentError", "Exception",
        "ExceptionGroup", "False", "FileExistsError", "FileNotFoundError", "FloatingPointError", "FutureWarning",
        "GeneratorExit", "IOError", "ImportError", "ImportWarning", "IndentationError", "IndexError",
        "InterruptedError", "IsADirectoryError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError",
        "ModuleNotFoundError", "NameError", "None", "NotADirectoryError", "NotImplemented", "NotImplementedError",
        "OSError", "OverflowError", "PendingDeprecationWarning", "PermissionError", "ProcessLookupError",
        "RecursionError", "ReferenceError", "ResourceWarning", "RuntimeError", "RuntimeWarning", "StopAsyncIteration",
        "StopIteration", "SyntaxError", "SyntaxWarning", "SystemError", "SystemExit", "TabError", "TimeoutError",
        "True", "TypeError", "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError",
        "UnicodeTranslateError", "UnicodeWarning", "UserWarning", "ValueError", "Warning", "ZeroDivisionError", "abs",
        "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr",
        "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod", "enumerate",
        "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash",
        "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals",
        "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property", "quit",
        "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum",
        "super", "tuple", "type", "vars", "zip",
    ]

    /// A duration as the shortest readable `timedelta(...)`.
    static func timedelta(milliseconds: Int64) -> String {
        if milliseconds % 3_600_000 == 0 { return "timedelta(hours=\(milliseconds / 3_600_000))" }
        if milliseconds % 60_000 == 0 { return "timedelta(minutes=\(milliseconds / 60_000))" }
        if milliseconds % 1000 == 0 { return "timedelta(seconds=\(milliseconds / 1000))" }
        return "timedelta(milliseconds=\(milliseconds))"
    }
}

/// Python prints floats as repr does: the shortest round-trip text, with
/// `.0` for whole numbers and `e` exponents like `1e-05`.
enum JSONNumber {
    static func text(_ d: Double) -> String {
        let text = d.description
        if text.contains(".") || text.contains("e") { return text }
        return text + ".0"
    }
}
