import ArgumentParser
import Foundation
import SluiceColumnar
import SluiceCompiler
import SluicePlan
import SluiceSpec

/// `sluice plan SPEC [-o FILE]`: the checked, lowered plan as JSON. Wiring
/// only; lowering lives in `SluiceCompiler.PlanBuilder`.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a spec and print its execution plan as JSON.",
        discussion: """
            The plan lists tasks in topological order (ties by name) with params resolved, every \
            reference recorded structurally and no secret values. Identical input gives identical \
            bytes. `sluice run plan.json` runs it. Exit status: 0, 1 when the spec has errors, 2 \
            on usage or I/O errors.
            """
    )

    @Argument(help: "A pipeline spec (.yaml).")
    var spec: String

    @Option(name: .shortAndLong, help: "Write the plan to FILE (atomically) instead of standard output.")
    var output: String?

    @Option(name: .customLong("param"), help: "Override a param: key.path=value, typed by the value it replaces. Repeatable.")
    var params: [String] = []

    @Option(help: "Colour diagnostics: auto, always or never.")
    var color: ColorChoice = .auto

    /// What was asked, as plain values.
    var job: PlanJob {
        PlanJob(spec: spec, output: output, params: params, color: color)
    }

    func run() throws {
        try job.run()
    }

    /// The argv fast path, as `LintCommand.fastPath`: reads the common
    /// command lines of this command (`arguments` are those after `plan`:
    /// one spec, `-o`/`--output`, `--param`, `--color`, read by
    /// `OutputCommandLine` as for `graph`) without
    /// ArgumentParser, whose set-up scans every protocol conformance of the
    /// binary (about 8M instructions, docs/speed.md "fixed"). Anything else
    /// (help, an unknown or repeated option, a bad value, `--`, a second
    /// spec) gives nil, and ArgumentParser reads it as before, errors
    /// included. `PlanFastPathTests` holds both readings equal over every
    /// form this accepts.
    static func fastPath(_ arguments: [String]) -> PlanJob? {
        guard let line = OutputCommandLine(arguments), line.operands.count == 1, let spec = line.operands.first else { return nil }
        return PlanJob(spec: spec, output: line.output, params: line.params, color: line.color)
    }
}

/// One `sluice plan` invocation, apart from how its command line was read:
/// by ArgumentParser, or by `PlanCommand.fastPath`.
struct PlanJob: Equatable, FastPathJob {
    var spec: String
    var output: String?
    var params: [String] = []
    var color: ColorChoice = .auto

    func run() throws {
        // Before reading, as lint does: the checked model of a large spec is tens of megabytes of fresh heap.
        MemoryTuning.prepareHeap(forSpecsAt: [spec])
        let loaded = try PlanLoading.loadForWriting(spec, paramOverrides: params, color: color)
        // Written a few MiB at a time from storage reused piece after piece
        // (page-aligned for the direct write), each chunk of tasks lowered
        // just before its JSON and dropped after: the whole text beside the
        // second thread's half was 20 MB of fresh memory, and the lowered
        // plan 10 MB more, slower to touch here than the text is to write
        // (docs/speed.md, "plan2" and "plan3").
        let threads = WorkThreads.automatic.count(forTasks: loaded.tasks.count)
        func writeJSON(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
            try Plan.writeJSONPieces(of: AtomicFileWriter.directWriteMinimum, threads: threads, head: loaded.head(),
                                     tasks: loaded.tasks, emit)
        }
        guard let output else {
            try writeJSON { Terminal.write($0, to: STDOUT_FILENO) }
            exitWithoutTeardown(.success, keeping: loaded)
        }
        do {
            try AtomicFile.withWriter(to: output, specialTarget: .writeThrough) { file in
                // Each piece is written on a thread of its own while the next is made.
                try file.writeStreamedPiecesBeside { emit in try writeJSON(emit) }
            }
        } catch {
            throw failUsageOrIO("\(output): \(error)")
        }
        exitWithoutTeardown(.success, keeping: loaded)
    }
}
