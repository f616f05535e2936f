#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log files of one `sluice run`, without a new inode per attempt.
///
/// Creating a file was most of the executor's own cost per task on ext4
/// (allocating the inode searches past recently deleted ones; renaming costs
/// about as much), and most tasks of a large pipeline write nothing. So an
/// attempt that wrote nothing hands its still empty, still open file to the
/// next attempt, which writes into it under the name it already has; an
/// attempt that wrote something keeps its file, renamed to its own name
/// (`logs/<task>[.<index>].try<N>.log`) when it took over another's. A run
/// of silent tasks makes one file per task running at once.
///
/// The task writes the file itself (or the masking pipe's reader does), so a
/// crash of sluice loses nothing it wrote. The journal says which file an
/// attempt wrote (`log` on its `running` line, and on its end) and, on its
/// end, how many bytes of it are its own (`log_bytes`): 0 for an attempt
/// whose file went on to another attempt, which is handed on only after that
/// end is in the journal file, so a reader that finds the end reads no byte of
/// the next attempt (`RunStore.openAttemptLog`).
///
/// Only the executor's loop thread uses it.
final class AttemptLogFiles {
    /// An open, writable log file and its name relative to the run directory (`logs/x.try1.log`).
    struct File {
        let descriptor: Int32
        let name: String
    }

    /// What an attempt's end journals about its log.
    struct Settled {
        /// Relative to the run directory.
        var name: String
        /// The attempt's bytes in it; nil when they cannot be told (`fstat` failed).
        var bytes: Int?
    }

    private let directory: RecordDirectory
    /// Empty files whose attempts wrote nothing, to be written by the next ones.
    private var spare: [File] = []

    init(directory: RecordDirectory) { self.directory = directory }

    deinit { for file in spare { close(file.descriptor) } }

    /// An empty log for the attempt whose own log is `name` (relative to the
    /// run directory): a spare file, else a new one under `name`. Nil when no
    /// file can be created; the runner then tries itself and reports why.
    func take(for name: String) -> File? {
        if let file = spare.popLast() { return file }
        let base = Self.lastComponent(name)
        guard let descriptor = try? PosixProcessRunner.createLog(base, in: directory.fd) else { return nil }
        return File(descriptor: descriptor, name: name)
    }

    /// The attempt that wrote `file` is over (its runner released it). An
    /// empty file becomes spare; one with output is closed and keeps it,
    /// moved to `ownName` when it carried an earlier attempt's name.
    func settle(_ file: File, ownName: String) -> Settled {
        var info = stat()
        guard fstat(file.descriptor, &info) == 0 else {
            close(file.descriptor)
            return Settled(name: file.name, bytes: nil)
        }
        let bytes = Int(info.st_size)
        if bytes == 0 {
            spare.append(file)
            return Settled(name: file.name, bytes: 0)
        }
        close(file.descriptor)
        // A rename replaces whatever a task planted at the name, never writing through it.
        if file.name != ownName,
           renameat(directory.fd, Self.lastComponent(file.name), directory.fd, Self.lastComponent(ownName)) == 0 {
            return Settled(name: ownName, bytes: bytes)
        }
        return Settled(name: file.name, bytes: bytes)
    }

    /// `logs/x.try1.log` → `x.try1.log`: the name inside the held logs directory
    /// (not `NSString.lastPathComponent`, which costs more than the rest of rendering a no-op task's command).
    static func lastComponent(_ name: String) -> String {
        // Searched as UTF-8 bytes, not Characters (a grapheme walk per name, each attempt); after an
        // ASCII "/" the index is on a character boundary.
        guard let slash = name.utf8.lastIndex(of: UInt8(ascii: "/")) else { return name }
        return String(name[name.index(after: slash)...])
    }
}
