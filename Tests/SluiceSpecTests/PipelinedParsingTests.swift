import Foundation
import SluiceDiagnostics
@testable import SluiceSpec
import SluiceTestSupport
import Testing

/// libyaml on a second thread (`EventPipeline`) must read every input exactly
/// as the one-thread loop does: the same tree, positions, diagnostics and
/// spec, whatever the input and wherever it goes wrong.
struct PipelinedParsingTests {
    static let sequential: YAMLLimits = {
        var limits = YAMLLimits()
        limits.parallelParsingBytes = .max
        return limits
    }()

    static let pipelined: YAMLLimits = {
        var limits = YAMLLimits()
        limits.parallelParsingBytes = 0
        return limits
    }()

    /// Inputs made to go wrong at every stage, several of them past one ring of events.
    static let synthetic: [(name: String, text: String)] = {
        let tasks = (0..<3000).map { "  t\($0):\n    run: echo {{ params.k }} \($0)\n    needs: [t\(max(0, $0 - 1))]\n" }.joined()
        let large = "pipeline: big\nparams: { k: 1 }\ntasks:\n" + tasks
        let nested = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        var laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            laughs += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        return [
            ("empty", ""),
            ("only a comment", "# nothing\n"),
            ("a large valid spec", large),
            ("a syntax error past the ring", large + "  broken: [unclosed\n"),
            ("a syntax error at the start", "pipeline: [\n" + tasks),
            ("too deep", nested),
            ("too deep after many events", large + "  deep: " + nested + "\n"),
            ("an alias bomb", laughs),
            ("an unknown alias late", large + "  late: *nowhere\n"),
            ("duplicate keys and merges", large + "  t5:\n    run: again\n  base: &b { run: x }\n  merged:\n    <<: *b\n"),
            ("two documents", large + "---\npipeline: second\n"),
            ("a tab where indentation goes", "pipeline: p\ntasks:\n\tt: {}\n"),
        ]
    }()

    @Test func everyRepositorySpecReadsTheSameOnOneThreadOrTwo() throws {
        let files = RepositorySpecs.yamlFiles()
        #expect(files.count > 50)
        for url in files {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            try expectSameReading(text, name: url.lastPathComponent)
        }
    }

    @Test(arguments: PipelinedParsingTests.synthetic.map(\.name))
    func syntheticInputsReadTheSameOnOneThreadOrTwo(_ name: String) throws {
        let text = try #require(Self.synthetic.first { $0.name == name }?.text)
        try expectSameReading(text, name: name)
    }

    @Test func aFailureLateInALargeFileIsReportedWhereItIs() {
        let text = Self.synthetic.first { $0.name == "a syntax error past the ring" }?.text ?? ""
        let document = YAMLParser.parse(text, file: "big.yaml", limits: Self.pipelined)
        let lastLine = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(document.root == nil)
        #expect(document.diagnostics.map(\.rule) == [.yamlSyntax])
        #expect(document.diagnostics.first.map { $0.range.start.line >= lastLine - 1 } == true)
    }

    /// Many parsers at once, each with its own thread: nothing shared between them.
    @Test func concurrentParsesDoNotDisturbEachOther() async {
        let text = Self.synthetic.first { $0.name == "a large valid spec" }?.text ?? ""
        let expected = SpecParser.parse(text, file: "big.yaml", limits: Self.sequential).spec.tasks.map(\.name.value)
        await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { SpecParser.parse(text, file: "big.yaml", limits: Self.pipelined).spec.tasks.map(\.name.value) }
            }
            for await names in group { #expect(names == expected) }
        }
    }

    func expectSameReading(_ text: String, name: String) throws {
        let one = YAMLParser.parse(text, file: "f.yaml", limits: Self.sequential)
        let two = YAMLParser.parse(text, file: "f.yaml", limits: Self.pipelined)
        #expect(one.diagnostics == two.diagnostics, "\(name): diagnostics differ")
        #expect(one.root.map(Self.dump) == two.root.map(Self.dump), "\(name): trees differ")
        let specOne = SpecParser.parse(text, file: "f.yaml", limits: Self.sequential)
        let specTwo = SpecParser.parse(text, file: "f.yaml", limits: Self.pipelined)
        #expect(specOne.diagnostics == specTwo.diagnostics, "\(name): spec diagnostics differ")
        #expect(specOne.spec.tasks.map(\.name) == specTwo.spec.tasks.map(\.name), "\(name): tasks differ")
        #expect(specOne.spec.tasks.map { $0.run?.scalar?.text } == specTwo.spec.tasks.map { $0.run?.scalar?.text }, "\(name): commands differ")
    }

    /// A node with every position, tag and text, as one line per node.
    static func dump(_ node: YAMLNode) -> String {
        var lines: [String] = []
        func walk(_ node: YAMLNode, _ depth: Int) {
            let at = "\(node.range.start.line):\(node.range.start.column)-\(node.range.end.line):\(node.range.end.column) \(node.tag ?? "")"
            let indent = String(repeating: " ", count: depth)
            switch node.content {
            case .scalar(let scalar): lines.append("\(indent)scalar \(at) \(scalar.style) \(scalar.text.debugDescription)")
            case .sequence(let items):
                lines.append("\(indent)sequence \(at)")
                for item in items { walk(item, depth + 1) }
            case .mapping(let pairs):
                lines.append("\(indent)mapping \(at)")
                for pair in pairs {
                    walk(pair.key, depth + 1)
                    walk(pair.value, depth + 2)
                }
            }
        }
        walk(node, 0)
        return lines.joined(separator: "\n")
    }
}
