import Foundation
import Testing
import SluicePlan
@testable import SluiceExecutor

/// A reference is quoted for where it sits; whatever the spot, the shell sees data.
private let hostile = #"$(touch pwned)'"`touch pwned2`\ ; touch pwned3 $HOME"#

/// (template with `@` where the reference goes, expected stdout given the value)
private let spots: [(String, @Sendable (String) -> String)] = [
    ("printf '%s' @", { $0 }),
    (#"printf '%s' "@""#, { $0 }),
    (#"printf '%s' "pre @ post""#, { "pre \($0) post" }),
    ("printf '%s' 'pre@post'", { "pre\($0)post" }),
    (#"printf '%s' "$(printf '%s' @)""#, { $0 }),
    ("printf '%s' \"`printf '%s' @`\"", { $0 }),
    ("cat <<EOF\n@\nEOF", { $0 + "\n" }),
    ("cat <<-'EOF'\n\tline @\n\tEOF", { "line \($0)\n" }),
    // Unquoted, the substitution's output is split into words: spaces go, nothing runs.
    ("printf '%s' `printf '%s' @`", { $0.replacingOccurrences(of: " ", with: "") }),
    ("cat <<EOF; printf '%s' @\nbody\nEOF", { "body\n" + $0 }),
    ("# a comment @\nprintf '%s' @", { $0 }),
    (#"printf '%s' "$((1 + 2))" @"#, { "3" + $0 }),
    ("(printf '%s' @)", { $0 }),
]

private func command(_ spot: String, value: JSON) throws -> String {
    var segments: [Template.Segment] = []
    let parts = spot.components(separatedBy: "@")
    for (i, part) in parts.enumerated() {
        segments.append(.text(part))
        if i < parts.count - 1 { segments.append(.reference(.param(["v"]))) }
    }
    let context = RenderContext(params: .object([("v", value)]), runID: "r", runDate: "d", item: nil, index: nil,
                                output: { _ throws(RenderError) in (.null, .string) })
    return try TemplateRenderer.shellCommand(Template(segments), context)
}

@Test(arguments: spots.indices)
func hostileValuesStayDataWherever(_ index: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (spot, expected) = spots[index]
    let rendered = try command(spot, value: .string(hostile))
    let output = try shell("cd \(ValueRendering.shellQuote(dir.path)) && " + rendered)
    #expect(output == expected(hostile), "\(spot.debugDescription) rendered as \(rendered.debugDescription)")
    let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    #expect(left.isEmpty, "\(spot.debugDescription) ran something: \(left)")
}

@Test func unjudgeableSpotsAreRefused() {
    #expect(throws: RenderError.self) { try command(#"printf '%s' "${X:-@}""#, value: .string("v")) }
    #expect(throws: RenderError.self) { try command("cat <<@\nx\n", value: .string("v")) }
    #expect(throws: RenderError.self) { try command("cat <<EOF\n@\nEOF", value: .string("a\nEOF\ntouch x")) }
}

@Test func contextsFollowTheShellGrammar() {
    func context(after text: String) -> ShellContext {
        var scanner = ShellScanner()
        scanner.feed(text)
        return scanner.context
    }
    #expect(context(after: "echo ") == .plain)
    #expect(context(after: "echo \"a") == .doubleQuoted)
    #expect(context(after: "echo \"a\\\"") == .doubleQuoted, "an escaped quote does not close")
    #expect(context(after: "echo 'a\"") == .singleQuoted)
    #expect(context(after: "echo \"$(echo ") == .plain)
    #expect(context(after: "echo \"$(echo \")\" ") == .plain, "the quote inside $( ) is its own string")
    #expect(context(after: "echo \"$(echo \")\")") == .doubleQuoted)
    #expect(context(after: "cat <<X\nline\nX\necho ") == .plain)
    #expect(context(after: "cat <<X\nline ") == .hereDocument(delimiter: "X", expanding: true))
    #expect(context(after: "echo a#b ") == .plain, "# inside a word is not a comment")
    #expect(context(after: "echo a #b ") == .comment)
    #expect(context(after: "x=$(( 1 << 2 )); echo ") == .plain, "a shift is not a here-document")
}
