import Foundation
import Testing
@testable import SluiceColumnar
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one opener for files a user or a task named (`RegularFile`), and the
/// two ways `AtomicFile` treats a target that is not a regular file.
struct RegularFileTests {
    /// The message of the error `body` throws, nil when it throws none.
    private func problem(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func theLimitIsInclusive() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let exact = try directory.write(String(repeating: "a", count: 5000), to: "exact")
        let over = try directory.write(String(repeating: "a", count: 5001), to: "over")
        #expect(try RegularFile.read(exact, limit: 5000).count == 5000)
        #expect(problem { _ = try RegularFile.read(over, limit: 5000) } == "cannot read \"\(over)\": is larger than 5000 bytes")
        let mebibyte = try directory.write(String(repeating: "b", count: (1 << 20) + 1), to: "mebibyte")
        #expect(problem { _ = try RegularFile.read(mebibyte, limit: 1 << 20) }?.hasSuffix("is larger than 1 MiB") == true)
        #expect(try RegularFile.read(try directory.write("", to: "empty")).isEmpty)
    }

    @Test func specialFilesAreRefusedWithoutBlocking() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let fifo = directory.file("fifo")
        try #require(mkfifo(fifo, 0o644) == 0)
        #expect(problem { _ = try RegularFile.read(fifo) } == "cannot read \"\(fifo)\": is a FIFO (named pipe), not a regular file")
        #expect(problem { _ = try RegularFile.read(directory.path) } == "cannot read \"\(directory.path)\": is a directory")
        let zero = directory.file("zero")
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        #expect(problem { _ = try RegularFile.read(zero) } == "cannot read \"\(zero)\": is a character device, not a regular file")
        #expect(problem { _ = try RegularFile.read(directory.file("missing")) }?.hasSuffix("no such file or directory") == true)
    }

    @Test func symlinksAreFollowedOnlyWhenAsked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        _ = try directory.write("content", to: "real")
        let link = directory.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real")
        #expect(try RegularFile.read(link) == Array("content".utf8))
        #expect(problem { _ = try RegularFile.read(link, followingSymlinks: false) }
                == "cannot read \"\(link)\": is a symbolic link (not followed: write the file itself)")
    }

    /// Sluice's own records: a symlink planted at the path is replaced, never written through.
    @Test func replaceIsStillTheDefault() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let outside = try directory.write("keep", to: "outside")
        let record = directory.file("record.json")
        try FileManager.default.createSymbolicLink(atPath: record, withDestinationPath: outside)
        try AtomicFile.write("new", to: record)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: outside)), as: UTF8.self) == "keep")
        var info = stat()
        #expect(lstat(record, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    }

    @Test func writeThroughASymlinkReplacesItsTargetAtomically() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let target = try directory.write("old", to: "target")
        let link = directory.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.withWriter(to: link, specialTarget: .writeThrough) { writer in
                try writer.write("half")
                throw Boom()
            }
        }
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: target)), as: UTF8.self) == "old")
        try AtomicFile.write("new", to: link, specialTarget: .writeThrough)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: target)), as: UTF8.self) == "new")
        #expect(directory.entries == ["link", "target"])
    }

    @Test func writeThroughADirectoryIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(throws: FileSystemError(path: directory.path, action: "open", errno: EISDIR)) {
            try AtomicFile.write("x", to: directory.path, specialTarget: .writeThrough)
        }
    }
}
