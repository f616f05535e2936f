import Testing
import SluicePlan
@testable import SluiceExecutor

/// Airflow's TriggerRuleDep, case by case: `s` success, `f` failed, `u`
/// upstream_failed, `k` skipped, `.` not done yet.
private func counts(_ states: String) -> UpstreamCounts {
    var c = UpstreamCounts(total: states.count)
    for state in states {
        switch state {
        case "s": c.success += 1
        case "f": c.failed += 1
        case "u": c.upstreamFailed += 1
        case "k": c.skipped += 1
        default: break
        }
    }
    return c
}

struct TriggerCase: CustomStringConvertible, Sendable {
    var rule: TriggerRule
    var upstream: String
    var expected: TriggerDecision
    var description: String { "\(rule.rawValue) with [\(upstream)] → \(expected)" }
}

private let cases: [TriggerCase] = [
    .init(rule: .allSuccess, upstream: "ss", expected: .run),
    .init(rule: .allSuccess, upstream: "s.", expected: .wait),
    .init(rule: .allSuccess, upstream: "sk", expected: .skip),
    .init(rule: .allSuccess, upstream: "f.", expected: .upstreamFailed),
    .init(rule: .allSuccess, upstream: "ku", expected: .upstreamFailed),
    .init(rule: .allFailed, upstream: "fu", expected: .run),
    .init(rule: .allFailed, upstream: "f.", expected: .wait),
    .init(rule: .allFailed, upstream: "fs", expected: .skip),
    .init(rule: .allFailed, upstream: "k.", expected: .skip),
    .init(rule: .allDone, upstream: "sfku", expected: .run),
    .init(rule: .allDone, upstream: "sf.", expected: .wait),
    .init(rule: .allDoneMinOneSuccess, upstream: "sf", expected: .run),
    .init(rule: .allDoneMinOneSuccess, upstream: "s.", expected: .wait),
    .init(rule: .allDoneMinOneSuccess, upstream: "fu", expected: .upstreamFailed),
    .init(rule: .allDoneMinOneSuccess, upstream: "sk", expected: .skip),
    .init(rule: .allSkipped, upstream: "kk", expected: .run),
    .init(rule: .allSkipped, upstream: "k.", expected: .wait),
    .init(rule: .allSkipped, upstream: "ks", expected: .skip),
    .init(rule: .allSkipped, upstream: "f.", expected: .skip),
    .init(rule: .oneSuccess, upstream: "s.", expected: .run),
    .init(rule: .oneSuccess, upstream: "f.", expected: .wait),
    .init(rule: .oneSuccess, upstream: "kk", expected: .skip),
    .init(rule: .oneSuccess, upstream: "fk", expected: .upstreamFailed),
    .init(rule: .oneFailed, upstream: "f.", expected: .run),
    .init(rule: .oneFailed, upstream: "u.", expected: .run),
    .init(rule: .oneFailed, upstream: "s.", expected: .wait),
    .init(rule: .oneFailed, upstream: "sk", expected: .skip),
    .init(rule: .oneDone, upstream: "f.", expected: .run),
    .init(rule: .oneDone, upstream: "s.", expected: .run),
    .init(rule: .oneDone, upstream: "k.", expected: .wait),
    .init(rule: .oneDone, upstream: "ku", expected: .skip),
    .init(rule: .noneFailed, upstream: "sk", expected: .run),
    .init(rule: .noneFailed, upstream: "kk", expected: .run),
    .init(rule: .noneFailed, upstream: "s.", expected: .wait),
    .init(rule: .noneFailed, upstream: "u.", expected: .upstreamFailed),
    .init(rule: .noneFailedMinOneSuccess, upstream: "sk", expected: .run),
    .init(rule: .noneFailedMinOneSuccess, upstream: "kk", expected: .skip),
    .init(rule: .noneFailedMinOneSuccess, upstream: "k.", expected: .wait),
    .init(rule: .noneFailedMinOneSuccess, upstream: "fk", expected: .upstreamFailed),
    .init(rule: .noneSkipped, upstream: "sf", expected: .run),
    .init(rule: .noneSkipped, upstream: "s.", expected: .wait),
    .init(rule: .noneSkipped, upstream: "sk", expected: .skip),
    .init(rule: .always, upstream: "..", expected: .run),
    .init(rule: .always, upstream: "fk", expected: .run),
]

@Test(arguments: cases)
func triggerRuleDecides(_ c: TriggerCase) {
    #expect(c.rule.decide(counts(c.upstream)) == c.expected)
}

@Test(arguments: TriggerRule.allCases)
func aTaskWithoutUpstreamAlwaysRuns(_ rule: TriggerRule) {
    #expect(rule.decide(UpstreamCounts()) == .run)
}

/// Once every upstream instance is done, every rule decides: the scheduler relies on it to never hang.
@Test(arguments: TriggerRule.allCases)
func everyRuleDecidesOnceUpstreamIsDone(_ rule: TriggerRule) {
    let alphabet: [Character] = ["s", "f", "u", "k"]
    for a in alphabet {
        for b in alphabet {
            #expect(rule.decide(counts(String([a, b]))) != .wait, "\(rule.rawValue) with [\(a)\(b)]")
        }
    }
}
