import Foundation
import SluiceColumnar

/// The files a spec refers to beyond itself: its `params_file`, and the
/// pipeline specs beside it that a `trigger` may name. Behind a protocol so
/// the checker can be driven from memory in tests.
public protocol ProjectFiles: Sendable {
    /// The file's text, or nil when it cannot be read.
    func read(_ path: String) -> String?
    /// The `*.yaml` / `*.yml` files directly in `directory` (not below it), sorted.
    func yamlFiles(in directory: String) -> [String]
    /// Why `read(path)` gives nil, as a message naming the path
    /// (`x.yaml: no such file or directory`); nil when not known.
    func whyUnreadable(_ path: String) -> String?
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
        return String(decoding: bytes, as: UTF8.self)
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
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func join(_ directory: String, _ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty || directory == "." { return normalize(path) }
        return normalize(directory.hasSuffix("/") ? directory + path : directory + "/" + path)
    }

    /// Removes `.` and empty components and folds `x/..`; keeps a leading `..`.
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", absolute, parts.isEmpty { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `target` relative to `base` (both relative to the same directory, or both absolute).
    public static func relative(_ target: String, from base: String) -> String {
        let t = normalize(target), b = normalize(base)
        if t.hasPrefix("/") != b.hasPrefix("/") { return t }
        let tParts = t == "." ? [] : t.split(separator: "/").map(String.init)
        let bParts = b == "." ? [] : b.split(separator: "/").map(String.init)
        var common = 0
        while common < tParts.count, common < bParts.count, tParts[common] == bParts[common] { common += 1 }
        // A base that climbs (`..`) past the common part cannot be walked back by name.
        if bParts[common...].contains("..") { return t }
        let up = Array(repeating: "..", count: bParts.count - common)
        let result = (up + tParts[common...]).joined(separator: "/")
        return result.isEmpty ? "." : result
    }
}
