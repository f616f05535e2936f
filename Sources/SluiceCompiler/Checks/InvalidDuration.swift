import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-duration`: `retry_delay` or `timeout` that is not a duration
/// literal (`500ms`, `30s`, `5m`, `2h`). A zero timeout is rejected too: it
/// would kill every attempt at once.
struct InvalidDuration: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        // The same few literals ("30s", "10m") recur across thousands of tasks.
        var parsed: [String: Result<DurationLiteral, LiteralError>] = [:]
        // The two nodes rather than the settings: copying `TaskSettings` retains all its fields.
        func check(_ retryDelay: YAMLNode?, _ timeout: YAMLNode?, _ owner: @autoclosure () -> String) {
            if let node = retryDelay { validate(node, key: "retry_delay", owner: owner(), allowZero: true, &parsed, context, &sink) }
            if let node = timeout { validate(node, key: "timeout", owner: owner(), allowZero: false, &parsed, context, &sink) }
        }
        check(spec.defaults.retryDelay, spec.defaults.timeout, "\"defaults\"")
        // By index: `for task in tasks` would copy every task, with all its fields.
        let tasks = spec.tasks
        for t in tasks.indices {
            check(tasks[t].settings.retryDelay, tasks[t].settings.timeout, "task \"\(tasks[t].name.value)\"")
        }
    }

    private func validate(_ node: YAMLNode, key: String, owner: @autoclosure () -> String, allowZero: Bool,
                          _ parsed: inout [String: Result<DurationLiteral, LiteralError>],
                          _ context: SpecContext, _ sink: inout DiagnosticSink) {
        guard let text = node.scalar?.text else { return }
        let result: Result<DurationLiteral, LiteralError>
        if let known = parsed[text] {
            result = known
        } else {
            result = DurationLiteral.parse(text)
            parsed[text] = result
        }
        switch result {
        case .success(let duration):
            if !allowZero && duration.milliseconds == 0 {
                sink.emit(.invalidDuration, at: node.range, "\"\(key)\" of \(owner()) is zero, which would stop every attempt at once",
                          help: "give a positive duration such as 10m, or remove the key")
            }
        case .failure(let error):
            let range = ScalarPositions(node, in: context.spec.source).range(offset: error.offset, length: error.length)
            sink.emit(.invalidDuration, at: range, "\"\(key)\" of \(owner()): \(error.message)",
                      help: "write a number and a unit: 500ms, 30s, 5m or 2h")
        }
    }
}
