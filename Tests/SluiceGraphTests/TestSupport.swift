import Foundation
import Testing

/// Graphviz run from the tests, and the golden-file helper.
enum Graphviz {
    struct Outcome {
        var status: Int32
        var svg: String
        var stderr: String
    }

    /// `dot -Tsvg` on `dot` text. A missing `dot` fails the test (scripts/bootstrap
    /// installs Graphviz): a test that cannot fail is a defect.
    static func svg(_ dot: String) throws -> Outcome {
        guard let executable = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"]
            .first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestFailure("Graphviz's dot is not installed: run scripts/bootstrap (or apt-get install graphviz)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.dot")
        let errors = directory.appendingPathComponent("err.txt")
        try Data(dot.utf8).write(to: input)
        try Data().write(to: errors)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-Tsvg", input.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let svg = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, svg: String(decoding: svg, as: UTF8.self),
                       stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    /// `<g id="node3" class="node">` groups and the like, counted.
    static func count(_ kind: String, in svg: String) -> Int {
        svg.components(separatedBy: "class=\"\(kind)\"").count - 1
    }

    /// Every `<text>` element's content, XML entities decoded.
    static func texts(in svg: String) -> [String] {
        svg.components(separatedBy: "<text").dropFirst().compactMap { piece in
            guard let open = piece.firstIndex(of: ">"), let close = piece.range(of: "</text>") else { return nil }
            return decodeXML(String(piece[piece.index(after: open)..<close.lowerBound]))
        }
    }

    static func decodeXML(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            guard let semi = rest.firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: rest.startIndex)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                } else {
                    out += "&" + entity + ";"
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

/// Golden files in Fixtures/, compared byte for byte; `UPDATE_GOLDEN=1`
/// records them (and the test then fails, so a recording is never mistaken
/// for a pass).
enum Golden {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            Issue.record("recorded \(name); run again without UPDATE_GOLDEN", sourceLocation: sourceLocation)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden \(name): record it with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "\(name) differs from its golden (re-record with UPDATE_GOLDEN=1 if intended)",
                sourceLocation: sourceLocation)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
