import SluicePlan
import Testing
@testable import SluiceGraph

/// Folding map instances into one status per mapped task.
struct RunOverlayTests {
    @Test(arguments: [
        // (instances, expected count, task-level state) -> (state, done, total)
        ([TaskState](), nil as Int?, nil as TaskState?, nil as TaskState?, nil as Int?, nil as Int?),
        ([], 0, nil, .skipped, 0, 0),
        ([], 5, .upstreamFailed, .upstreamFailed, 0, 5),
        ([.success, .success, .cached], 3, nil, .success, 3, 3),
        ([.cached, .cached], 2, nil, .cached, 2, 2),
        ([.skipped, .skipped], nil, nil, .skipped, 0, 2),
        ([.success, .running, .queued], 5, nil, .running, 1, 5),
        ([.success, .failed, .running], 5, nil, .failed, 1, 5),
        ([.success, .interrupted], 2, nil, .interrupted, 1, 2),
        ([.success, .success], 5, nil, .running, 2, 5),
        ([.success, .success, .success], 2, nil, .success, 3, 3),
    ])
    func mappedStatus(instances: [TaskState], expected: Int?, taskLevel: TaskState?, state: TaskState?, done: Int?, total: Int?) {
        let status = TaskRunStatus.mapped(instances: instances, expected: expected, taskLevel: taskLevel)
        #expect(status == TaskRunStatus(state: state, done: done, total: total))
    }

    @Test func absentTasksHaveNotRun() {
        let overlay = RunOverlay(runID: "r", tasks: ["a": TaskRunStatus(state: .success)])
        #expect(overlay.status(of: "b") == .notRun)
        #expect(overlay.caption == "run r (unfinished)")
        #expect(TaskRunStatus(state: .failed, done: 2, total: 5).progress == "2/5")
        #expect(TaskRunStatus(state: .failed).progress == nil)
    }
}
