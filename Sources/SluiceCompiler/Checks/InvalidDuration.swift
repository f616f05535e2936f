import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-duration`: `retry_delay` or `timeout` that is not a duration
/// literal (`500ms`, `30s`, `5m`, `2h`). A zero timeout is rejected too: it
/// would kill every attempt at once.
struct InvalidDuration: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        var settings: [(owner: String, TaskSettings)] = [("\"defaults\"", spec.defaults)]
        settings += spec.tasks.map { ("task \"\($0.name.value)\"", $0.settings) }
        for (owner, s) in settings {
            if let node = s.retryDelay { validate(node, key: "retry_delay", owner: owner, allowZero: true, context, &sink) }
            if let node = s.timeout { validate(node, key: "timeout", owner: owner, allowZero: false, context, &sink) }
        }
    }

    private func validate(_ node: YAMLNode, key: String, owner: String, allowZero: Bool,
                          _ context: CheckContext, _ sink: inout DiagnosticSink) {
        guard let text = node.scalar?.text else { return }
        switch DurationLiteral.parse(text) {
        case .success(let duration):
            if !allowZero && duration.milliseconds == 0 {
                sink.emit(.invalidDuration, at: node.range, "\"\(key)\" of \(owner) is zero, which would stop every attempt at once",
                          help: "give a positive duration such as 10m, or remove the key")
            }
        case .failure(let error):
            let range = ScalarPositions(node, in: context.spec.source).range(offset: error.offset, length: error.length)
            sink.emit(.invalidDuration, at: range, "\"\(key)\" of \(owner): \(error.message)",
                      help: "write a number and a unit: 500ms, 30s, 5m or 2h")
        }
    }
}
