import Foundation
import SluiceBasics
@testable import SluiceExecutor
@testable import sluice
import Testing

/// The summary's table and failed instances are made beside the run's last
/// syncs, from the record as it stands before `run_finished`
/// (`RunSummary.Body`, through `RunServices.whileRecordsSync`): the summary
/// printed with it must be the one made from the finished record, and a body
/// made for another run (a child run's) or another colour choice is not used.
struct RunSummaryBodyTests {
    static let started = #"{"event":"run_started","run_id":"20261207T000000.000Z-aaaaaa","pipeline":"p","time":"2026-12-07T00:00:00.000Z","parent_run_id":null,"version":1,"source_sha256":"x","workspace":"/w","pid":1}"#
    static let events = [
        #"{"event":"mapped","task":"fetch","count":3,"time":"2026-12-07T00:00:00.001Z","labels":["a","b","c"],"items":["a","b","c"]}"#,
        #"{"event":"task","task":"fetch","map_index":0,"try":1,"state":"running","time":"2026-12-07T00:00:00.002Z","log":"logs/fetch.0.try1.log"}"#,
        #"{"event":"task","task":"fetch","map_index":0,"try":1,"state":"success","time":"2026-12-07T00:00:00.500Z","exit_code":0,"cache_hit":false,"log":"logs/fetch.0.try1.log"}"#,
        #"{"event":"task","task":"fetch","map_index":1,"try":1,"state":"running","time":"2026-12-07T00:00:00.002Z","log":"logs/fetch.1.try1.log"}"#,
        #"{"event":"task","task":"fetch","map_index":1,"try":1,"state":"failed","time":"2026-12-07T00:00:01.000Z","exit_code":3,"message":"exit code 3","cache_hit":false,"log":"logs/fetch.1.try1.log"}"#,
        #"{"event":"task","task":"fetch","map_index":2,"try":0,"state":"cached","time":"2026-12-07T00:00:00.003Z","cache_hit":true}"#,
        #"{"event":"task","task":"report","map_index":null,"try":0,"state":"upstream_failed","time":"2026-12-07T00:00:01.001Z","message":"an upstream task failed"}"#,
    ]
    static let finished = #"{"event":"run_finished","state":"failed","time":"2026-12-07T00:00:01.250Z"}"#

    static func record(_ lines: [String]) throws -> RunRecord {
        var record = RunRecord()
        for line in lines { record.apply(try #require(JournalEvent(json: try JSON.parse(line)))) }
        return record
    }

    @Test func theBodyMadeBeforeRunFinishedGivesTheSameSummary() throws {
        let settled = try Self.record([Self.started] + Self.events)
        let finished = try Self.record([Self.started] + Self.events + [Self.finished])
        #expect(settled.end == nil && finished.end != nil)
        let result = RunResult(runID: finished.runID, pipeline: "p", state: .failed,
                               directory: RunDirectory(workspace: "/w", pipeline: "p", runID: finished.runID), record: finished, depth: 0)
        for color in [false, true] {
            let expected = RunSummary.render(result, color: color)
            #expect(expected.contains("fetch [3]") && expected.contains("failed instances:") && expected.contains("in 1.2s"), "\(expected)")
            #expect(RunSummary.render(result, color: color, body: RunSummary.Body(settled, color: color)) == expected)
            // Made for the other colour choice, or for another run: not used.
            let other = try Self.record([Self.started.replacingOccurrences(of: "aaaaaa", with: "bbbbbb")])
            #expect(RunSummary.render(result, color: color, body: RunSummary.Body(other, color: color)) == expected)
            #expect(RunSummary.render(result, color: color, body: RunSummary.Body(settled, color: !color)) == expected)
        }
    }
}
