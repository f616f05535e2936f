import SluiceSpec

/// Every pipeline a `trigger` may name (DESIGN.md "Command line"): the specs
/// linted or run together, plus the pipeline specs in the same directory as
/// the triggering spec. Sibling files are parsed only to resolve names and
/// follow their triggers; their own problems are not reported.
public struct PipelineIndex: Sendable {
    public struct Entry: Sendable {
        public var file: String
        public var spec: PipelineSpec
        /// Linted (or run) in this invocation, rather than read as a sibling.
        public var isProjectSpec: Bool
        public var graph: TaskGraph
        public var flow: BranchFlow
    }

    public private(set) var entries: [Entry] = []
    private var byID: [String: [Int]] = [:]

    /// `project` are the specs given; siblings are read through `files` for
    /// every directory holding a spec that triggers another pipeline.
    public init(project: [PipelineSpec], files: any ProjectFiles) {
        for spec in project { add(spec, isProjectSpec: true) }
        var known = Set(project.map { SpecPaths.normalize($0.file) })
        var scanned = Set<String>()
        var queue = project.filter { $0.tasks.contains { $0.trigger != nil } }.map { SpecPaths.directory(of: $0.file) }
        while let directory = queue.popLast() {
            guard scanned.insert(directory).inserted else { continue }
            for path in files.yamlFiles(in: directory) where known.insert(SpecPaths.normalize(path)).inserted {
                guard let text = files.read(path), SpecDiscovery.declaresPipeline(text) else { continue }
                add(SpecParser.parse(text, file: path).spec, isProjectSpec: false)
            }
        }
    }

    private mutating func add(_ spec: PipelineSpec, isProjectSpec: Bool) {
        guard let id = spec.pipeline?.value else { return }
        let graph = TaskGraph(spec)
        byID[id, default: []].append(entries.count)
        entries.append(Entry(file: spec.file, spec: spec, isProjectSpec: isProjectSpec, graph: graph, flow: BranchFlow(spec, graph: graph)))
    }

    /// The pipeline `id` as seen from the spec at `file`: a project spec, or a sibling of `file`.
    public func resolve(_ id: String, from file: String) -> Entry? {
        resolveIndex(id, from: file).map { entries[$0] }
    }

    public func resolveIndex(_ id: String, from file: String) -> Int? {
        let directory = SpecPaths.normalize(SpecPaths.directory(of: file))
        let candidates = byID[id] ?? []
        return candidates.first { entries[$0].isProjectSpec }
            ?? candidates.first { SpecPaths.normalize(SpecPaths.directory(of: entries[$0].file)) == directory }
    }

    /// Pipeline ids a spec at `file` can name, for did-you-mean.
    public func visibleIDs(from file: String) -> [String] {
        byID.keys.filter { resolveIndex($0, from: file) != nil }.sorted()
    }
}
