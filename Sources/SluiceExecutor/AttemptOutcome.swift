import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one attempt ended, as `AttemptRunner` judges it (and the executor for
/// a trigger task's child run). `sluice run` journals it and decides about a
/// retry; `sluice task-run` prints it. Every message an attempt can end with
/// is worded here, so both commands say the same thing for the same attempt.
enum AttemptOutcome {
    /// Exit 0 and every declared output as promised: the values as downstream
    /// tasks see them (tables and files as absolute paths).
    case success([String: JSON])
    /// `retry`: whether another attempt could go differently (a rendering or
    /// branch error would fail the same way again).
    case failure(String, exitCode: Int32?, retry: Bool)
    /// Stopped from outside (Ctrl-C, a signal to `task-run`, a journal that
    /// cannot be written): neither a success nor the task's own failure.
    case interrupted(String, exitCode: Int32?)

    var message: String? {
        switch self {
        case .success: nil
        case .failure(let message, _, _), .interrupted(let message, _): message
        }
    }

    // MARK: - Messages

    static let interruptedMessage = "interrupted"
    static let lostMessage = "the process was lost"

    /// The process was still running at its `timeout`: it got SIGTERM, and SIGKILL if it outlived the grace period.
    static func timedOut(afterMilliseconds limit: Int64, killed: Bool) -> String {
        "timed out after \(describe(.milliseconds(limit))) (\(killed ? "SIGKILL" : "SIGTERM") to its process group)"
    }

    /// A trigger task's child run was still going at its `timeout`.
    static func childTimedOut(afterMilliseconds limit: Int64) -> String {
        "timed out after \(describe(.milliseconds(limit))); the child run was interrupted"
    }

    static func exited(_ code: Int32) -> String { "exit code \(code)" }

    static func signaled(_ signal: Int32) -> String {
        "killed by signal \(signal)\(signalName(signal).map { " (\($0))" } ?? "")"
    }

    static func exitCode(_ status: ProcessStatus) -> Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }

    static func signalName(_ signal: Int32) -> String? {
        [SIGTERM: "SIGTERM", SIGKILL: "SIGKILL", SIGINT: "SIGINT", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGPIPE: "SIGPIPE",
         SIGHUP: "SIGHUP", SIGBUS: "SIGBUS", SIGQUIT: "SIGQUIT"][signal]
    }

    /// `500ms`, `30s`, `10m`, `2h`: a duration as a spec writes it.
    static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }

    // MARK: - Branch choices

    /// A branch task's choices from its `branch` output (one name, or a JSON
    /// list of names), each one of `task.branch`; else the problem that fails the attempt.
    static func branchChoices(_ task: PlanTask, _ values: [String: JSON], masker: SecretMasker) -> Result<[String], BranchProblem> {
        let allowed = task.branch ?? []
        var value = values[OutputsFile.branchOutput] ?? .null
        if case .string(let text) = value, text.hasPrefix("["), let list = try? JSON.parse(text) { value = list }
        let choices: [String]
        switch value {
        case .string(let choice): choices = [choice]
        case .array(let list) where list.allSatisfy({ $0.stringValue != nil }): choices = list.compactMap(\.stringValue)
        default: return .failure(BranchProblem("output \"branch\" must be one choice or a JSON list of choices, not \(masker.quoted(value))"))
        }
        if let stray = choices.first(where: { !allowed.contains($0) }) {
            return .failure(BranchProblem(notAChoice: stray, allowed: allowed, masker: masker))
        }
        return .success(choices)
    }
}

/// Why a branch task's `branch` output cannot be followed.
struct BranchProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }

    init(notAChoice choice: String, allowed: [String], masker: SecretMasker) {
        message = "branch chose \(masker.quoted(choice)), which is not one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))"
    }
}
