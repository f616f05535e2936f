import ArgumentParser
import Foundation
import SluiceColumnar

/// `sluice init [DIR] [--name ID]`: scaffold a small pipeline that lints
/// clean with `--strict` and runs with `sluice run`. Never overwrites: if any
/// file it would write exists, it writes nothing and exits 2.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a starter pipeline (a spec, a params file and a Python script) in DIR.",
        discussion: """
            Writes DIR/pipeline.yaml, DIR/params.yaml and DIR/scripts/sales.py, creating DIR if needed. \
            The pipeline id defaults to DIR's name, made a valid id. Exit status: 0, or 2 when a file \
            already exists (nothing is written then) or cannot be written.
            """
    )

    @Argument(help: ArgumentHelp("The directory to create the pipeline in.", valueName: "dir"))
    var directory: String = "."

    @Option(help: ArgumentHelp("The pipeline id ([a-z][a-z0-9_]*).", valueName: "id"))
    var name: String?

    func validate() throws {
        if let name, !Self.isPipelineID(name) {
            throw ValidationError("--name \"\(name)\" is not a pipeline id: start with a-z, then a-z, 0-9 or _")
        }
    }

    func run() throws {
        let id = name ?? Self.pipelineID(fromDirectory: directory)
        let files = InitTemplates.files(pipeline: id).map { (path: join(directory, $0.path), text: $0.text) }
        // Check everything first, so a refusal leaves the directory exactly as it was.
        for file in files where FileManager.default.fileExists(atPath: file.path) {
            throw failUsageOrIO("\(file.path) already exists; sluice init never overwrites a file (choose another directory)")
        }
        for file in files {
            do {
                let parent = (file.path as NSString).deletingLastPathComponent
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
                try AtomicFile.write(file.text, to: file.path)
            } catch {
                throw failUsageOrIO("cannot write \(file.path): \(error.localizedDescription)")
            }
        }
        writeOut(files.map { "created \($0.path)\n" }.joined() + nextSteps(files[0].path))
    }

    private func nextSteps(_ spec: String) -> String {
        """

        next:
          sluice lint --strict \(Self.shellQuoted(directory))
          sluice run \(Self.shellQuoted(spec))

        """
    }

    /// A path as it can be pasted into a shell: bare when it is plainly safe.
    static func shellQuoted(_ path: String) -> String {
        let safe = path.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-+,:@".unicodeScalars.contains($0) }
        if safe, !path.isEmpty { return path }
        return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    private func join(_ directory: String, _ path: String) -> String {
        directory == "." ? path : (directory.hasSuffix("/") ? directory + path : directory + "/" + path)
    }

    /// A pipeline id from a directory name: lowercased, other characters
    /// folded to `_`, leading non-letters dropped; `hello` when nothing is left.
    static func pipelineID(fromDirectory directory: String) -> String {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        var id = ""
        for scalar in absolute.lowercased().unicodeScalars {
            let keep = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if keep { id.unicodeScalars.append(scalar) } else if !id.isEmpty, !id.hasSuffix("_") { id += "_" }
        }
        while let first = id.unicodeScalars.first, !("a"..."z").contains(first) { id.removeFirst() }
        while id.hasSuffix("_") { id.removeLast() }
        return id.isEmpty ? "hello" : id
    }

    static func isPipelineID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
