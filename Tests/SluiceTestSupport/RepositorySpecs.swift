import Foundation

/// The YAML the repository itself holds, for tests that must agree on every
/// real spec (two threads against one, a drawing plan against the full one,
/// the pipelined parse against the plain one): the examples, the lint
/// fixtures and the fuzz corpus.
public enum RepositorySpecs {
    /// The repository's root, found from this file's own path.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let folders = ["pipelines", "Tests/SluiceCompilerTests/Fixtures/lint", "Tests/SluiceCLITests/Fixtures/fuzz/spec"]

    /// Every `.yaml` / `.yml` file under those folders, sorted by path.
    public static func yamlFiles() -> [URL] {
        var found: [URL] = []
        for folder in folders {
            guard let walker = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            else { continue }
            for case let url as URL in walker where ["yaml", "yml"].contains(url.pathExtension) { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }
}
