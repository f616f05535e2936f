import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `join-after-branch`: a task downstream of two or more choices of one
/// branch that keeps `all_success`. The branch runs one choice and skips the
/// others, and a skipped upstream skips an `all_success` task: it never runs.
/// Reported where the paths meet, not again for every task below.
struct JoinAfterBranch: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let flow = context.flow
        guard !flow.branchesChoosing.isEmpty else { return }
        for (t, task) in context.spec.tasks.enumerated() {
            // What the upstream tasks carry in, not the task's own choice-ness:
            // a choice below another choice runs when either is picked.
            let inherited = Set(context.graph.upstream[t].flatMap { flow.gates[$0] }).sorted()
            guard BranchFlow.triggerRule(of: task, context.spec) == .allSuccess,
                  let (branch, choices) = conflict(inherited, flow),
                  !context.graph.upstream[t].contains(where: { conflict(flow.gates[$0], flow) != nil }) else { continue }
            let names = choices.map { quoted(context.taskName($0)) }
            sink.emit(.joinAfterBranch, at: task.name.range,
                      "task \(quoted(task.name.value)) follows \(names.joined(separator: " and ")), choices of branch task \(quoted(context.taskName(branch))), and keeps trigger_rule all_success: it is skipped whatever the branch picks",
                      notes: ["a branch runs one choice and skips the others; all_success skips a task when any upstream is skipped"],
                      help: "set trigger_rule: none_failed_min_one_success on \(quoted(task.name.value))")
        }
    }

    /// A branch task with two or more of its choices among `gates`.
    private func conflict(_ gates: [Int], _ flow: BranchFlow) -> (branch: Int, choices: [Int])? {
        guard gates.count >= 2 else { return nil }
        var byBranch: [Int: [Int]] = [:]
        for choice in gates {
            for branch in flow.branchesChoosing[choice] ?? [] { byBranch[branch, default: []].append(choice) }
        }
        return byBranch.filter { $0.value.count >= 2 }.min { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
