import Foundation
import Testing

/// CRLF line endings and a UTF-8 byte order mark, through the real binary:
/// a spec, an `env_file` and `$SLUICE_OUTPUTS` written by Windows tools read
/// exactly as their LF twins do.
struct LineEndingsTests {
    /// Every example starts with this modeline comment, so a CRLF copy's first line is a comment.
    static let spec = """
        # yaml-language-server: $schema=../sluice.schema.json
        pipeline: windows_made
        tasks:
          report:
            needs: [lod]
            run: echo report

        """

    /// The same spec without the modeline: with a BOM, its first line is `pipeline:`.
    static var specWithoutModeline: String { String(spec.drop { $0 != "\n" }.dropFirst()) }

    static func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }

    @Test func lintOfAFolderFindsCRLFAndBOMSpecs() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.crlf(Self.spec).utf8).write(to: folder.appendingPathComponent("crlf.yaml"))
        try Data([0xEF, 0xBB, 0xBF] + Array(Self.specWithoutModeline.utf8)).write(to: folder.appendingPathComponent("bom.yaml"))
        let outcome = try CLI.run(["lint", folder.path, "--color", "never"])
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("crlf.yaml:5:13: error[unknown-task]"), "crlf.yaml was not linted:\n\(outcome.stdout)")
        #expect(outcome.stdout.contains("bom.yaml:4:13: error[unknown-task]"), "bom.yaml was not linted:\n\(outcome.stdout)")
        #expect(outcome.stdout.contains("2 files"), "\(outcome.stdout)")
    }

    /// Positions on a CRLF spec are those of its LF twin, and the source
    /// excerpt prints no stray carriage return.
    @Test func crlfPositionsAndExcerptsMatchLF() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.spec.utf8).write(to: folder.appendingPathComponent("lf.yaml"))
        try Data(Self.crlf(Self.spec).utf8).write(to: folder.appendingPathComponent("crlf.yaml"))
        let lf = try CLI.run(["lint", "lf.yaml", "--color", "never"], cwd: folder)
        let crlf = try CLI.run(["lint", "crlf.yaml", "--color", "never"], cwd: folder)
        #expect(lf.status == 1 && crlf.status == 1)
        #expect(crlf.stdout.replacingOccurrences(of: "crlf.yaml", with: "lf.yaml") == lf.stdout, "\(crlf.stdout)")
        #expect(!crlf.stdout.contains("\r"))
    }

    /// A BOM is not a character of line 1: a diagnostic there has the column
    /// it has without the BOM, and its excerpt and underline are those of the
    /// file without it (the BOM used to be printed, and the carets sat one
    /// column to the left of the token).
    @Test func bomDoesNotShiftLineOneColumns() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = "pipeline: Not An Id!\ntasks:\n  a:\n    run: echo a\n"
        try Data(spec.utf8).write(to: folder.appendingPathComponent("plain.yaml"))
        try Data([0xEF, 0xBB, 0xBF] + Array(spec.utf8)).write(to: folder.appendingPathComponent("bom.yaml"))
        for format in ["text", "json"] {
            let plain = try CLI.run(["lint", "plain.yaml", "--format", format, "--color", "never"], cwd: folder)
            let bom = try CLI.run(["lint", "bom.yaml", "--format", format, "--color", "never"], cwd: folder)
            #expect(plain.status == 1 && bom.status == 1)
            #expect(bom.stdout.replacingOccurrences(of: "bom.yaml", with: "plain.yaml") == plain.stdout, "\(bom.stdout)")
        }
    }

    /// `env_file` with CRLF endings: every variable is read alone (before,
    /// the first swallowed the file), and a `# comment` after an unquoted
    /// value is not part of it; inside quotes `#` is kept.
    @Test func envFileWithCRLFAndInlineComments() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write(".env", Self.crlf("""
            # settings
            FIRST=one
            SECOND=two  # the default
            HASH="a # b"
            URL=http://x/#frag

            """))
        try workspace.write("env.yaml", """
            pipeline: env_crlf
            env_file: .env
            tasks:
              show:
                run: printf '%s|%s|%s|%s' "$FIRST" "$SECOND" "$HASH" "$URL" > seen.txt

            """)
        let outcome = try workspace.run("env.yaml")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(workspace.read("seen.txt") == "one|two|a # b|http://x/#frag")
    }

    /// A task that writes `$SLUICE_OUTPUTS` with CRLF endings succeeds, and
    /// its values carry no carriage return.
    @Test func outputsFileWithCRLF() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("outputs.yaml", """
            pipeline: outputs_crlf
            tasks:
              produce:
                run: printf 'rows=42\\r\\nname=north\\r\\nnote<<END\\r\\nline one\\r\\nline two\\r\\nEND\\r\\n' > "$SLUICE_OUTPUTS"
                outputs: { rows: int, name: string, note: string }
              consume:
                needs: [produce]
                run: printf '%s|%s|%s' {{ produce.rows }} {{ produce.name }} {{ produce.note }} > got.txt

            """)
        let outcome = try workspace.run("outputs.yaml")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(workspace.read("got.txt") == "42|north|line one\nline two")
    }
}
