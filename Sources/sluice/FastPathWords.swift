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

/// The command lines `plan` and `graph` share, as their fast paths read
/// them: operands (specs), `-o`/`--output` once, `--param` repeated,
/// `--color` once, and each of the command's own `singleOptions` once. One
/// reading for both, so `-o` cannot come to mean one thing for `plan` and
/// another for `graph`.
struct OutputCommandLine {
    var operands: [String] = []
    var output: String?
    var params: [String] = []
    var color: ColorChoice = .auto
    /// The value of each of `singleOptions` given.
    var single: [String: String] = [:]

    /// The line read, or nil for ArgumentParser: anything `FastPathWords`
    /// leaves to it, a flag, an option given twice (`-o` and `--output` are
    /// one), or a `--color` that is not a choice.
    init?(_ arguments: [String], singleOptions: Set<String> = []) {
        let options = singleOptions.union(["-o", "--output", "--param", "--color"])
        guard let words = FastPathWords.read(arguments, flags: [], options: options) else { return nil }
        var seen = Set<String>()
        for word in words {
            switch word {
            case .operand(let operand):
                operands.append(operand)
            case .flag:
                return nil
            case .option("--param", let value):
                params.append(value)
            case .option(let name, let value):
                let option = name == "-o" ? "--output" : name
                guard seen.insert(option).inserted else { return nil }
                switch option {
                case "--output": output = value
                case "--color":
                    guard let choice = ColorChoice(rawValue: value) else { return nil }
                    color = choice
                default: single[option] = value
                }
            }
        }
    }
}
