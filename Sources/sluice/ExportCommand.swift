import ArgumentParser
import Foundation
import SluiceColumnar
import SluiceExport
import SluicePlan

/// `sluice export airflow SPEC... -o DIR`: wiring only; the DAG files come
/// from `SluiceExport.AirflowExporter`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export pipelines to another engine.",
        subcommands: [ExportAirflowCommand.self]
    )
}

struct ExportAirflowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airflow",
        abstract: "Write Apache Airflow 3 DAG files for pipeline specs.",
        discussion: """
            Writes, into DIR: one DAG file and one plan (.plan.json) per pipeline, the shared \
            runtime module sluice_airflow.py, and sluice_pools.json (load it with \
            `airflow pools import`). Every Airflow task runs `sluice task-run`, so workers need \
            the sluice binary on PATH (or SLUICE_BIN) and the workspace at --workspace.
            """
    )

    @Argument(help: "Pipeline specs (.yaml) or plans (.json).")
    var specs: [String]

    @Option(name: .shortAndLong, help: "The DAGs folder to write into (created if missing).")
    var output: String

    @Option(help: "The pipelines' workspace on the Airflow workers (absolute). Default: each spec's workspace here.")
    var workspace: String?

    @Option(help: "Colour diagnostics: auto, always or never.")
    var color: ColorChoice = .auto

    func run() throws {
        // The workers resolve the workspace against no directory of ours.
        if let workspace, !workspace.hasPrefix("/") {
            throw failUsageOrIO("--workspace \(workspace.debugDescription) must be an absolute path (where the workspace is on the Airflow workers)")
        }
        var files: [ExportedFile] = []
        var plans: [(Plan, String)] = []
        for spec in specs {
            let plan = try PlanLoading.load(spec, color: color)
            if let reason = AirflowExporter.unsupported(plan) { throw failUsageOrIO("\(spec): \(reason)") }
            let here = FileManager.default.currentDirectoryPath
            let absolute = plan.workspace.hasPrefix("/") ? plan.workspace : here + "/" + plan.workspace
            plans.append((plan, workspace ?? URL(fileURLWithPath: absolute).standardizedFileURL.path))
        }
        if workspace == nil {
            // A path of this machine is baked into the DAGs: say which, so a wrong one is seen before deploying.
            for (plan, baked) in plans {
                FileHandle.standardError.write(Data("pipeline \(plan.pipeline): workspace \(baked) (no --workspace given; SLUICE_WORKSPACE overrides it on the workers)\n".utf8))
            }
        }
        var seen = Set<String>()
        do {
            for (plan, workspace) in plans where seen.insert(plan.pipeline).inserted {
                let exported = try AirflowExporter(workspace: workspace).export([plan])
                files += exported.filter { !$0.name.hasPrefix("sluice_") }
            }
            files += try AirflowExporter(workspace: "").export(plans.map(\.0)).filter { $0.name.hasPrefix("sluice_") }
        } catch {
            // Nothing is written: a DAG that Airflow would run differently is not exported at all.
            writeErr("error: \(error.description)\n")
            throw ExitStatus.failure.code
        }
        // Other pipelines' pools, exported before into the same folder, stay. Read through a
        // symlink, as the files are written through one (a deployment may link them).
        let poolsPath = output + "/sluice_pools.json"
        if FileManager.default.fileExists(atPath: poolsPath), let index = files.firstIndex(where: { $0.name == "sluice_pools.json" }) {
            do {
                let existing = String(decoding: try RegularFile.read(poolsPath, limit: 16 << 20), as: UTF8.self)
                files[index].contents = try AirflowExporter.mergePools(files[index].contents, into: existing, file: poolsPath)
            } catch {
                throw failUsageOrIO("\(error)")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for file in files {
                try AtomicFile.write(file.contents, to: output + "/" + file.name, specialTarget: .writeThrough)
            }
        } catch {
            throw failUsageOrIO("\(output): \(error)")
        }
        let names = files.map(\.name).joined(separator: ", ")
        writeErr("wrote \(files.count) files to \(output): \(names)\n")
    }
}
