import ArgumentParser
import Foundation
import SluiceBasics
import SluiceColumnar
import SluiceCompiler
import SluiceGraph
import SluicePlan
import SluiceSpec

/// `sluice graph SPEC...`: draw pipelines. Wiring only: PlanLoading makes
/// the plans, RunOverlayLoader reads a run, SluiceGraph draws, and Graphviz's
/// `dot` turns DOT into SVG or PNG.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a pipeline: DOT, SVG, PNG, Mermaid or ASCII.",
        discussion: """
            Several specs are drawn together, one cluster (or subgraph) per pipeline. svg and png \
            need Graphviz's `dot` on the PATH. --run colours each task by its state in a run of \
            that pipeline (`latest` is the newest). Exit status: 0 drawn, 1 a spec has errors, \
            2 usage or I/O error. See docs/graph.md.
            """
    )

    @Argument(help: "Spec files (or plan JSON files) to draw.")
    var specs: [String]

    @Option(help: "dot, svg, png, mermaid or ascii.")
    var format: GraphFormat = .dot

    @Option(name: [.short, .customLong("output")], help: "Write to FILE instead of stdout.")
    var output: String?

    @Option(name: .customLong("run"), help: ArgumentHelp("Colour tasks by their state in this run.", valueName: "RUN_ID"))
    var runID: String?

    @Option(name: .customLong("param"), help: "Override a param, as for plan and run (the drawing does not depend on params). Repeatable.")
    var params: [String] = []

    @Option(help: "Colour diagnostics: auto, always or never.")
    var color: ColorChoice = .auto

    /// Width the ASCII drawing must fit; wider pipelines are listed by layer.
    static let terminalColumns = 80

    func validate() throws {
        if specs.isEmpty { throw ValidationError("name at least one spec file to draw") }
    }

    /// What was asked, as plain values.
    var job: GraphJob {
        GraphJob(specs: specs, format: format, output: output, runID: runID, params: params, color: color)
    }

    func run() throws {
        try job.run()
    }

    /// The argv fast path, as `LintCommand.fastPath`: reads the common
    /// command lines of this command (`arguments` are those after `graph`:
    /// specs, `--format`, `-o`/`--output`, `--run`, `--param`, `--color`)
    /// without ArgumentParser, whose set-up scans every protocol conformance
    /// of the binary (about 8M instructions, docs/speed.md "fixed"). Anything
    /// else (help, no spec, an unknown or repeated option, a bad value, `--`)
    /// gives nil, and ArgumentParser reads it as before, errors and
    /// `validate()` included. `GraphFastPathTests` holds both readings equal
    /// over every form this accepts.
    static func fastPath(_ arguments: [String]) -> GraphJob? {
        guard let line = OutputCommandLine(arguments, singleOptions: ["--format", "--run"]),
              !line.operands.isEmpty else { return nil }  // no spec is `validate()`'s error to give
        var job = GraphJob(specs: line.operands, output: line.output, runID: line.single["--run"], params: line.params, color: line.color)
        if let format = line.single["--format"] {
            guard let known = GraphFormat(rawValue: format) else { return nil }
            job.format = known
        }
        return job
    }
}

/// One `sluice graph` invocation, apart from how its command line was read:
/// by ArgumentParser, or by `GraphCommand.fastPath`.
struct GraphJob: Equatable, FastPathJob {
    var specs: [String]
    var format: GraphFormat = .dot
    var output: String?
    var runID: String?
    var params: [String] = []
    var color: ColorChoice = .auto

    /// Threads that may write a large drawing: two when the process may run
    /// on two CPUs, as for the parse and lint's checks.
    private var drawingThreads: Int { CPUAffinity.mayUseTwoCPUs() ? 2 : 1 }

    func run() throws {
        // Before reading, as lint does: the checked model of a large spec is tens of megabytes of fresh heap.
        MemoryTuning.prepareHeap(forSpecsAt: specs)
        let loaded = try buildPlans()
        let plans = loaded.map(\.plan)
        let subjects = try overlay(plans)
        // Written from the renderer's own buffer: no copy into an array.
        let drawing: ByteBuffer
        switch format {
        case .dot: drawing = DOTRenderer.renderBytes(subjects, threads: drawingThreads)
        case .mermaid: drawing = MermaidRenderer.renderBytes(subjects)
        case .ascii: drawing = Self.bytes(ASCIIRenderer.render(subjects, width: GraphCommand.terminalColumns).utf8)
        case .svg, .png:
            if format == .png, output == nil, isatty(STDOUT_FILENO) == 1 {
                throw failUsageOrIO("PNG is binary: write it to a file with -o FILE (or redirect stdout)")
            }
            let tasks = plans.reduce(0) { $0 + $1.tasks.count }
            if tasks > Graphviz.slowLayoutTasks {
                // Graphviz's layout grows far faster than the task count (scripts/bench-graph).
                writeErr("note: Graphviz may take minutes to lay out \(tasks) tasks; --format dot is immediate\n")
            }
            drawing = Self.bytes(try Graphviz.render(DOTRenderer.renderUTF8(subjects, threads: drawingThreads), format: format.rawValue))
        }
        try drawing.withBytes { try write(UnsafeRawBufferPointer($0)) }
        exitWithoutTeardown(.success, keeping: loaded, subjects, drawing)
    }

    /// Every spec's (or plan JSON's) plan. Diagnostics go to stderr, as
    /// PlanLoading prints them for `plan` and `run`, since stdout carries
    /// the drawing; every spec with errors is reported before exiting 1.
    private func buildPlans() throws -> [LoadedPlan] {
        var plans: [LoadedPlan] = []
        var failed = false
        for spec in specs {
            do {
                // Only what a drawing reads is lowered (no SHA-256 of the spec, no templates or settings).
                plans.append(try PlanLoading.loadKeepingModel(spec, paramOverrides: params, color: color, detail: .drawing))
            } catch let code as ExitCode where code == ExitStatus.failure.code {
                failed = true
            }
        }
        if failed { throw ExitStatus.failure.code }
        return plans
    }

    private func overlay(_ plans: [Plan]) throws -> [GraphSubject] {
        guard let runID else { return plans.map { GraphSubject(plan: $0) } }
        var subjects: [GraphSubject] = []
        do {
            for plan in plans {
                let overlay = try RunOverlayLoader.load(plan: plan, runID: runID) { warning in
                    writeErr("warning: \(warning)\n")
                }
                subjects.append(GraphSubject(plan: plan, overlay: overlay))
            }
        } catch {
            throw failUsageOrIO(error.description)
        }
        guard subjects.contains(where: { $0.overlay != nil }) else {
            let places = plans.map { RunOverlayLoader.runsDirectory($0) }.joined(separator: ", ")
            let what = runID == "latest" ? "no runs" : "no run \"\(runID)\""
            throw failUsageOrIO("\(what) of \(plans.map { "\"\($0.pipeline)\"" }.joined(separator: ", ")) (looked in \(places))")
        }
        return subjects
    }

    /// A drawing made as a string (ASCII) or by Graphviz (SVG, PNG), in the buffer the others are written into.
    private static func bytes(_ drawing: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer()
        let copied: Void? = drawing.withContiguousStorageIfAvailable { buffer.append($0) }
        if copied == nil { Array(drawing).withUnsafeBufferPointer { buffer.append($0) } }
        return buffer
    }

    private func write(_ data: UnsafeRawBufferPointer) throws {
        guard let output else {
            Terminal.write(data, to: STDOUT_FILENO)
            return
        }
        do {
            try AtomicFile.write(data, to: output, specialTarget: .writeThrough)
        } catch {
            throw failUsageOrIO("cannot write \(output): \(error)")
        }
    }
}

extension GraphFormat: ExpressibleByArgument {}

/// Graphviz's `dot`, run once per drawing. Foundation's Process is enough
/// for one short-lived child; the DOT goes through a temporary file so
/// neither side can block on a full pipe, and dot's own messages reach the
/// user's stderr unchanged.
enum Graphviz {
    /// Above this many tasks a layered pipeline takes `dot` minutes rather
    /// than seconds (about 5 s at 100 tasks, minutes at 200, in scripts/bench-graph's shape).
    static let slowLayoutTasks = 150

    static let installHelp = "install Graphviz with `apt-get install graphviz` (Debian, Ubuntu) or `brew install graphviz` (macOS), or use --format dot"

    static func render(_ dot: [UInt8], format: String) throws -> Data {
        guard let executable = findOnPath("dot") else {
            throw failUsageOrIO("--format \(format) needs Graphviz's `dot`, which is not on the PATH: \(installHelp)")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-graph-\(UUID().uuidString).dot")
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-T" + format, input.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        do {
            try Data(dot).write(to: input)
            try process.run()
        } catch {
            throw failUsageOrIO("cannot run \(executable): \(error)")
        }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw failUsageOrIO("\(executable) -T\(format) failed (status \(process.terminationStatus))")
        }
        return data
    }

    /// The first executable `name` in a `PATH` directory.
    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(directory) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
