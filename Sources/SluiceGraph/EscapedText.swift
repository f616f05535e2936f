import SluiceBasics
import SluicePlan

/// One drawing format's escaping of user text inside its quotes, for
/// `EscapedText` (DOT identifiers, DOT labels, Mermaid labels).
protocol TextEscaping {
    /// Whether printable ASCII `byte` (0x20..<0x7F) is written as it is.
    static func isPlain(_ byte: UInt8) -> Bool
    /// Writes `scalar`, already made `printable` (so never a control
    /// character other than `\n`), escaped.
    static func write(_ scalar: Unicode.Scalar, to out: inout ByteBuffer)
}

/// User text appended to a drawing in pieces (a label's lines; `task`, `.`,
/// `output`), written exactly as `printable` of all the pieces joined, then
/// escaped scalar by scalar, would be, without joining them: the renderers
/// write 10,000-task drawings and nearly every piece is plain, so it is
/// copied from the string's storage in one piece. `printable` turns CR LF
/// into one line break, also when the CR ends one piece and the LF is the
/// line break after it, so whether the last scalar was a CR is carried over.
struct EscapedText<Escaping: TextEscaping> {
    private var previousWasCR = false

    init() {}

    /// Appends `text`, escaped.
    @inline(__always)
    mutating func append(_ text: String, to out: inout ByteBuffer) {
        var text = text
        let copied = text.withUTF8 { bytes in
            for byte in bytes where !(byte >= 0x20 && byte < 0x7F && Escaping.isPlain(byte)) { return false }
            out.append(bytes)
            return true
        }
        if copied {
            // Printable ASCII only: the last scalar (if any) was no CR.
            if !text.isEmpty { previousWasCR = false }
        } else {
            for scalar in text.unicodeScalars { append(scalar, to: &out) }
        }
    }

    /// Appends fixed text that needs no escaping (`[]`), as one copy.
    @inline(__always)
    mutating func appendPlain(_ text: StaticString, to out: inout ByteBuffer) {
        out.append(text)
        if text.utf8CodeUnitCount > 0 { previousWasCR = false }
    }

    /// Appends the line break between two lines of the text.
    mutating func appendLineBreak(to out: inout ByteBuffer) {
        append("\n" as Unicode.Scalar, to: &out)
    }

    /// Appends `line` after a line break, when there is one.
    mutating func appendLine(_ line: String?, to out: inout ByteBuffer) {
        guard let line else { return }
        appendLineBreak(to: &out)
        append(line, to: &out)
    }

    private mutating func append(_ scalar: Unicode.Scalar, to out: inout ByteBuffer) {
        if let shown = Printable.scalar(scalar, afterCR: previousWasCR) { Escaping.write(shown, to: &out) }
        previousWasCR = scalar == "\r"
    }
}

extension EscapedText {
    /// A task node's label, in DOT and Mermaid alike: its name, then a line
    /// each for what is known of it (its `foreach`, and in a run its
    /// progress, failed checks and failed instances).
    mutating func appendNodeLabel(_ task: PlanTask, _ status: TaskRunStatus?, to out: inout ByteBuffer) {
        append(task.id, to: &out)
        appendLine(task.foreachCaption, to: &out)
        if let status {
            appendLine(status.progress, to: &out)
            appendLine(status.checkCaption, to: &out)
            appendLine(status.failedInstancesCaption, to: &out)
        }
    }
}

/// `printable`'s rule for one scalar, shared by the function and by
/// `EscapedText`, which applies it piece by piece.
enum Printable {
    /// What `scalar` becomes, or nil when it is dropped: the LF of a CR LF
    /// (`afterCR`: the scalar before it was a CR).
    @inline(__always)
    static func scalar(_ scalar: Unicode.Scalar, afterCR: Bool) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x0A: afterCR ? nil : "\n"
        case 0x0D: "\n"
        case 0x09: " "
        case 0x00..<0x20, 0x7F..<0xA0, 0xFFFE, 0xFFFF: "\u{FFFD}"
        default: scalar
        }
    }
}
