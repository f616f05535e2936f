import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A writer killed with SIGKILL at random moments: the target always holds a
/// complete table (previous or new), and temporary files never pile up.
@Suite(.serialized)
struct CrashTests {
    static let rowsPerTable = 60_000
    static let schema = TableSchema([("generation", .int64), ("payload", .string)])

    /// Writes one whole table whose every row carries `generation`.
    static func writeGeneration(_ generation: Int64, to path: String) throws {
        try ArrowFile.withTableWriter(to: path, schema: schema, rowsPerBatch: 20_000) { writer in
            for row in 0..<rowsPerTable {
                try writer.append(row: [.int64(generation), .string("row \(row) of generation \(generation)")])
            }
        }
    }

    /// The generation the target holds, checking that it is complete.
    private func committedGeneration(_ path: String) throws -> Int64? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let (schema, batches) = try ArrowReader.readAll(path: path)
        #expect(schema == Self.schema)
        #expect(batches.reduce(0) { $0 + $1.rowCount } == Self.rowsPerTable, "a partial table was visible")
        let generations = Set(batches.flatMap { batch in (0..<batch.rowCount).map { batch.columns[0].value(at: $0) } })
        #expect(generations.count == 1, "rows of several generations in one file")
        guard case .int64(let generation)? = generations.first else { return nil }
        return generation
    }

    @Test func killedWritersNeverLeavePartialFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("table.arrow")
        let clock = ContinuousClock()
        let oneWrite = try clock.measure { try Self.writeGeneration(0, to: path) }  // also warms up the child's code paths
        // Kill anywhere from early in the first write to after a few commits.
        let writeMicros = Int(oneWrite.components.seconds) * 1_000_000 + Int(oneWrite.components.attoseconds / 1_000_000_000_000)
        // The window widens after a round in which the child committed nothing: on a
        // loaded machine the child writes slower than the measured write, and kills
        // that all land inside its first write would test only half of the property.
        var latestKill = max(2_000, writeMicros * 5 / 2)
        var generator = SeededGenerator(seed: 2024)
        var lastSeen: Int64 = 0
        var distinct = Set<Int64>()
        for round in 0..<50 {
            let start = lastSeen + 1
            let pid = fork()
            if pid == 0 {
                alarm(30)  // a child that somehow hangs still ends
                var generation = start
                while true {
                    try? Self.writeGeneration(generation, to: path)
                    generation += 1
                }
            }
            try #require(pid > 0, "fork failed")
            usleep(UInt32.random(in: 1_000...UInt32(latestKill), using: &generator))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let seen = try committedGeneration(path)
            #expect(seen != nil, "round \(round): the target vanished")
            if (seen ?? 0) < start { latestKill = min(latestKill * 3 / 2, 2_000_000) }
            lastSeen = max(lastSeen, seen ?? 0)
            distinct.insert(seen ?? 0)
            let temporaries = directory.entries.filter { $0.contains(".sluice-tmp-") }
            #expect(temporaries.count <= 1, "round \(round): temporary files piled up: \(temporaries)")
        }
        #expect(distinct.count > 5, "the child rarely committed; kills did not land between and during writes")
        try Self.writeGeneration(lastSeen + 1, to: path)
        #expect(directory.entries == ["table.arrow"])
    }
}
