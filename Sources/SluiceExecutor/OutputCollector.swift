import Foundation
import SluiceColumnar
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// After an attempt exits 0: reads its scalar outputs, turns its staged
/// tables into Arrow files, moves its staged files into place, and writes
/// `outputs.json`. Any broken promise fails the attempt with an `OutputError`
/// naming the output (and the row and column for a table).
struct OutputCollector {
    let task: PlanTask
    let key: InstanceKey
    /// The attempt's staging prefix within the run's staging directory (`fetch.2.try1.`).
    let relativePrefix: String
    /// The run's record directories: outputs land in `outputs/<task>[/<index>]/`, opened without following symlinks.
    let records: RunRecordDirectories
    let workspace: String
    let masker: SecretMasker
    /// What the tables' data checks found, for the attempt's journal line;
    /// nil for a task without checks (most: a lock and an object fewer an attempt).
    let checkLog: TableCheckLog?

    init(task: PlanTask, key: InstanceKey, relativePrefix: String, records: RunRecordDirectories, workspace: String, masker: SecretMasker) {
        self.task = task
        self.key = key
        self.relativePrefix = relativePrefix
        self.records = records
        self.workspace = workspace
        self.masker = masker
        checkLog = task.outputs.contains { !$0.checks.isEmpty } ? TableCheckLog() : nil
    }

    /// The open staging directory the attempt's files are read and removed through.
    private var runDirectory: Int32 { records.staging.fd }
    /// The staging prefix as a path that resolves to that very directory: only
    /// tables and files need it (their messages and readers), so it is made then.
    private var stagingPrefix: String { records.staging.pinned(relativePrefix) }

    /// The environment variables naming an attempt's staging files, in
    /// order: each variable's name and its file's name after the attempt's
    /// staging prefix (`SLUICE_OUTPUTS` and `outputs` first). Handed to
    /// `body` one by one, so the caller writes each path from its pieces.
    static func forEachStagingVariable(_ task: PlanTask, _ body: (_ name: String, _ file: String) -> Void) {
        body("SLUICE_OUTPUTS", "outputs")
        for output in task.outputs {
            switch output.type {
            case .table: body("SLUICE_TABLE_" + output.name.uppercased(), "table." + output.name)
            case .file: body("SLUICE_FILE_" + output.name.uppercased(), "file." + output.name)
            default: break
            }
        }
    }

    /// An instance's outputs in declaration order, a branch task's undeclared
    /// `branch` last: as `outputs.json`, the journal and `task-run` show them.
    static func ordered(_ task: PlanTask, _ values: [String: JSON]) -> JSON {
        let branch = values[OutputsFile.branchOutput] != nil && task.output(OutputsFile.branchOutput) == nil ? [OutputsFile.branchOutput] : []
        return .object((task.outputs.map(\.name) + branch).compactMap { name in values[name].map { (name, $0) } })
    }

    /// The outputs as downstream tasks see them (tables and files as absolute paths).
    func collect() throws(OutputError) -> [String: JSON] {
        var values = try scalarOutputs()
        let artifacts = task.outputs.filter { $0.type.isArtifact }
        guard !artifacts.isEmpty || !values.isEmpty || !task.outputs.isEmpty || task.branch != nil else {
            removeStaging(outputsFileRead: true)
            return values
        }
        let place: RecordDirectory
        do { place = try records.outputDirectory(key) } catch { throw OutputError(error.message) }
        for output in artifacts {
            if let columns = output.type.tableColumns {
                values[output.name] = .string(try ingestTable(output.name, columns, in: place))
            } else {
                values[output.name] = .string(try placeFile(output, in: place))
            }
        }
        if !task.outputs.isEmpty || task.branch != nil { try writeRecord(values, in: place) }
        removeStaging(outputsFileRead: true)
        return values
    }

    func removeStaging(outputsFileRead: Bool = false) {
        if !outputsFileRead { RunFiles.remove(relativePrefix + "outputs", relativeTo: runDirectory) }
        for output in task.outputs {
            switch output.type {
            case .table: RunFiles.remove(relativePrefix + "table." + output.name, relativeTo: runDirectory)
            case .file: RunFiles.remove(relativePrefix + "file." + output.name, relativeTo: runDirectory)
            default: break
            }
        }
    }

    private func scalarOutputs() throws(OutputError) -> [String: JSON] {
        var declared: [String: ValueType] = [:]
        for output in task.outputs where !output.type.isArtifact { declared[output.name] = output.type }
        if task.branch != nil, declared[OutputsFile.branchOutput] == nil { declared[OutputsFile.branchOutput] = .json }
        let artifacts = Set(task.outputs.filter { $0.type.isArtifact }.map(\.name))
        let file: [UInt8]?
        do throws(FileSystemError) {
            // The task wrote this path: a symlink is not followed, a FIFO or device is refused, the size is bounded.
            file = try RegularFile.read(relativePrefix + "outputs", relativeTo: runDirectory, followingSymlinks: false,
                                        limit: OutputsFile.sizeLimit)
            RunFiles.remove(relativePrefix + "outputs", relativeTo: runDirectory)
        } catch where error.errno == ENOENT {
            file = nil
        } catch {
            throw OutputError(error.naming("$SLUICE_OUTPUTS").description)
        }
        // No file is no values (most tasks write none): nothing to parse.
        let values = try file.map { bytes throws(OutputError) in
            try OutputsFile.parse(String(decoding: bytes, as: UTF8.self), declared: declared, artifacts: artifacts, masker: masker)
        } ?? [:]
        if let bytes = file, let offset = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
            // Decoding replaced the bad bytes with U+FFFD: the value holding one names the output.
            let damaged = values.filter { $0.value.compact().contains("\u{FFFD}") }.keys.sorted().first
            throw OutputError((damaged.map { "output \"\($0)\" is" } ?? "$SLUICE_OUTPUTS is")
                              + " not valid UTF-8 (byte \(offset + 1) of $SLUICE_OUTPUTS); write text as UTF-8, or bytes as a file output")
        }
        let missing = declared.keys.filter { values[$0] == nil }.sorted()
        if let first = missing.first {
            let all = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            if first == OutputsFile.branchOutput, task.branch != nil {
                throw OutputError("branch task \"\(task.id)\" did not write its output \"branch\" (one of \(task.branch?.joined(separator: ", ") ?? "")) to $SLUICE_OUTPUTS")
            }
            throw OutputError("the task did not write output\(missing.count == 1 ? "" : "s") \(all) to $SLUICE_OUTPUTS")
        }
        return values
    }

    /// Returns the table's path as recorded (`place.path`); writes through the pinned path.
    private func ingestTable(_ name: String, _ columns: [SluicePlan.TableColumn], in place: RecordDirectory) throws(OutputError) -> String {
        let staged = stagingPrefix + "table." + name
        let variable = "$SLUICE_TABLE_" + name.uppercased()
        guard RunFiles.exists(staged) else { throw OutputError("table output \"\(name)\": the task did not write \(variable)") }
        var schemaColumns: [SluiceColumnar.TableColumn] = []
        for column in columns {
            guard let type = ColumnType(rawValue: column.type.rawValue) else {
                throw OutputError("table output \"\(name)\": column type \(column.type.rawValue) is not supported")
            }
            schemaColumns.append(SluiceColumnar.TableColumn(name: column.name, type: type))
        }
        let schema = TableSchema(columns: schemaColumns)
        func write(_ target: String, observe: ((RecordBatch) -> Void)?) throws(OutputError) {
            do {
                try TableIngest.ingest(from: staged, format: .detect(path: staged, followingSymlinks: false), schema: schema, to: target,
                                       followingSymlinks: false, observe: observe)
            } catch {
                // Cells and header names are masked before the message quotes and shortens them.
                let described = (error as? IngestError)?.description(redacting: { masker.mask($0) }) ?? String(describing: error)
                let message = place.readable(masker.mask(described).replacingOccurrences(of: staged, with: variable))
                throw OutputError("table output \"\(name)\": \(message)")
            }
        }
        if let output = task.output(name), !output.checks.isEmpty {
            try ingestChecked(output, columns, schema: schema, in: place) { target, observe throws(OutputError) in try write(target, observe: observe) }
        } else {
            try write(place.pinned(name + ".arrow"), observe: nil)
        }
        return place.path + "/" + name + ".arrow"
    }

    private func placeFile(_ output: PlanOutput, in place: RecordDirectory) throws(OutputError) -> String {
        let staged = stagingPrefix + "file." + output.name
        let variable = "$SLUICE_FILE_" + output.name.uppercased()
        guard RunFiles.exists(staged) else { throw OutputError("file output \"\(output.name)\": the task did not write \(variable)") }
        let target: String, recorded: String
        if let path = output.path {
            target = try workspaceTarget(path, output: output.name)
            recorded = target
        } else {
            target = place.pinned(output.name)
            recorded = place.path + "/" + output.name
        }
        // Only a regular file is moved into place: a symlink could point anywhere, a FIFO would block its readers.
        let fd: Int32
        do throws(FileSystemError) {
            fd = try RegularFile.openForReading(staged, followingSymlinks: false).descriptor
        } catch {
            throw OutputError("file output \"\(output.name)\": \(error.naming(variable))")
        }
        // Content first, then the rename, then the directory: a reader sees the old file or the whole new one.
        _ = fsync(fd)
        close(fd)
        guard rename(staged, target) == 0 else {
            throw OutputError("file output \"\(output.name)\": cannot move it to \(recorded): \(SystemCalls.errorText())")
        }
        RunFiles.syncDirectory((target as NSString).deletingLastPathComponent)
        return recorded
    }

    /// A declared `path:` inside the workspace; a mapped instance gets its
    /// index before the extension (`report.md` → `report.2.md`) so instances
    /// never overwrite each other.
    private func workspaceTarget(_ path: String, output: String) throws(OutputError) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !path.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
            throw OutputError("file output \"\(output)\": path \"\(path)\" leaves the workspace")
        }
        var relative = parts.joined(separator: "/")
        if let index = key.mapIndex {
            let name = (relative as NSString).lastPathComponent
            let dir = (relative as NSString).deletingLastPathComponent
            let ext = (name as NSString).pathExtension
            let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
            let indexed = ext.isEmpty ? "\(stem).\(index)" : "\(stem).\(index).\(ext)"
            relative = dir.isEmpty ? indexed : dir + "/" + indexed
        }
        let target = workspace + "/" + relative
        let parent = (target as NSString).deletingLastPathComponent
        do { try RunFiles.makeDirectories(parent) } catch { throw OutputError(error.message) }
        // A symlinked directory could still lead outside: check where the parent really is.
        guard let real = RunFiles.realPath(parent), real == workspace || real.hasPrefix(workspace + "/") else {
            throw OutputError("file output \"\(output)\": path \"\(path)\" leads outside the workspace")
        }
        return target
    }

    private func writeRecord(_ values: [String: JSON], in place: RecordDirectory) throws(OutputError) {
        let text = masker.mask(Self.ordered(task, values)).pretty()
        do { try place.writeAtomically(text, to: "outputs.json") } catch { throw OutputError(error.message) }
    }
}
