import Foundation
import SluiceCompiler

/// `file://` URIs to paths and back. Other schemes (`untitled:`) keep the
/// URI itself as their "path": such a buffer is checked, but has no
/// directory to find params files or sibling pipelines in.
enum DocumentURI {
    static func path(_ uri: String) -> String {
        guard uri.hasPrefix("file://") else { return uri }
        var rest = Substring(uri.dropFirst("file://".count))
        // `file://host/path`: only the local host is meaningful.
        if !rest.hasPrefix("/"), let slash = rest.firstIndex(of: "/") { rest = rest[slash...] }
        return String(rest).removingPercentEncoding ?? String(rest)
    }

    static func uri(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#[]@!$&'()*+,;=")
        return "file://" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)
    }
}

/// One document the editor has open: its newest text, and what the
/// compiler made of it (worked out when first asked for, once per version).
final class OpenDocument {
    let uri: String
    let path: String
    private(set) var text: String
    private(set) var version: Int64
    var analysis: Analysis?

    /// A pipeline spec rather than some other YAML (a params file), by the
    /// rule `sluice lint DIR` uses; worked out once per version.
    private(set) var isSpec: Bool

    init(uri: String, text: String, version: Int64) {
        self.uri = uri
        self.path = DocumentURI.path(uri)
        self.text = text
        self.version = version
        isSpec = SpecDiscovery.declaresPipeline(text)
    }

    func update(text: String, version: Int64, keepingAnalysis: Bool = false) {
        self.text = text
        self.version = version
        if !keepingAnalysis {
            analysis = nil
            isSpec = SpecDiscovery.declaresPipeline(text)
        }
    }
}

/// The files the compiler reads while checking an open document: the
/// editor's unsaved text for open documents, the disk for the rest. A
/// sibling pipeline open in the editor is seen as it is on screen.
struct EditorFiles: ProjectFiles {
    let open: [String: String]
    let disk = DiskFiles()

    func read(_ path: String) -> String? {
        open[path] ?? open[SpecPaths.normalize(path)] ?? disk.read(path)
    }

    func yamlFiles(in directory: String) -> [String] {
        var files = Set(disk.yamlFiles(in: directory))
        let wanted = SpecPaths.normalize(directory.isEmpty ? "." : directory)
        for path in open.keys where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            if SpecPaths.normalize(SpecPaths.directory(of: path).isEmpty ? "." : SpecPaths.directory(of: path)) == wanted {
                files.insert(path)
            }
        }
        return files.sorted()
    }

    func exists(_ path: String) -> Bool {
        open[path] != nil || disk.exists(path)
    }

    func whyUnreadable(_ path: String) -> String? {
        open[path] != nil ? nil : disk.whyUnreadable(path)
    }
}
