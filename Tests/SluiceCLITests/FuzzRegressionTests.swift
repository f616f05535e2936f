import Foundation
import Testing

/// Every input in Fixtures/fuzz/<target>/ (crashes scripts/fuzz found, and
/// hostile inputs written by hand) goes through the same code the fuzzer
/// drives, in the plain `sluice-fuzz` build: a trap, a failed round trip or
/// a hang fails the test.
@Suite struct FuzzRegressionTests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/fuzz")

    static var replayBinary: URL {
        CLI.binary.deletingLastPathComponent().appendingPathComponent("sluice-fuzz")
    }

    @Test(arguments: ["spec", "table", "arrow"])
    func fixturesReplayCleanly(target: String) throws {
        let directory = Self.fixtures.appendingPathComponent(target)
        let inputs = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
        #expect(inputs.count >= 5, "the \(target) regression corpus has gone missing")
        for input in inputs {
            let outcome = try CLI.execute(Self.replayBinary, [target, directory.appendingPathComponent(input).path], cwd: CLI.packageRoot)
            #expect(outcome.status == 0 && !outcome.crashed, "\(target)/\(input): exit \(outcome.status)\n\(outcome.stderr.suffix(2000))")
        }
    }

    /// The replay driver itself must notice a failure, or the test above proves nothing.
    @Test func replayDriverReportsAMissingInput() throws {
        let outcome = try CLI.execute(Self.replayBinary, ["spec", "/nonexistent/input"], cwd: CLI.packageRoot)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("cannot read /nonexistent/input"))
    }
}
