import Testing
import SluicePlan
@testable import SluiceExecutor

/// `env_file` and `$SLUICE_OUTPUTS` read CRLF text as they read LF text.
struct LineEndingReadersTests {
    static let env = "# settings\nexport A=1\nB=two  # the default\nC=\"quoted # kept\"\nD='x'  # after quotes\nE=a#b\nF=\n"

    @Test func envFileReadsCRLFAsLF() throws {
        let lf = try EnvFile.parse(Self.env, name: ".env")
        let crlf = try EnvFile.parse(Self.env.replacingOccurrences(of: "\n", with: "\r\n"), name: ".env")
        let bom = try EnvFile.parse("\u{FEFF}" + Self.env, name: ".env")
        #expect(lf.map(\.0) == ["A", "B", "C", "D", "E", "F"])
        #expect(lf.map(\.1) == ["1", "two", "quoted # kept", "x", "a#b", ""])
        #expect(crlf.map(\.0) == lf.map(\.0) && crlf.map(\.1) == lf.map(\.1))
        #expect(bom.map(\.0) == lf.map(\.0) && bom.map(\.1) == lf.map(\.1))
    }

    @Test func textAfterAClosingQuoteIsAnErrorWithItsLine() {
        #expect(throws: EnvFile.Failure.self) { try EnvFile.parse("A=1\r\nB=\"x\" y\r\n", name: ".env") }
        do {
            _ = try EnvFile.parse("A=1\r\nB=\"x\" y\r\n", name: ".env")
        } catch {
            #expect(error.description.hasPrefix(".env:2: "), "\(error.description)")
        }
    }

    @Test func outputsFileReadsCRLF() throws {
        let declared: [String: ValueType] = ["rows": .int, "name": .string, "note": .string]
        let values = try OutputsFile.parse("rows=42\r\nname=north\r\nnote<<END\r\none\r\ntwo\r\nEND\r\n", declared: declared, masker: .noSecrets)
        #expect(values["rows"] == .int(42))
        #expect(values["name"] == .string("north"))
        #expect(values["note"] == .string("one\ntwo"))
    }
}
