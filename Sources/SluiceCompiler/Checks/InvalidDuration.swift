import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-duration`: `retry_delay` or `timeout` that is not a duration
/// literal (`500ms`, `30s`, `5m`, `2h`). A zero timeout is rejected too: it
/// would kill every attempt at once.
struct InvalidDuration: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        // The same few literals ("30s", "10m") recur across thousands of tasks.
        var parsed: [String: Result<DurationLiteral, LiteralError>] = [:]
        func check(_ s: TaskSettings, _ owner: @autoclosure () -> String) {
            if let node = s.retryDelay { validate(node, key: "retry_delay", owner: owner(), allowZero: true, &parsed, context, &sink) }
            if let node = s.timeout { validate(node, key: "timeout", owner: owner(), allowZero: false, &parsed, context, &sink) }
        }
        check(spec.defaults, "\"defaults\"")
        for task in spec.tasks { check(task.settings, "task \"\(task.name.value)\"") }
    }

    private func validate(_ node: YAMLNode, key: String, owner: @autoclosure () -> String, allowZero: Bool,
                          _ parsed: inout [String: Result<DurationLiteral, LiteralError>],
                          _ context: CheckContext, _ sink: inout DiagnosticSink) {
        guard let text = node.scalar?.text else { return }
        let result = parsed[text] ?? DurationLiteral.parse(text)
        parsed[text] = result
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
