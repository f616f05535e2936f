import ArgumentParser
import Foundation

/// When to colour output: only at the edge, never inside a library.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// `auto` colours only a terminal, and `NO_COLOR` (any non-empty value) turns it off.
    func enabled(for fileDescriptor: Int32 = STDOUT_FILENO) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = ProcessInfo.processInfo.environment["NO_COLOR"], !noColor.isEmpty { return false }
            return isatty(fileDescriptor) == 1
        }
    }
}

/// Writes to stdout without buffering surprises between Swift's print and FileHandle.
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
