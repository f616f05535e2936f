import Testing
@testable import SluiceExecutor

@Test func statesUseDesignNames() {
    #expect(TaskState.upstreamFailed.rawValue == "upstream_failed")
}
