import Foundation
import SluiceBasics
import SluiceColumnar

/// The plan's `env_file`: `KEY=VALUE` lines, as docker compose and
/// python-dotenv read them. LF and CRLF line endings and a leading byte order
/// mark are all accepted. Blank lines and `#` comments are skipped, an
/// `export ` prefix is allowed, and a value wrapped in matching single or
/// double quotes loses them (no escapes or variable expansion: the file is
/// data, not shell). After an unquoted value, a `#` preceded by a blank starts
/// a comment (`PORT=5432  # default`); inside quotes `#` is kept.
enum EnvFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(path: String) throws(Failure) -> [(String, String)] {
        let data: [UInt8]
        do throws(FileSystemError) {
            data = try RegularFile.read(path)
        } catch where error.errno == ENOENT {
            throw Failure(description: "env_file \(path) does not exist (the plan's env_file is read from the workspace at run time)")
        } catch {
            throw Failure(description: "cannot read env_file \(path): \(error.reason)")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: path)
    }

    static func parse(_ text: String, name: String) throws(Failure) -> [(String, String)] {
        var result: [(String, String)] = []
        for (i, raw) in TextLines.split(TextLines.droppingByteOrderMark(text)).enumerated() {
            var line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            guard let equals = line.firstIndex(of: "=") else {
                throw Failure(description: "\(name):\(i + 1): expected KEY=VALUE")
            }
            let key = String(line[..<equals]).trimmingSpaces
            guard IdentifierRule.variable.accepts(key) else {
                throw Failure(description: "\(name):\(i + 1): \"\(key)\" is not a variable name")
            }
            guard let value = value(String(line[line.index(after: equals)...]).trimmingSpaces) else {
                throw Failure(description: "\(name):\(i + 1): unexpected text after the closing quote of \(key)'s value")
            }
            result.append((key, value))
        }
        return result
    }

    /// A value as written after `=` (already trimmed): the text inside its
    /// quotes, or the unquoted text up to a ` #` comment. Nil when a quoted
    /// value is followed by anything but blanks and a comment.
    private static func value(_ written: String) -> String? {
        let scalars = written.unicodeScalars
        if let quote = scalars.first, quote == "\"" || quote == "'",
           let close = scalars.dropFirst().firstIndex(of: quote) {
            let rest = scalars[scalars.index(after: close)...].drop { $0 == " " || $0 == "\t" }
            guard rest.isEmpty || rest.first == "#" else { return nil }
            return String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<close]))
        }
        // Unquoted: a comment starts at a `#` after a blank (`a#b` keeps its `#`).
        var previous: Unicode.Scalar = "x"
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar == "#", previous == " " || previous == "\t" {
                return String(String.UnicodeScalarView(scalars[..<index])).trimmingSpaces
            }
            previous = scalar
        }
        return written
    }
}
