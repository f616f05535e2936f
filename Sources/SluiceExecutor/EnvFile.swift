import Foundation
import SluiceColumnar

/// The plan's `env_file`: `KEY=VALUE` lines, as docker and dotenv read them.
/// Blank lines and `#` comments are skipped, an `export ` prefix is allowed,
/// and a value wrapped in matching single or double quotes loses them (no
/// escapes or variable expansion: the file is data, not shell).
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
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            line = line.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            guard let equals = line.firstIndex(of: "=") else {
                throw Failure(description: "\(name):\(i + 1): expected KEY=VALUE")
            }
            let key = String(line[..<equals]).trimmingSpaces
            guard OutputsFile.isName(key) else {
                throw Failure(description: "\(name):\(i + 1): \"\(key)\" is not a variable name")
            }
            var value = String(line[line.index(after: equals)...]).trimmingSpaces
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            result.append((key, value))
        }
        return result
    }
}
