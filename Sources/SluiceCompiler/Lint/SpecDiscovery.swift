import Foundation
import SluiceBasics
import SluiceColumnar
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Finds the spec files a command should read. A named file is always read;
/// a directory contributes every `*.yaml`/`*.yml` below it whose text has a
/// top-level `pipeline:` key (other YAML, such as params files, is ignored).
public enum SpecDiscovery {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func collect(_ paths: [String]) throws(Failure) -> [SpecSource] {
        var sources: [SpecSource] = []
        var seen = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Failure(description: "\(path): no such file or directory")
            }
            let files = isDirectory.boolValue ? yamlFiles(under: path) : [path]
            for file in files where seen.insert(file).inserted {
                let text = try read(file)
                if isDirectory.boolValue && !declaresPipeline(text) { continue }
                sources.append(SpecSource(path: file, text: text))
            }
        }
        return sources
    }

    /// The file's text without a byte order mark (libyaml would skip it, but
    /// the line excerpts of diagnostics and the `pipeline:` probe would not).
    public static func read(_ path: String) throws(Failure) -> String {
        if let text = readRegularFile(path) { return TextLines.droppingByteOrderMark(text) }
        // Only a regular file, opened without blocking: a FIFO or device is an error naming it, never a hang.
        let data: [UInt8]
        do throws(FileSystemError) {
            data = try RegularFile.read(path)
        } catch {
            throw Failure(description: "\(path): \(error.reason)")
        }
        // Invalid UTF-8 is kept (repaired) so the YAML parser reports where it is.
        return TextLines.droppingByteOrderMark(String(decoding: data, as: UTF8.self))
    }

    /// A regular file read straight into a `String`'s storage: a large spec
    /// then sits in memory once instead of twice (as `Data`, then as text),
    /// and fresh memory is costly. Invalid UTF-8 is repaired exactly as
    /// `String(decoding:as:)` repairs it. Anything unusual (not a regular
    /// file, empty, a read error, a file changing size under us) returns nil
    /// and takes the general path.
    static func readRegularFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block the open
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0, info.st_size < Int32.max else { return nil }
        let size = Int(info.st_size)
        var complete = false
        let text = String(unsafeUninitializedCapacity: size) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var filled = 0
            while filled < size {
                let count = systemRead(descriptor, base + filled, size - filled)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                filled += count
            }
            var probe: UInt8 = 0
            complete = filled == size && systemRead(descriptor, &probe, 1) == 0
            return filled
        }
        return complete ? text : nil
    }

    /// `read(2)`, named apart from `SpecDiscovery.read(_:)`.
    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    static func yamlFiles(under directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
            let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            // Regular files only (a symlink counts as its target): a FIFO, device or socket found while walking is skipped.
            var info = stat()
            guard stat(base + "/" + relative, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            files.append(base + "/" + relative)
        }
        return files.sorted()
    }

    /// A line that starts with the key `pipeline` (bare or quoted) and a
    /// colon. Lines are cut on bytes, so a CRLF file is read line by line too.
    public static func declaresPipeline(_ text: String) -> Bool {
        for line in TextLines.split(TextLines.droppingByteOrderMark(text)) {
            var rest = line
            for quote in ["\"", "'"] where rest.hasPrefix(quote) { rest = rest.dropFirst() }
            guard rest.hasPrefix("pipeline") else { continue }
            rest = rest.dropFirst("pipeline".count)
            if rest.hasPrefix("\"") || rest.hasPrefix("'") { rest = rest.dropFirst() }
            if rest.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix(":") { return true }
        }
        return false
    }
}
