@testable import SluiceCompiler
import SluicePlan
import SluiceSpec
import Testing

/// `ContractsBuilder.resolve` keeps the first distinct `params` paths with
/// their resolution (`ParamPaths`) and looks an output's producer up among
/// the reader's needs before `graph.index`: each reference must still
/// resolve exactly as a fresh lookup of it does.
struct ReferenceResolutionTests {
    /// What a reference resolved to, comparable: the case and its payload's names.
    static func summary(_ resolution: ResolvedReference.Resolution) -> String {
        switch resolution {
        case .param(let keys, let entry): "param \(keys) \(entry.kindDescription) \(entry.range)"
        case .output(let producer, let output): "output \(producer) \(output.dotted) \(output.type)"
        case .item: "item"
        case .index: "index"
        case .runID: "run.id"
        case .runDate: "run.date"
        case .itemField(let fields): "item \(fields)"
        case .failed(let failure):
            switch failure {
            case .unknownParam(let depth, let candidates): "unknownParam \(depth) \(candidates)"
            case .paramNotSection(let depth, let entry): "paramNotSection \(depth) \(entry.kindDescription)"
            case .notUpstream(let producer): "notUpstream \(producer)"
            case .unknownOutput(let task, let candidates): "unknownOutput \(task) \(candidates)"
            default: "failed \(failure)"
            }
        }
    }

    /// More distinct param paths than `ParamPaths` keeps, each named several
    /// times, found, missing at each depth and inside a scalar; output
    /// references to a task needed directly, transitively, not at all, to the
    /// task itself and to no task; all against `ParamSet.lookup` and
    /// `graph.index` asked afresh.
    @Test func everyReferenceResolvesAsAFreshLookup() throws {
        let sections = ParamPaths.keepFirst + 4
        var text = "pipeline: p\nparams:\n"
        for s in 0..<sections { text += "  s\(s): { k: \(s), name: x\(s), list: [1, 2] }\n" }
        text += "tasks:\n  a:\n    run: echo 1\n    outputs: { n: int }\n  b:\n    needs: [a]\n    run: echo {{ a.n }}\n    outputs: { n: int }\n"
        var paths: [String] = []
        for round in 0..<3 {
            for s in 0..<sections { paths.append("params.s\(s).\(round == 1 ? "name" : "k")") }
            paths += ["params.s0.nope", "params.nope.k", "params.s1.k.deeper", "params.s2.list.1", "params.s2.list.5"]
        }
        let outputs = ["a.n", "b.n", "c.n", "a.missing", "nosuch.n", "b.n"]
        for (index, path) in (paths + outputs).enumerated() {
            text += "  c\(index):\n    needs: [b]\n    run: echo {{ \(path) }} {{ \(path) }}\n"
        }
        // `c` names the task reading it, which is not upstream of itself; `c0`… read `b.n` of a needed task.
        text += "  c:\n    run: echo {{ c.n }} {{ b.n }}\n    outputs: { n: int }\n"
        let spec = SpecParser.parse(text, file: "p.yaml").spec
        let graph = TaskGraph(spec)
        let contracts = PipelineContracts.build(spec, graph: graph, files: MemoryFiles(files: [:]))
        var checked = 0
        for task in spec.tasks.indices {
            for reference in contracts.references[task] {
                let path = reference.scanned.path
                let expected: String
                if path.first == "params" {
                    let keys = Array(path.dropFirst())
                    expected = switch contracts.params.lookup(keys) {
                    case .found(let entry): Self.summary(.param(keys, entry))
                    case .missing(let depth, let candidates): Self.summary(.failed(.unknownParam(depth: depth + 1, candidates: candidates)))
                    case .notSection(let depth, let entry): Self.summary(.failed(.paramNotSection(depth: depth + 1, entry: entry)))
                    }
                } else if let producer = graph.index[path[0]] {
                    let upstream = ContractsBuilder(spec: spec, graph: graph).isUpstream(producer, of: task)
                    let declared = spec.tasks[producer].outputs.map(\.name.value)
                    expected = if !declared.contains(path[1]) {
                        Self.summary(.failed(.unknownOutput(task: producer, candidates: declared)))
                    } else if producer == task {
                        Self.summary(.failed(.ownOutput))
                    } else if !upstream {
                        Self.summary(.failed(.notUpstream(producer: producer)))
                    } else {
                        Self.summary(.output(producer: producer, OutputReference(task: path[0], output: path[1], type: .int, mapped: false)))
                    }
                } else {
                    expected = Self.summary(.failed(.unknownRoot(path[0])))
                }
                #expect(Self.summary(reference.resolution) == expected, "\(reference.scanned.dotted) in \(spec.tasks[task].name.value)")
                checked += 1
            }
        }
        #expect(checked == 2 * (paths.count + outputs.count) + 3)
    }
}

/// The references' array is sized from the `{{` in the spec's text; values
/// holding more than the text shows (an alias repeating a value, braces
/// written as escapes) still have every reference found.
struct ReferenceBoundTests {
    @Test func valuesRepeatedOrEscapedKeepEveryReference() throws {
        var text = "pipeline: p\ntasks:\n  a:\n    run: &cmd \"echo {{ run.id }} {{ run.date }}\"\n"
        for index in 0..<40 { text += "  b\(index):\n    run: *cmd\n    env: { E: \"\\x7b\\x7b run.id }} \\u007b{ run.date }}\" }\n" }
        let spec = SpecParser.parse(text, file: "p.yaml").spec
        #expect(spec.tasks.count == 41)
        let contracts = PipelineContracts.build(spec, graph: TaskGraph(spec), files: MemoryFiles(files: [:]))
        #expect(ContractsBuilder(spec: spec, graph: TaskGraph(spec)).referenceBound() == 2)
        for task in spec.tasks.indices.dropFirst() {
            #expect(contracts.references[task].map(\.scanned.dotted) == ["run.id", "run.date", "run.id", "run.date"])
        }
    }
}
