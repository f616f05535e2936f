import ArgumentParser
import Foundation

/// When to colour output: only at the edge, never inside a library.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// `auto` colours only a terminal, and `NO_COLOR` (any non-empty value) turns it off.
    /// `NO_COLOR` is read with `getenv`: `ProcessInfo.environment` copies the
    /// whole environment into a dictionary each time it is read (about 0.35M
    /// instructions here), which every run paid twice for one variable.
    func enabled(for fileDescriptor: Int32 = STDOUT_FILENO) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
            return isatty(fileDescriptor) == 1
        }
    }
}

/// Writes to stdout; a failed write ends sluice (see `Terminal.write`).
func writeOut(_ text: String) {
    Terminal.write(text, to: STDOUT_FILENO)
}

/// Writes to stderr; a failed write ends sluice with exit 2 (see `Terminal.write`).
func writeErr(_ text: String) {
    Terminal.write(text, to: STDERR_FILENO)
}

/// The one place the CLI writes to its standard streams. A write that fails
/// must not pass silently (a report cut short by a full disk would look
/// complete) nor crash sluice: it ends the process with exit 2. A reader that
/// went away (`sluice lint | head -1`, EPIPE; SIGPIPE is ignored from the start)
/// ends it quietly, as `cat` does; any other failure (ENOSPC, EIO) is said on
/// stderr first, and when stderr cannot be written either, exit 2 is all there is.
enum Terminal {
    /// Whether the descriptor is `/dev/null` (`> /dev/null`): what is written there is never shown.
    static func isNullDevice(_ descriptor: Int32) -> Bool {
        var written = stat(), null = stat()
        guard fstat(descriptor, &written) == 0, (written.st_mode & S_IFMT) == S_IFCHR, stat("/dev/null", &null) == 0 else { return false }
        return (null.st_mode & S_IFMT) == S_IFCHR && written.st_rdev == null.st_rdev
    }

    static func write(_ text: String, to descriptor: Int32) {
        write(Array(text.utf8)[...], to: descriptor)
    }

    static func write(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) {
        bytes.withUnsafeBytes { write($0, to: descriptor) }
    }

    static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
        guard let failure = writeAll(bytes, to: descriptor) else { return }
        if failure != EPIPE && descriptor != STDERR_FILENO {
            let stream = descriptor == STDOUT_FILENO ? "standard output" : "descriptor \(descriptor)"
            _ = writeAll(Array("error: cannot write to \(stream): \(String(cString: strerror(failure)))\n".utf8)[...], to: STDERR_FILENO)
        }
        exitWithoutTeardown(.usageOrIO)
    }

    /// Writes every byte, retrying after EINTR; returns the errno of a failure.
    static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Int32? {
        bytes.withUnsafeBytes { writeAll($0, to: descriptor) }
    }

    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        var rest = bytes
        while !rest.isEmpty {
            let n = systemWrite(descriptor, rest.baseAddress, rest.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errno }
            if n == 0 { return EIO }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return nil
    }
}

/// write(2), named apart from `Terminal.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
