import Foundation
import Testing

/// Acceptance: no input crashes the linter. Each hostile file gets
/// diagnostics (exit 1) or an I/O error (exit 2), never a signal.
struct HostileFilesTests {
    static func hostileFiles() -> [(String, Data)] {
        let valid = try? String(contentsOf: CLI.packageRoot.appendingPathComponent("pipelines/daily_ops.yaml"), encoding: .utf8)
        let spec = Data((valid ?? "pipeline: x\ntasks:\n  a: {}\n").utf8)
        var random = SystemRandomNumberGenerator()
        return [
            ("truncated.yaml", spec.prefix(spec.count / 2)),
            ("truncated_mid_token.yaml", spec.prefix(37)),
            ("truncated_in_quote.yaml", Data("pipeline: x\ntasks:\n  a:\n    run: \"echo".utf8)),
            ("binary.yaml", Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) })),
            ("nested_flow.yaml", Data(("pipeline: deep\ntasks: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8)),
            ("nested_block.yaml", Data(("pipeline: deep\ntasks:\n" + (1...10_000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")).utf8)),
            ("huge_scalar.yaml", Data(("pipeline: big\ntasks:\n  a:\n    run: " + String(repeating: "y", count: 20_000_000) + "\n").utf8)),
            ("empty.yaml", Data()),
            ("nul.yaml", Data("pipeline: a\u{0}\ntasks: {}\n".utf8)),
            ("bom_only.yaml", Data([0xEF, 0xBB, 0xBF])),
            ("alias_bomb.yaml", Data(("a: &a [x,x,x,x,x,x,x,x,x]\n" + "bcdefghij".map { "\($0): &\($0) [" + Array(repeating: "*a", count: 9).joined(separator: ",") + "]" }.joined(separator: "\n")).utf8)),
        ]
    }

    @Test func neverCrashes() throws {
        let dir = try CLI.temporaryDirectory()
        for (name, data) in Self.hostileFiles() {
            let file = dir.appendingPathComponent(name)
            try data.write(to: file)
            let outcome = try CLI.run(["lint", file.path, "--format", "json"])
            #expect(!outcome.crashed, "\(name) crashed the linter")
            // A cut at a line end or a huge but well-formed scalar can still be a valid spec.
            let mayBeValid = name == "truncated.yaml" || name == "huge_scalar.yaml"
            let allowed: Set<Int32> = mayBeValid ? [0, 1] : [1, 2]
            #expect(allowed.contains(outcome.status), "\(name): exit \(outcome.status)")
            if outcome.status == 1 {
                #expect(outcome.stdout.contains("\"rule\""), "\(name): exit 1 without a diagnostic")
            }
        }
    }

    @Test func unreadableFileIsAnIOError() throws {
        let dir = try CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("locked.yaml")
        try Data("pipeline: x\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path) }
        let outcome = try CLI.run(["lint", file.path])
        // root can read anything; either way it must not crash.
        #expect(!outcome.crashed)
        #expect([0, 1, 2].contains(outcome.status))
    }
}
