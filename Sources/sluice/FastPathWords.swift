/// The words of a command line as the argv fast paths (`LintCommand.fastPath`,
/// `RunCommand.fastPath`, `PlanCommand.fastPath`, `GraphCommand.fastPath`)
/// read them: one reading of `--name=value`, `--name value`, `-o value`,
/// flags and operands for all, so they cannot drift apart.
/// What a fast path does not know it leaves to ArgumentParser, which reads
/// the line as before, errors included.
enum FastPathWords {
    enum Word: Equatable {
        case operand(String)
        case flag(String)
        case option(String, value: String)
    }

    /// Every word of `arguments`, or nil when the line holds something the
    /// fast path leaves to ArgumentParser: a name in neither `flags` nor
    /// `options` (help, `--`, an unknown option), a flag given a value, or an
    /// option whose value is missing, empty or starts with `-`. Only a long
    /// name takes its value after `=`: a short one (`-o=x`, `-ox`) is left
    /// to ArgumentParser, whose reading of those forms is its own.
    static func read(_ arguments: [String], flags: Set<String>, options: Set<String>) -> [Word]? {
        var words: [Word] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                words.append(.operand(argument))
                continue
            }
            var name = argument
            var value: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if flags.contains(name) {
                guard value == nil else { return nil }
                words.append(.flag(name))
                continue
            }
            guard options.contains(name) else { return nil }
            if value == nil {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            words.append(.option(name, value: value))
        }
        return words
    }
}
