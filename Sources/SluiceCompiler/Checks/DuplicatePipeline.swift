import SluiceDiagnostics
import SluiceSpec

/// `duplicate-pipeline`: two specs linted together declare the same pipeline
/// id. Reported at every later declaration, pointing back at the first.
enum DuplicatePipeline {
    static func check(_ project: Project) -> [Diagnostic] {
        var first: [String: PipelineSpec] = [:]
        var found: [Diagnostic] = []
        for spec in project.specs {
            guard let id = spec.pipeline else { continue }
            guard let earlier = first[id.value], let earlierID = earlier.pipeline else {
                first[id.value] = spec
                continue
            }
            found.append(Diagnostic(
                file: spec.file, range: id.range, rule: .duplicatePipeline,
                message: "pipeline \"\(id.value)\" is already declared in \(earlier.file)",
                notes: ["first declared at \(earlier.file):\(earlierID.range.start.line):\(earlierID.range.start.column)"],
                help: "give this pipeline another id"))
        }
        return found
    }
}
