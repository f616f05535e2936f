import Foundation
import Testing
@testable import SluiceColumnar

/// The atomic write contract: commit only on success, never a partial file,
/// no temporary files left behind, errors naming the file and the errno text.
struct AtomicFileTests {
    private struct Boom: Error {}

    private func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func writesAndReplaces() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("out.txt")
        try AtomicFile.write("first", to: path)
        try AtomicFile.write(Array("second".utf8), to: path)
        #expect(contents(path) == "second")
        try AtomicFile.write(Data("third".utf8), to: path)
        #expect(contents(path) == "third")
        #expect(directory.entries == ["out.txt"])
    }

    @Test func throwingClosureLeavesTheTargetUnchanged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("out.txt")
        try AtomicFile.write("old", to: path)
        #expect(throws: Boom.self) {
            try AtomicFile.withWriter(to: path) { writer in
                try writer.write(String(repeating: "new", count: 1_000_000))  // past the buffer: really on disk
                throw Boom()
            }
        }
        #expect(contents(path) == "old")
        #expect(directory.entries == ["out.txt"])
    }

    @Test func throwingClosureLeavesNoFileWhenThereWasNone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(throws: Boom.self) {
            try AtomicFile.withWriter(to: directory.file("new.txt")) { writer in
                try writer.write("partial")
                throw Boom()
            }
        }
        #expect(directory.entries.isEmpty)
    }

    @Test func largeStreamedWriteCommitsWhole() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("big.bin")
        let chunk = [UInt8](repeating: 7, count: 300_000)
        let written = try AtomicFile.withWriter(to: path) { writer -> Int in
            for _ in 0..<10 { try writer.write(chunk) }
            return writer.bytesWritten
        }
        #expect(written == 3_000_000)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.size] as? Int) == 3_000_000)
    }

    @Test func errorsNameTheFileAndTheReason() throws {
        let missingDirectory = "/nonexistent-\(UUID().uuidString)/out.arrow"
        #expect {
            try AtomicFile.write("x", to: missingDirectory)
        } throws: { error in
            let text = "\(error)"
            return text.contains("/nonexistent-") && text.contains("no such file or directory")
        }
        #expect(FileSystemError(path: "/d/f", action: "write", errno: ENOSPC).description
                == "cannot write \"/d/f\": no space left on device")
    }

    @Test func replacingADirectoryFailsAndCleansUp() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let target = directory.file("dir")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        #expect {
            try AtomicFile.write("x", to: target)
        } throws: { error in
            "\(error)".contains("cannot replace \"\(target)\"")
        }
        #expect(directory.entries == ["dir"])
    }

    @Test func orphanedTemporaryFilesOfDeadWritersAreRemoved() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // A temp file of a writer that no longer exists (pid 0x7FFFFFF0 is never a live pid here).
        let orphan = directory.file(".out.txt.sluice-tmp-2147483632-1")
        let unrelated = directory.file(".other.txt.sluice-tmp-2147483632-1")
        try AtomicFile.write("", to: orphan)
        try AtomicFile.write("", to: unrelated)
        try AtomicFile.write("fresh", to: directory.file("out.txt"))
        #expect(directory.entries == [".other.txt.sluice-tmp-2147483632-1", "out.txt"])
    }

    @Test func aLiveWritersTemporaryFileIsLeftAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("out.txt")
        try AtomicFile.withWriter(to: path) { outer in
            try outer.write("outer")
            try AtomicFile.write("inner", to: path)  // must not delete the outer writer's file
            #expect(FileManager.default.fileExists(atPath: outer.temporaryPath))
        }
        #expect(contents(path) == "outer")
        #expect(directory.entries == ["out.txt"])
    }

    @Test func failedIngestWritesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let csv = try directory.write("id\n1\nx\n", to: "in.csv")
        let output = directory.file("out.arrow")
        #expect(throws: IngestError.self) {
            try TableIngest.ingest(from: csv, schema: TableSchema([("id", .int64)]), to: output)
        }
        #expect(directory.entries == ["in.csv"])
        try AtomicFile.write("previous", to: output)
        #expect(throws: IngestError.self) {
            try TableIngest.ingest(from: csv, schema: TableSchema([("id", .int64)]), to: output)
        }
        #expect(contents(output) == "previous")
        #expect(directory.entries == ["in.csv", "out.arrow"])
    }

    @Test func missingInputNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect {
            try TableIngest.ingest(from: directory.file("nope.csv"), schema: everyTypeSchema, to: directory.file("o.arrow"))
        } throws: { error in
            "\(error)" == "cannot open \"\(directory.file("nope.csv"))\": no such file or directory"
        }
        #expect(directory.entries.isEmpty)
    }
}
