import Foundation
import Testing
@testable import SluiceExecutor

/// `RecordDirectory`: the one way the executor reaches its records, never through a symlink.
@Suite struct RecordDirectoryTests {
    /// A workspace and, beside it, a directory standing for everything outside it.
    private func layout() throws -> (workspace: TemporaryDirectory, outside: TemporaryDirectory) {
        let workspace = try TemporaryDirectory(), outside = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: outside.path + "/sub", withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: outside.path + "/keep.txt"))
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: outside.path + "/sub/keep.txt"))
        return (workspace, outside)
    }

    @Test func removeTreeRemovesSymlinksAsLinksAtEveryDepth() throws {
        let (workspace, outside) = try layout()
        defer { workspace.cleanUp(); outside.cleanUp() }
        let records = try RecordDirectory.open(".sluice/cache/tmp", below: workspace.path, create: true)
        try FileManager.default.createDirectory(atPath: records.path + "/entry/deeper", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: records.path + "/entry/link", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: records.path + "/entry/deeper/file", withDestinationPath: outside.path + "/keep.txt")
        try FileManager.default.createSymbolicLink(atPath: records.path + "/top", withDestinationPath: outside.path + "/sub")
        records.removeTree("entry")
        records.removeTree("top")
        #expect(records.names().isEmpty)
        #expect(FileManager.default.fileExists(atPath: outside.path + "/keep.txt"))
        #expect(FileManager.default.fileExists(atPath: outside.path + "/sub/keep.txt"))
    }

    @Test func aSymlinkedComponentIsRefusedNotFollowed() throws {
        let (workspace, outside) = try layout()
        defer { workspace.cleanUp(); outside.cleanUp() }
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/.sluice/runs", withDestinationPath: outside.path)
        #expect(throws: ExecutorError.self) { try RecordDirectory.open(".sluice/runs/p/r", below: workspace.path, create: true) }
        do {
            _ = try RecordDirectory.open(".sluice/runs/p", below: workspace.path, create: true)
        } catch {
            #expect(error.message.contains(".sluice/runs is a symbolic link"), "\(error.message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).sorted() == ["keep.txt", "sub"], "nothing made outside")
    }

    @Test func pinnedPathsStayWithTheDirectoryWhenItsNameIsReplaced() throws {
        let (workspace, outside) = try layout()
        defer { workspace.cleanUp(); outside.cleanUp() }
        let staging = try RecordDirectory.open("run/staging", below: workspace.path, create: true)
        // A task moves the directory away and puts a symlink to the outside in its place.
        try FileManager.default.moveItem(atPath: workspace.path + "/run/staging", toPath: workspace.path + "/run/moved")
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/run/staging", withDestinationPath: outside.path)
        try staging.writeAtomically("record\n", to: "outputs.json")
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/run/moved/outputs.json"))
        #expect(!FileManager.default.fileExists(atPath: outside.path + "/outputs.json"))
        let run = try RecordDirectory.open("run", below: workspace.path, create: false)
        #expect(!staging.isStill("staging", in: run), "the replaced name is noticed")
        #expect(staging.isStill("moved", in: run))
    }

    /// The check before each attempt looks each name up again (the held descriptors' own identity is
    /// taken once): a directory a task replaced, by a symlink or by a new directory, is named.
    @Test func replacedRunDirectoriesAreNamedBeforeEachAttempt() throws {
        for name in ["logs", "outputs", "staging"] {
            for replacement in ["symlink", "directory"] {
                let (workspace, outside) = try layout()
                defer { workspace.cleanUp(); outside.cleanUp() }
                let records = try RunRecordDirectories.open("run", below: workspace.path)
                if name == "outputs" { _ = try records.outputs() }  // made at the first output, checked from then on
                #expect(records.replacedDirectory() == nil, "nothing replaced yet")
                #expect(records.replacedDirectory() == nil, "asking again changes nothing")
                try FileManager.default.moveItem(atPath: workspace.path + "/run/" + name, toPath: workspace.path + "/run/moved")
                if replacement == "symlink" {
                    try FileManager.default.createSymbolicLink(atPath: workspace.path + "/run/" + name, withDestinationPath: outside.path)
                } else {
                    try FileManager.default.createDirectory(atPath: workspace.path + "/run/" + name, withIntermediateDirectories: false)
                }
                #expect(records.replacedDirectory() == workspace.path + "/run/" + name, "\(name) replaced by a \(replacement)")
                try FileManager.default.removeItem(atPath: workspace.path + "/run/" + name)
                try FileManager.default.moveItem(atPath: workspace.path + "/run/moved", toPath: workspace.path + "/run/" + name)
                #expect(records.replacedDirectory() == nil, "\(name) moved back: the same directory again")
            }
        }
    }

    /// `outputs/` is made at the first output, not with the run; until then a
    /// symlink a task plants there is refused (nothing made outside), and one made
    /// before (a run directory of c0f251f, a resumed run) is opened and used.
    @Test func outputsIsMadeAtTheFirstOutputNeverThroughASymlink() throws {
        let (workspace, outside) = try layout()
        defer { workspace.cleanUp(); outside.cleanUp() }
        let records = try RunRecordDirectories.open("run", below: workspace.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/run").sorted() == ["logs", "staging"])
        #expect(records.replacedDirectory() == nil, "a missing outputs/ is not a replaced one")
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/run/outputs", withDestinationPath: outside.path)
        #expect(throws: ExecutorError.self) { try records.outputDirectory(InstanceKey(task: "t", mapIndex: 3)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).sorted() == ["keep.txt", "sub"], "nothing made outside")
        try FileManager.default.removeItem(atPath: workspace.path + "/run/outputs")
        let place = try records.outputDirectory(InstanceKey(task: "t", mapIndex: 3))
        #expect(place.path == workspace.path + "/run/outputs/t/3")
        try place.writeAtomically("{}\n", to: "outputs.json")
        #expect(records.replacedDirectory() == nil)
        try FileManager.default.moveItem(atPath: workspace.path + "/run/outputs", toPath: workspace.path + "/run/moved")
        try FileManager.default.createDirectory(atPath: workspace.path + "/run/outputs", withIntermediateDirectories: false)
        #expect(records.replacedDirectory() == workspace.path + "/run/outputs", "once made, a replaced outputs/ is named")
        try FileManager.default.removeItem(atPath: workspace.path + "/run/outputs")
        try FileManager.default.moveItem(atPath: workspace.path + "/run/moved", toPath: workspace.path + "/run/outputs")
        let again = try RunRecordDirectories.open("run", below: workspace.path)
        #expect(try again.outputDirectory(InstanceKey(task: "t", mapIndex: 3)).names() == ["outputs.json"], "an existing outputs/ is used")
    }
}
