import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-cron`: a `schedule` that is not 5-field cron or an `@daily`-style alias.
/// The diagnostic underlines the bad field, not the whole schedule.
struct InvalidCron: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        guard let node = context.spec.schedule, let text = node.scalar?.text else { return }
        guard case .failure(let error) = CronSchedule.parse(text) else { return }
        let range = ScalarPositions(node, in: context.spec.source).range(offset: error.offset, length: error.length)
        sink.emit(.invalidCron, at: range, "schedule \"\(text)\": \(error.message)",
                  notes: ["fields: minute hour day-of-month month day-of-week, e.g. \"0 6 * * 1-5\"; or @hourly, @daily, @weekly, @monthly, @yearly"])
    }
}
