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

    /// Whether files in `directory` take direct I/O (not every file system does; then the content goes buffered).
    private func takesDirectIO(_ directory: TemporaryDirectory) throws -> Bool {
        let probe = directory.file("probe")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(probe) }
        let page = UnsafeMutableRawPointer.allocate(byteCount: DirectIO.alignment, alignment: DirectIO.alignment)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0, count: DirectIO.alignment)
        return try DirectIO.write(descriptor, page, DirectIO.alignment) { FileSystemError(path: probe, action: "write", errno: errno) } == DirectIO.alignment
    }

    /// A large whole content written past the page cache: the same bytes for
    /// every size and alignment (an exact multiple of the block, a tail, a
    /// source that is not aligned and one that is), replacing an older file,
    /// nothing else left in the directory.
    @Test func largeWholeContentIsWrittenByteForByte() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("plan.json")
        try AtomicFile.write(String(repeating: "old ", count: 3_000_000), to: path)
        let direct = try takesDirectIO(directory)
        let minimum = AtomicFileWriter.directWriteMinimum
        for size in [minimum, minimum + 4096 * 3 + 123, minimum + 1, 3 * minimum + 4095] {
            // Bytes that differ from block to block, so a block written at the wrong offset shows.
            let content = (0..<size + 1).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
            for sourceOffset in [0, 1] {
                let expected = Array(content[sourceOffset..<sourceOffset + size])
                let written = try content.withUnsafeBytes { all in
                    try AtomicFile.withWriter(to: path) { writer -> Int in
                        try writer.writeWholeContent(UnsafeRawBufferPointer(rebasing: all[sourceOffset..<sourceOffset + size]))
                        return writer.bytesWrittenDirectly
                    }
                }
                #expect(written == (direct ? size & ~(DirectIO.alignment - 1) : 0), "size \(size)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected), "size \(size), offset \(sourceOffset)")
            }
            // An aligned source is written from where it is.
            let aligned = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: DirectIO.alignment)
            defer { aligned.deallocate() }
            content.withUnsafeBytes { aligned.copyMemory(from: $0.baseAddress!, byteCount: size) }
            try AtomicFile.withWriter(to: path) { try $0.writeWholeContent(UnsafeRawBufferPointer(start: aligned, count: size)) }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content[..<size]), "aligned, size \(size)")
        }
        #expect(directory.entries == ["plan.json"])
    }

    /// A content streamed in pieces (`plan -o`): the file is the pieces in
    /// order whatever their sizes. Pieces of the minimum or more, all but the
    /// last whole blocks, go directly (all the aligned bulk); a content below
    /// the minimum, or pieces after a piece that left the offset unaligned,
    /// go through the page cache.
    @Test func streamedPiecesAreWrittenInOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("plan.json")
        try AtomicFile.write(String(repeating: "old ", count: 3_000_000), to: path)
        let direct = try takesDirectIO(directory)
        let minimum = AtomicFileWriter.directWriteMinimum
        let content = (0..<(4 * minimum)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        // (piece sizes, how many bytes go directly where the file system takes it)
        let cases: [([Int], Int)] = [
            ([minimum, minimum, 4095 + 17], 2 * minimum + 4096),
            ([minimum, minimum], 2 * minimum),
            ([2 * minimum, 123], 2 * minimum),
            ([minimum + 5, minimum], minimum),  // the tail of the first leaves the offset unaligned
            ([minimum / 2, minimum / 2, minimum], 0),  // the first piece alone is below the minimum
            ([1000, 24], 0),
        ]
        for (pieces, directBytes) in cases {
            let total = pieces.reduce(0, +)
            let written = try content.withUnsafeBytes { all in
                try AtomicFile.withWriter(to: path) { writer -> Int in
                    var offset = 0
                    for piece in pieces {
                        try writer.writeStreamedPiece(UnsafeRawBufferPointer(rebasing: all[offset..<offset + piece]))
                        offset += piece
                    }
                    #expect(writer.bytesWritten == total)
                    return writer.bytesWrittenDirectly
                }
            }
            #expect(written == (direct ? directBytes : 0), "pieces \(pieces)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content[..<total]), "pieces \(pieces)")
        }
        #expect(directory.entries == ["plan.json"])
    }

    /// A direct write that fails throws the write's error naming the file, and
    /// leaves the descriptor's flags as they were, for the discard after it.
    @Test func failingDirectWriteThrowsAndRestoresTheFlags() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // Where files refuse direct I/O, `DirectIO.write` declines before writing: nothing to fail.
        guard try takesDirectIO(directory) else { return }
        let path = try directory.write("x", to: "read-only")
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let flags = fcntl(descriptor, F_GETFL)
        let page = UnsafeMutableRawPointer.allocate(byteCount: DirectIO.alignment, alignment: DirectIO.alignment)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 1, count: DirectIO.alignment)
        #expect {
            try DirectIO.write(descriptor, page, DirectIO.alignment) { FileSystemError(path: path, action: "write", errno: errno) }
        } throws: { error in
            "\(error)".contains("cannot write \"\(path)\"")
        }
        #expect(fcntl(descriptor, F_GETFL) == flags)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x")
    }

    /// A symlinked `-o` target whose file is replaced by a large whole content:
    /// the link stays, the file it points to gets the bytes.
    @Test func largeWholeContentThroughASymlinkReplacesItsTarget() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let real = try directory.write("old", to: "real.json")
        let link = directory.file("link.json")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let content = [UInt8](repeating: UInt8(ascii: "p"), count: AtomicFileWriter.directWriteMinimum + 77)
        try AtomicFile.write(content, to: link, specialTarget: .writeThrough)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect(try Data(contentsOf: URL(fileURLWithPath: real)) == Data(content))
        #expect(directory.entries == ["link.json", "real.json"])
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

    /// The temporary file's directory and name come from plain string work now;
    /// Foundation's URL, which they came from before, is the oracle.
    @Test(arguments: [
        "/a/b/out.arrow", "/out.arrow", "/a/b/", "/a/b", "out.arrow", "sub/out.arrow", "sub/dir/", "/a/.out", "/a/b c/ü.txt",
    ])
    func temporaryFilesGoWhereURLPutThem(target: String) {
        let url = URL(fileURLWithPath: target)
        let (directory, name) = TemporaryFileLocation.split(target)
        #expect(directory == url.deletingLastPathComponent().path)
        #expect(name == url.lastPathComponent)
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

    /// Pieces written beside their production (`writeStreamedPiecesBeside`,
    /// what `plan -o` uses): the file holds them in order whatever their
    /// sizes, and as many bytes go directly as when written one by one.
    @Test func piecesWrittenBesideTheirProductionKeepTheirOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("plan.json")
        let minimum = AtomicFileWriter.directWriteMinimum
        let content = (0..<(4 * minimum)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 11) }
        for pieces in [[minimum, minimum, minimum, 4095 + 17], [2 * minimum, 123], [minimum + 5, minimum], [1000, 24], [7], []] {
            let total = pieces.reduce(0, +)
            let (besideDirect, oneByOneDirect) = try content.withUnsafeBytes { all in
                func write(beside: Bool) throws -> Int {
                    try AtomicFile.withWriter(to: path) { writer -> Int in
                        func produce(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
                            var offset = 0
                            for piece in pieces {
                                try emit(UnsafeRawBufferPointer(rebasing: all[offset..<offset + piece]))
                                offset += piece
                            }
                        }
                        if beside { try writer.writeStreamedPiecesBeside(produce) } else { try produce(writer.writeStreamedPiece) }
                        #expect(writer.bytesWritten == total)
                        return writer.bytesWrittenDirectly
                    }
                }
                let oneByOne = try write(beside: false)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content[..<total]), "pieces \(pieces)")
                let beside = try write(beside: true)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content[..<total]), "pieces \(pieces)")
                return (beside, oneByOne)
            }
            #expect(besideDirect == oneByOneDirect, "pieces \(pieces)")
        }
        #expect(directory.entries == ["plan.json"])
    }

    /// A producer that fails after some pieces: its error comes out, the
    /// pieces before it were written (to the temporary file), and the target
    /// is left as it was.
    @Test func producerFailingBesideItsWritesLeavesTheTarget() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("plan.json")
        try AtomicFile.write("old", to: path)
        let piece = [UInt8](repeating: 7, count: AtomicFileWriter.directWriteMinimum)
        var written = 0
        #expect(throws: Boom.self) {
            try AtomicFile.withWriter(to: path) { writer in
                try writer.writeStreamedPiecesBeside { emit in
                    try piece.withUnsafeBytes { try emit($0) }
                    try piece.withUnsafeBytes { try emit($0) }
                    throw Boom()
                }
                written = writer.bytesWritten
            }
        }
        #expect(written == 0)
        #expect(contents(path) == "old")
        #expect(directory.entries == ["plan.json"])
    }

    /// A write that fails on the writing thread (a full device) stops the
    /// producer at its next piece with that error, and nothing after it is
    /// written: what `plan -o /dev/full` sees.
    @Test func failingWriteBesideStopsTheProducer() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { return }
        let piece = [UInt8](repeating: 1, count: 1 << 16)
        var emitted = 0
        #expect {
            try AtomicFile.withWriter(to: "/dev/full", specialTarget: .writeThrough) { writer in
                try writer.writeStreamedPiecesBeside { emit in
                    for _ in 0..<10_000 {
                        try piece.withUnsafeBytes { try emit($0) }
                        emitted += 1
                    }
                }
            }
        } throws: { error in
            "\(error)".contains("/dev/full")
        }
        // The writer buffers small pieces: the failure comes with the first flush to the device, long before the end.
        #expect(emitted < 10_000)
    }
}
