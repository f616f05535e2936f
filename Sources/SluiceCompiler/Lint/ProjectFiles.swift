import Foundation
import SluicePlan
import SluiceBasics
import SluiceColumnar

/// The files a spec refers to beyond itself: its `params_file`, and the
/// pipeline specs beside it that a `trigger` may name. Behind a protocol so
/// the checker can be driven from memory in tests.
public protocol ProjectFiles: Sendable {
    /// The file's text, or nil when it cannot be read.
    func read(_ path: String) -> String?
    /// The `*.yaml` / `*.yml` files directly in `directory` (not below it), sorted.
    func yamlFiles(in directory: String) -> [String]
    /// Whether a file or directory is at `path` (a `deps` entry may name either).
    func exists(_ path: String) -> Bool
    /// Why `read(path)` gives nil, as a message naming the path
    /// (`x.yaml: no such file or directory`); nil when not known.
    func whyUnreadable(_ path: String) -> String?
}

extension ProjectFiles {
    /// Files served from memory have no directories: a path exists when it reads.
    public func exists(_ path: String) -> Bool { read(path) != nil }
}

extension ProjectFiles {
    public func whyUnreadable(_ path: String) -> String? { nil }
}

/// The real file system. Only regular files are read (symlinks to them
/// followed), opened without blocking: a FIFO or a device is unreadable,
/// never a hang.
public struct DiskFiles: ProjectFiles {
    public init() {}

    public func read(_ path: String) -> String? {
        guard let bytes = try? RegularFile.read(path) else { return nil }
        return TextLines.droppingByteOrderMark(String(decoding: bytes, as: UTF8.self))
    }

    public func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path.isEmpty ? "." : path)
    }

    public func whyUnreadable(_ path: String) -> String? {
        do throws(FileSystemError) {
            let opened = try RegularFile.openForReading(path)
            close(opened.descriptor)
            return nil
        } catch {
            return "\(path): \(error.reason)"
        }
    }

    public func yamlFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        return names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
            .sorted()
            .map { SpecPaths.join(directory, $0) }
    }
}

/// Path arithmetic on the strings users write, without touching the disk:
/// spec paths stay as the user named them (relative stays relative), so
/// diagnostics and plans are the same on every machine.
public enum SpecPaths {
    /// The directory part of `path`, "" for a bare file name.
    public static func directory(of path: String) -> String { WorkspacePaths.directory(of: path) }

    /// A path a spec names (a `deps` entry, `env_file`), as seen from where
    /// the spec's own path is: relative to the spec's directory. Lowering and
    /// lint resolve through this one function, so they agree on every path.
    public static func fromSpec(_ specFile: String, _ path: String) -> String {
        join(directory(of: specFile), path)
    }

    public static func join(_ directory: String, _ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty || directory == "." { return normalize(path) }
        return normalize(directory.hasSuffix("/") ? directory + path : directory + "/" + path)
    }

    /// Removes `.` and empty components and folds `x/..`; keeps a leading `..`.
    public static func normalize(_ path: String) -> String { WorkspacePaths.normalize(path) }

    /// `target` relative to `base` (both relative to the same directory, or both absolute).
    public static func relative(_ target: String, from base: String) -> String {
        let t = normalize(target), b = normalize(base)
        if t.hasPrefix("/") != b.hasPrefix("/") { return t }
        let tParts = t == "." ? [] : t.split(separator: "/").map(String.init)
        let bParts = b == "." ? [] : b.split(separator: "/").map(String.init)
        var common = 0
        while common < tParts.count, common < bParts.count, tParts[common] == bParts[common] { common += 1 }
        // A base that climbs (`..`) past the common part cannot be walked
        // back by name: the names come from the directory both are relative
        // to (the current one), so `vars.env` from `..` is `pipelines/vars.env`
        // whichever directory sluice runs in. Absolute paths hold no `..`.
        if bParts[common...].contains("..") {
            let current = FileManager.default.currentDirectoryPath
            guard current.hasPrefix("/"), !t.hasPrefix("/") else { return t }
            return relative(join(current, t), from: join(current, b))
        }
        let up = Array(repeating: "..", count: bParts.count - common)
        let result = (up + tParts[common...]).joined(separator: "/")
        return result.isEmpty ? "." : result
    }
}
