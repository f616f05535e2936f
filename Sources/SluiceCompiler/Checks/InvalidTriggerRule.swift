import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-trigger-rule`: not one of Airflow's trigger rules.
struct InvalidTriggerRule: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var rules: [Spanned<String>] = context.spec.defaults.triggerRule.map { [$0] } ?? []
        rules += context.spec.tasks.compactMap(\.settings.triggerRule)
        let known = TriggerRule.allCases.map(\.rawValue)
        for rule in rules where TriggerRule(rawValue: rule.value) == nil {
            sink.emit(.invalidTriggerRule, at: rule.range, "\"\(rule.value)\" is not a trigger rule",
                      notes: ["trigger rules: \(known.joined(separator: ", "))"],
                      help: didYouMean(rule.value, among: known))
        }
    }
}
