import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing

/// Damaged input must give an error naming the file, never a crash.
struct CorruptFileTests {
    private func validFile(_ format: ArrowWriter.Format = .file) throws -> [UInt8] {
        var generator = SeededGenerator(seed: 3)
        let rows = RandomTables.rows(everyTypeSchema, count: 40, using: &generator)
        let sink = InMemoryByteSink()
        let writer = try ArrowWriter(sink: sink, schema: everyTypeSchema, format: format)
        try writer.write(try RecordBatch(schema: everyTypeSchema, rows: Array(rows.prefix(25))))
        try writer.write(try RecordBatch(schema: everyTypeSchema, rows: Array(rows.dropFirst(25))))
        try writer.finish()
        return sink.bytes
    }

    /// Reads everything; returns the error, or nil if the bytes read cleanly.
    private func readError(_ bytes: [UInt8], in directory: TemporaryDirectory) throws -> Error? {
        let path = directory.file("damaged.arrow")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try readRows(path)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let bytes = try validFile()
        for length in 0..<bytes.count {
            let error = try readError(Array(bytes.prefix(length)), in: directory)
            #expect(error is ArrowFormatError, "length \(length): \(String(describing: error))")
            #expect("\(error.map { "\($0)" } ?? "")".contains("damaged.arrow"))
        }
    }

    @Test func truncatedStreamsAreErrorsToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let stream = try validFile(.stream)
        var cleanCuts = 0
        for length in 0..<stream.count {
            let error = try readError(Array(stream.prefix(length)), in: directory)
            // A cut exactly between messages is a valid shorter stream; anything else is an error.
            if let error { #expect(error is ArrowFormatError, "length \(length): \(error)") } else { cleanCuts += 1 }
        }
        #expect(cleanCuts == 3)  // after the schema, after batch 1, after batch 2 (EOS missing)
    }

    @Test func randomByteFlipsNeverCrash() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let bytes = try validFile()
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<damaged.count, using: &generator)
                damaged[index] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try readError(damaged, in: directory)  // any outcome but a trap
        }
    }

    @Test func notArrowMissingAndDirectoryAreClearErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let text = try directory.write("id,name\n1,a\n2,b\n3,c\n4,d\n", to: "data.csv")
        #expect(throws: ArrowFormatError(path: text, problem: "it does not start with the ARROW1 magic")) {
            _ = try readRows(text)
        }
        let missing = directory.file("missing.arrow")
        #expect(throws: FileSystemError(path: missing, action: "open", errno: ENOENT)) { _ = try readRows(missing) }
        #expect(throws: FileSystemError(path: directory.path, action: "read", errno: EISDIR)) {
            _ = try readRows(directory.path)
        }
    }
}
