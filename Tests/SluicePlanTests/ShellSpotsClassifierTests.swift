@testable import SluicePlan
import SluiceTestSupport
import Testing

/// `ShellSpots.Classifier` resets one scanner from command to command, and
/// the scanner keeps a word's bytes only while something may read them:
/// every command must be classified exactly as a new scanner classifies it,
/// whatever came before it, whether given as texts or as bytes and spans.
struct ShellSpotsClassifierTests {
    /// Commands as literal texts around their references: balanced and not,
    /// left inside quotes, substitutions, here-documents, arithmetic, `${`,
    /// after constructs the scanner does not follow, and commands whose
    /// words matter (`case` as an argument, `sh -c`, `declare`, `printf -v`).
    static let commands: [[String]] = [
        ["python3 step.py --in ", " --k ", ""],
        ["echo '", "' \"", "\" ", ""],
        ["cat <<EOF\n", "\nEOF\necho ", ""],
        ["cat <<EOF\n", "\n"],
        ["echo $(( ", " + 1 )) `", "`"],
        ["echo \"$(echo case) ", "\""],
        ["echo \"$(case a in a) echo ", ";; esac)\""],
        ["echo \"$(echo cases ", ") $(echo xase ", ")\""],
        ["(echo ca", "se; echo ", ")"],
        ["sh -c ", "; bash -ec ", " && echo ", ""],
        ["declare ", "; declare -i x=", "; local y=", ""],
        ["printf -v ", " x; printf '%s' ", ""],
        ["eval ", "; read ", ""],
        ["echo ${", "} $'", "'"],
        ["echo \"unclosed ", ""],
        ["echo 'unclosed ", ""],
        ["cmd <<-'END'\n\t", "\n\tEND\necho ", " # ", "\n", ""],
        ["/usr/bin/env ", " x=", " ", ""],
        ["x=1 y=", " /bin/sh -c ", ""],
        ["echo $", " \\", " #", ""],
        ["let x=", "; [[ ", " -eq 1 ]]; (( ", " ))"],
        ["echo `echo \"", "\"` $(( '", "' ))"],
    ]

    @Test func aReusedClassifierAnswersAsANewScanner() {
        var generator = SeededGenerator(seed: 0xc1a5)
        var texts = ShellSpotsClassifierTests.commands
        for round in 0..<20 {
            if round > 0 { texts.shuffle(using: &generator) }
            var classifier = ShellSpots.Classifier()
            for command in texts {
                #expect(classifier.classify(command) == ShellSpots.classify(command), "\(command)")
            }
        }
    }

    @Test func bytesAroundSpansAnswerAsTheTexts() {
        var classifier = ShellSpots.Classifier()
        for command in ShellSpotsClassifierTests.commands + ShellSpotsClassifierTests.commands.reversed() {
            // The references written between the texts, as a template would hold them.
            var joined = "", spans: [Range<Int>] = []
            for (position, text) in command.enumerated() {
                joined += text
                guard position + 1 < command.count else { break }
                let start = joined.utf8.count
                joined += "{{ params.v }}"
                spans.append(start..<joined.utf8.count)
            }
            let fromBytes = joined.withUTF8 { bytes in spans.withUnsafeBufferPointer { classifier.classify(bytes, around: $0) } }
            #expect(fromBytes == ShellSpots.classify(command), "\(command)")
        }
    }

    /// Where the scanner drops a word's bytes, `case` as a word is still seen (and nothing else is taken for it).
    @Test func caseAsAWordAfterAnotherProgramIsStillSeen() {
        #expect(ShellSpots.classify(["echo \"$(echo case) ", "\""]).first?.isUnsafe == true)
        #expect(ShellSpots.classify(["echo \"$(echo cases) ", "\""]) == [.doubleQuoted])
        #expect(ShellSpots.classify(["echo \"$(echo xase) ", "\""]) == [.doubleQuoted])
        #expect(ShellSpots.classify(["echo \"$(echo ca) ", "\""]) == [.doubleQuoted])
    }
}
