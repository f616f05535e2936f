import Foundation
import Testing
@testable import sluice

/// `sluice run` and `task-run` read the environment from `environ` themselves,
/// with `ProcessInfo.environment`'s reading.
@Suite struct ProcessEnvironmentTests {
    @Test func theProcessEnvironmentReadsAsFoundationReadsIt() {
        #expect(ProcessEnvironment.current() == ProcessInfo.processInfo.environment)
    }

    /// An entry without `=` is skipped, a value keeps any later `=`, an empty
    /// value or name is kept, and a name given twice keeps its last value.
    @Test func entriesAreSplitAtTheirFirstEqualsSignAndTheLastOfANameWins() {
        let texts = ["A=1", "NOEQUALS", "B=x=y", "C=", "=anonymous", "A=2", "É=é"]
        let entries: [UnsafeMutablePointer<CChar>?] = texts.map { (text: String) in strdup(text) }
        defer { entries.forEach { free($0) } }
        let vector = entries + [nil]
        let parsed = vector.withUnsafeBufferPointer { buffer in buffer.baseAddress.map(ProcessEnvironment.parse) }
        #expect(parsed == ["A": "2", "B": "x=y", "C": "", "": "anonymous", "É": "é"])
    }
}
