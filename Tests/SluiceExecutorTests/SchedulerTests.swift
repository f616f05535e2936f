import Testing
import SluicePlan
@testable import SluiceExecutor

/// The scheduler in memory: no processes, no clock.
private func scheduler(_ tasks: [PlanTask], pools: [Plan.Pool] = [], maxActive: Int = 8) throws -> (Scheduler, RunGraph) {
    let graph = try RunGraph(plan(tasks, pools: pools))
    return (Scheduler(graph: graph, maxActive: maxActive), graph)
}

private func ref(_ graph: RunGraph, _ name: String, _ index: Int? = nil) -> InstanceRef {
    InstanceRef(task: graph.index[name] ?? -1, mapIndex: index)
}

private func settled(_ events: [SchedulerEvent], _ graph: RunGraph) -> [String: TaskState] {
    var out: [String: TaskState] = [:]
    for case .settled(let r, let state, _) in events { out[graph.tasks[r.task].id] = state }
    return out
}

@Test func readyQueueStartsTheLongestPathFirst() throws {
    // short has nothing after it; long heads a chain of three.
    var (s, g) = try scheduler([task("short"), task("long"), task("mid", needs: ["long"]), task("end", needs: ["mid"])], maxActive: 1)
    _ = s.start()
    #expect(s.takeNext() == ref(g, "long"))
    #expect(s.takeNext() == nil, "one slot only")
    _ = s.finish(ref(g, "long"), .success)
    #expect(s.takeNext() == ref(g, "mid"))
}

@Test func poolsCapTheirTasksWithoutBlockingOthers() throws {
    var (s, g) = try scheduler([task("a1", pool: "api"), task("a2", pool: "api"), task("a3", pool: "api"), task("free")],
                               pools: [Plan.Pool(name: "api", slots: 2)], maxActive: 8)
    _ = s.start()
    var taken: [InstanceRef] = []
    while let next = s.takeNext() { taken.append(next) }
    #expect(taken.count == 3)
    #expect(taken.contains(ref(g, "free")))
    #expect(s.poolRunning == [2])
    _ = s.finish(taken[0] == ref(g, "free") ? taken[1] : taken[0], .success)
    #expect(s.takeNext() != nil, "a freed pool slot lets the third api task start")
}

@Test func aPoolWaitingForASharedSlotHandsOutNothingAndBlocksNoOtherTask() throws {
    // a1 and a2 head longer paths than free, so the pool's tasks come first.
    var (s, g) = try scheduler([task("a1", pool: "api"), task("a2", pool: "api"), task("x", needs: ["a1", "a2"]), task("free")],
                               pools: [Plan.Pool(name: "api", slots: 2)], maxActive: 1)
    _ = s.start()
    let taken = s.takeNext()
    let first = ref(g, "a1")
    #expect(taken == first)
    // Another run holds every slot of "api": a1 goes back, and the one global slot goes to free.
    s.deferForSharedSlot(first)
    #expect(s.phase(first) == .ready && s.running == 0 && s.poolRunning == [0])
    #expect(s.takeNext() == ref(g, "free"))
    _ = s.finish(ref(g, "free"), .success)
    #expect(s.takeNext() == nil, "the pool waits until it is reopened")
    s.reopenPool(0)
    #expect(s.takeNext() == ref(g, "a1"), "the deferred instance keeps its place in the queue")
}

@Test func failureMarksAllSuccessDownstreamUpstreamFailedTransitively() throws {
    var (s, g) = try scheduler([task("a"), task("b", needs: ["a"]), task("c", needs: ["b"]), task("d", needs: ["c"], rule: .allDone)])
    _ = s.start()
    _ = s.takeNext()
    let events = s.finish(ref(g, "a"), .failed)
    let states = settled(events, g)
    #expect(states["b"] == .upstreamFailed)
    #expect(states["c"] == .upstreamFailed)
    #expect(events.contains(.queued(ref(g, "d"))), "all_done runs after upstream_failed")
}

@Test func branchSkipsTheOtherChoicesAndTheJoinStillRuns() throws {
    var (s, g) = try scheduler([
        task("decide", branch: ["left", "right"]), task("left", needs: ["decide"]), task("right", needs: ["decide"]),
        task("after_right", needs: ["right"]),
        task("join", needs: ["left", "after_right"], rule: .noneFailedMinOneSuccess),
    ])
    _ = s.start()
    _ = s.takeNext()
    s.chooseBranch(task: g.index["decide"] ?? -1, choices: [g.index["left"] ?? -1])
    let events = s.finish(ref(g, "decide"), .success)
    let states = settled(events, g)
    #expect(states["right"] == .skipped)
    #expect(states["after_right"] == .skipped, "skips propagate through all_success")
    #expect(events.contains(.queued(ref(g, "left"))))
    _ = s.takeNext()
    let joined = s.finish(ref(g, "left"), .success)
    #expect(joined.contains(.queued(ref(g, "join"))))
}

/// Airflow's `skip_all_except` follows the chosen tasks' downstream: a direct
/// downstream of the branch that is also below a chosen task is not skipped.
@Test func aJoinBelowTheBranchAndAChosenTaskRuns() throws {
    let tasks = [
        task("br", branch: ["a", "b"]), task("a", needs: ["br"]), task("b", needs: ["br"]),
        task("mid", needs: ["a"]), task("j", needs: ["br", "mid"]),
    ]
    var (s, g) = try scheduler(tasks)
    _ = s.start()
    _ = s.takeNext()
    s.chooseBranch(task: g.index["br"] ?? -1, choices: [g.index["a"] ?? -1])
    let events = s.finish(ref(g, "br"), .success)
    #expect(settled(events, g) == ["b": .skipped], "only b is skipped: j is below the chosen a")
    _ = s.takeNext()
    _ = s.finish(ref(g, "a"), .success)
    _ = s.takeNext()
    let joined = s.finish(ref(g, "mid"), .success)
    #expect(joined.contains(.queued(ref(g, "j"))))

    // Choosing b: j is below no chosen task, so the branch skips it.
    var (other, g2) = try scheduler(tasks)
    _ = other.start()
    _ = other.takeNext()
    other.chooseBranch(task: g2.index["br"] ?? -1, choices: [g2.index["b"] ?? -1])
    let skipped = settled(other.finish(ref(g2, "br"), .success), g2)
    #expect(skipped == ["a": .skipped, "mid": .skipped, "j": .skipped])
}

@Test func foreachExpandsAndAnEmptyListSkips() throws {
    var (s, g) = try scheduler([
        task("fan", foreach: .param(["items"])), task("after", needs: ["fan"]),
        task("none", foreach: .param(["empty"])), task("after_none", needs: ["none"]),
    ])
    let first = s.start()
    #expect(first.contains(.needsExpansion(task: g.index["fan"] ?? -1)))
    let expanded = s.expand(task: g.index["fan"] ?? -1, count: 3)
    #expect(expanded.filter { if case .queued = $0 { true } else { false } }.count == 3)
    let empty = s.expand(task: g.index["none"] ?? -1, count: 0)
    #expect(settled(empty, g)["none"] == .skipped)
    #expect(settled(empty, g)["after_none"] == .skipped)
    for i in 0..<3 {
        let nextTaken = s.takeNext()
    let next = try #require(nextTaken)
        #expect(next.mapIndex == i, "map instances start in index order")
        let events = s.finish(next, .success)
        #expect(events.contains(.queued(ref(g, "after"))) == (i == 2), "downstream waits for every instance")
    }
}

@Test func aFailedMapInstanceFailsTheAllSuccessDownstream() throws {
    var (s, g) = try scheduler([task("fan", foreach: .param(["items"])), task("after", needs: ["fan"]),
                                task("cleanup", needs: ["fan"], rule: .oneFailed)])
    _ = s.start()
    _ = s.expand(task: g.index["fan"] ?? -1, count: 2)
    let firstTaken = s.takeNext()
    let first = try #require(firstTaken)
    let events = s.finish(first, .failed)
    #expect(settled(events, g)["after"] == .upstreamFailed)
    #expect(events.contains(.queued(ref(g, "cleanup"))), "one_failed fires before the other instance ends")
}

@Test func retriesReleaseTheirSlotWhileWaiting() throws {
    var (s, g) = try scheduler([task("flaky"), task("other")], maxActive: 1)
    _ = s.start()
    let firstTaken = s.takeNext()
    let first = try #require(firstTaken)
    #expect(first == ref(g, "flaky") || first == ref(g, "other"))
    s.retryLater(first)
    #expect(s.hasWorkInFlight)
    let secondTaken = s.takeNext()
    let second = try #require(secondTaken, "the slot is free during the retry delay")
    #expect(second != first)
    _ = s.finish(second, .success)
    #expect(s.requeue(first) == [.queued(first)])
    #expect(s.takeNext() == first)
    _ = s.finish(first, .success)
    #expect(s.isComplete)
}

@Test func stoppingAbandonsWhatNeverRan() throws {
    var (s, g) = try scheduler([task("a"), task("b"), task("c", needs: ["a"])], maxActive: 1)
    _ = s.start()
    let firstTaken = s.takeNext()
    let first = try #require(firstTaken)
    s.stopStarting()
    _ = s.finish(first, .failed)
    #expect(s.takeNext() == nil)
    let events = s.abandon(reason: "stopped")
    #expect(s.isComplete)
    #expect(!settled(events, g).isEmpty)
}

@Test func aLongChainOfSkipsDoesNotRecurse() throws {
    var tasks = [task("t0", branch: ["t1", "other"]), task("other", needs: ["t0"])]
    for i in 1..<20_000 { tasks.append(task("t\(i)", needs: ["t\(i - 1)"])) }
    var (s, g) = try scheduler(tasks)
    _ = s.start()
    _ = s.takeNext()
    s.chooseBranch(task: g.index["t0"] ?? -1, choices: [g.index["other"] ?? -1])
    let events = s.finish(ref(g, "t0"), .success)
    #expect(settled(events, g).count == 19_999)
}

@Test func invalidPlansAreRefusedByName() {
    #expect(throws: PlanValidationError.self) { try RunGraph(plan([task("a", needs: ["ghost"])])) }
    #expect(throws: PlanValidationError.self) { try RunGraph(plan([task("a", needs: ["b"]), task("b", needs: ["a"])])) }
    #expect(throws: PlanValidationError.self) { try RunGraph(plan([task("a", pool: "nope")])) }
}
