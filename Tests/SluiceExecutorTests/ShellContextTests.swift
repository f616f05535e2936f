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
    ("cat <<EOF; printf '%s' @\nbody\nEOF", { "body\n" + $0 }),
    ("cat <<EOF\n$(( 1 << 2 )) `echo x` 'q\nEOF\nprintf '%s' @", { "4 x 'q\n" + $0 }),
    ("# a comment @\nprintf '%s' @", { $0 }),
    (#"printf '%s' "$((1 + 2))" @"#, { "3" + $0 }),
    ("(printf '%s' @)", { $0 }),
    ("x=@; printf '%s' \"$x\"", { $0 }),
    ("printf '%s' \"`echo a`\" @", { "a" + $0 }),
    ("case a in a) printf '%s' @;; esac", { $0 }),
    ("cat <<EOF\nx\nEOF\n# it's a comment after a here-document\nprintf '%s' @", { "x\n" + $0 }),
    ("export V=@; printf '%s' \"$V\"", { $0 }),
    ("[ @ = x ] || printf '%s' @", { $0 }),
]

private func command(_ spot: String, value: JSON) throws(RenderError) -> String {
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

/// Every spot off the allow-list is refused before any value is looked at,
/// with a message naming the reference and saying where it sits.
@Test(arguments: [
    (#"printf '%s' "${X:-@}""#, "inside ${…}"),
    ("cat <<@\nx\n", "delimiter"),
    ("cat <<EOF\n@\nEOF", "here-document body"),
    ("cat <<-'EOF'\n\tline @\n\tEOF", "here-document body"),
    ("printf '%s' \"`printf '%s' @`\"", "inside `…`"),
    ("printf '%s' `printf '%s' @`", "inside `…`"),
    (#"echo "$(case a in a) echo @;; esac)""#, "case pattern"),
    ("echo $(( @ + 0 ))", "integer"),
    ("eval \"echo @\"", "evaluates"),
    ("bash -ec \"echo @\"", "evaluates"),
    // The program's name is the last piece of its path that is not empty.
    ("/bin/sh -c \"echo @\"", "evaluates"),
    ("sh/ -c \"echo @\"", "evaluates"),
    ("./eval \"echo @\"", "evaluates"),
    ("/usr/bin/declare -i n=@", "$(( ))"),
    ("echo $'@'", "$'…'"),
    ("echo \\@", "backslash"),
    ("echo \"$@\"", "\"$\""),
    ("echo \"@", "does not balance"),
    ("echo @ \"$(echo", "does not balance"),
    ("echo $(( $(echo \")\") + @ ))", "$(( ))"),
    // bash evaluates arithmetic and variable subscripts in these, quotes or not.
    ("cat <<EOF\nx\nEOF\n(( X = @ ))", "$(( ))"),
    ("let @", "$(( ))"),
    ("[[ @ -eq 1 ]]", "$(( ))"),
    ("declare -i n=@", "$(( ))"),
    ("read @", "name variables"),
    ("printf -v @ %s 1", "name variables"),
    ("export @", "variable name"),
])
func unsafeSpotsAreRefused(_ spot: String, _ why: String) {
    do {
        let rendered = try command(spot, value: .string("v"))
        Issue.record("\(spot.debugDescription) rendered as \(rendered.debugDescription)")
    } catch {
        #expect(error.message.contains("{{ params.v }}"), "\(error.message)")
        #expect(error.message.contains(why), "\(error.message)")
    }
}

@Test func anIntegerMayGoIntoArithmeticAndNothingElse() throws {
    #expect(try command("echo $(( @ * 2 ))", value: .int(-21)) == "echo $(( -21 * 2 ))")
    #expect(throws: RenderError.self) { try command("echo $(( @ * 2 ))", value: .string("3")) }
    #expect(throws: RenderError.self) { try command("echo $(( @ * 2 ))", value: .double(2)) }
}

@Test func spotsFollowTheShellGrammar() {
    func spot(after text: String) -> ShellSpot {
        ShellSpots.classify([text, ""]).first ?? .unsafe("none")
    }
    #expect(spot(after: "echo ") == .word)
    #expect(spot(after: "echo \"a") == .unsafe("in a command whose quoting does not balance (it ends inside \"…\")"),
            "the text after the reference must close what the text before opened")
    #expect(ShellSpots.classify(["echo \"a", "\""]) == [.doubleQuoted])
    #expect(ShellSpots.classify(["echo \"a\\\"", "\""]) == [.doubleQuoted], "an escaped quote does not close")
    #expect(ShellSpots.classify(["echo 'a\"", "'"]) == [.singleQuoted])
    #expect(ShellSpots.classify(["echo \"$(echo ", ")\""]) == [.word])
    #expect(ShellSpots.classify(["echo \"$(echo \")\" ", ")\""]) == [.word], "the quote inside $( ) is its own string")
    #expect(ShellSpots.classify(["echo \"$(echo \")\")", "\""]) == [.doubleQuoted])
    #expect(spot(after: "cat <<X\nline\nX\necho ") == .word)
    #expect(ShellSpots.classify(["cat <<X\nline ", "\nX"]).first?.isUnsafe == true)
    #expect(spot(after: "echo a#b ") == .word, "# inside a word is not a comment")
    #expect(spot(after: "echo a #b ") == .comment)
    #expect(spot(after: "x=$(( 1 << 2 )); echo ") == .word, "a shift is not a here-document")
    #expect(ShellSpots.classify(["echo $(( ", " ))"]) == [.arithmetic])
    #expect(spot(after: "echo `echo a` ") == .word, "after backquotes close, a word is a word again")
    #expect(spot(after: "echo eval ") == .word, "eval as an argument evaluates nothing")
    #expect(spot(after: "python3 -c 'print(1)' ") == .word, "only shells read -c as code")
}

/// The scanner reads UTF-8 bytes: text that is not ASCII around a reference
/// changes no spot, and a here-document delimiter is matched byte for byte.
@Test func spotsAroundTextThatIsNotASCII() {
    func spot(after text: String) -> ShellSpot {
        ShellSpots.classify([text, ""]).first ?? .unsafe("none")
    }
    #expect(spot(after: "printf 'é…' ") == .word)
    #expect(ShellSpots.classify(["echo \"ünï 😀 ", "\""]) == [.doubleQuoted])
    #expect(ShellSpots.classify(["echo 'ß", "'"]) == [.singleQuoted])
    #expect(spot(after: "cat <<ÉOF\nbody\nÉOF\necho ") == .word, "the body ends at its delimiter line")
    #expect(ShellSpots.classify(["cat <<ÉOF\nline ", "\nÉOF"]).first?.isUnsafe == true)
    #expect(spot(after: "cat <<ÉOF\nÉOFx\necho ").isUnsafe, "a line that only starts with the delimiter does not end the body")
    #expect(spot(after: "é=1 sh -c ").isUnsafe, "after an assignment, sh is the program")
    #expect(spot(after: "/opt/ünï/bin/eval ").isUnsafe, "the program's name is the last piece of its path")
    #expect(spot(after: "ünï # é ") == .comment)
}

/// The scanner takes the bytes of a plain word in one run (`plainWord`),
/// not one call a byte: a word glued to a reference, a `#` or `;` inside or
/// after one, a program's path and a substitution in a here-document body
/// keep the spots they had when every byte was read alone.
@Test func wordsReadInOneRunKeepTheirSpots() {
    func spot(after text: String) -> ShellSpot {
        ShellSpots.classify([text, ""]).first ?? .unsafe("none")
    }
    #expect(ShellSpots.classify(["sh", " -c ", ""]) == [.word, .word], "a program glued to a value is not literal text")
    #expect(ShellSpots.classify(["echo pre", "post ", ""]) == [.word, .word])
    #expect(spot(after: "echo abc#def ") == .word, "# inside a word is not a comment")
    #expect(spot(after: "echo abc;#def ") == .comment, "# after ; starts a comment")
    #expect(spot(after: "eval/ ").isUnsafe, "a trailing slash leaves the name eval")
    #expect(spot(after: "x//eval// ").isUnsafe)
    #expect(spot(after: "// ") == .word, "a path of slashes names no listed program")
    #expect(spot(after: "bash2 -c ") == .word)
    #expect(spot(after: "cat <<X\n$(echo X)\nX\necho ") == .word, "the body ends at its delimiter line")
    #expect(spot(after: "cat <<X\nab$(echo X)X\n").isUnsafe, "still in the body")
}

/// The scanner tells program names apart by their length and first byte
/// before looking them up (`mayBeListed`): every listed name, bare or at the
/// end of a path, still changes the spot, and names of the same shape that
/// are not listed, or of a shape the table does not cover, do not.
@Test func everyListedProgramNameIsRecognised() {
    func spot(after text: String) -> ShellSpot {
        ShellSpots.classify([text, ""]).first ?? .unsafe("none")
    }
    for shell in ["sh", "bash", "dash", "ksh", "zsh", "ash", "mksh", "yash", "busybox"] {
        #expect(spot(after: "\(shell) -c ").isUnsafe, "\(shell) -c")
        #expect(spot(after: "/usr/bin/\(shell) -ec ").isUnsafe, "/usr/bin/\(shell) -ec")
    }
    for declaring in ["declare", "typeset", "local", "export", "readonly"] {
        #expect(spot(after: "\(declaring) ").isUnsafe, "\(declaring)")
        #expect(spot(after: "\(declaring) -i x=") == .arithmetic, "\(declaring) -i")
    }
    for naming in ["read", "unset", "mapfile", "readarray", "getopts"] {
        #expect(spot(after: "\(naming) ").isUnsafe, "\(naming)")
    }
    #expect(spot(after: "let ") == .arithmetic)
    #expect(spot(after: "[[ ") == .arithmetic)
    #expect(spot(after: "printf -v ").isUnsafe)
    #expect(spot(after: "eval ").isUnsafe)
    for prefix in ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "command", "exec", "builtin", "nohup", "env"] {
        #expect(spot(after: "\(prefix) eval ").isUnsafe, "\(prefix) eval: the program is eval")
    }
    for other in ["sx -c ", "bashx -c ", "evil ", "lex ", "[x ", "readarrax ", "ifx eval ", "averyveryverylongname -c ", "é -c ", "ébash -c "] {
        #expect(spot(after: other) == .word, "\(other)")
    }
}
