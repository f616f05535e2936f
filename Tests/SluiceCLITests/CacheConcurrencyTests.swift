import Foundation
import Testing

/// Simultaneous runs of one pipeline, and `sluice cache gc`.

@Test func twoSimultaneousRunsBothSucceedWithAConsistentCache() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    var spec = "pipeline: twins\ntasks:\n"
    for i in 0..<6 {
        spec += """
              t\(i):
                run: python3 -c "import sys; sys.stdout.write('a,b\\\\n' + ''.join(f'{j},{j * \(i)}\\\\n' for j in range(20000)))" > "$SLUICE_TABLE_ROWS"
                outputs: { rows: "table(a: int64, b: int64)" }

            """
    }
    spec += "  join:\n    needs: [t0, t1, t2, t3, t4, t5]\n    run: echo \"n={{ t5.rows }}\" > join.txt\n"
    try workspace.write("twins.yaml", spec)
    let one = try workspace.start("twins.yaml"), two = try workspace.start("twins.yaml")
    one.waitUntilExit()
    two.waitUntilExit()
    #expect(one.terminationStatus == 0 && two.terminationStatus == 0)
    let ids = workspace.runIDs("twins")
    #expect(ids.count == 2 && Set(ids).count == 2, "distinct run ids: \(ids)")
    for id in ids { #expect(try workspace.show(id).state == "success") }
    let cache = try workspace.cacheProblems()
    #expect(cache.problems.isEmpty, "\(cache.problems)")
    #expect(cache.entries == 7, "one entry per task, whichever run published it")
    #expect(try workspace.unreadableArrowFiles().bad.isEmpty)
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: workspace.path + "/.sluice/cache/tmp")) ?? []
    #expect(leftovers.isEmpty, "no half-built entry is left: \(leftovers)")
    // A third run finds everything cached, and the same table contents as each of the two.
    #expect(try workspace.run("twins.yaml").status == 0)
    let third = try workspace.show()
    #expect(third.cached.count == 7)
    let table = try #require(third.outputs("t3")["rows"] as? String)
    let earlier = try #require(try workspace.show(ids[0]).outputs("t3")["rows"] as? String)
    #expect(try workspace.tableDigests([table]) == workspace.tableDigests([earlier]))
}

@Test func cacheGCKeepsTheLastRunsEntriesAndWaitsForNoRun() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("gc.yaml", """
        pipeline: collected
        params: { n: 1 }
        tasks:
          fixed:
            run: printf 'a\\n1\\n' > "$SLUICE_TABLE_ROWS"
            outputs: { rows: "table(a: int64)" }
          varying:
            run: printf 'a\\n{{ params.n }}\\n' > "$SLUICE_TABLE_ROWS"
            outputs: { rows: "table(a: int64)" }

        """)
    for n in 1...3 { #expect(try workspace.run("gc.yaml", ["--param", "n=\(n)"]).status == 0) }
    #expect(try workspace.cacheProblems().entries == 4, "fixed once, varying three times")

    let gc = try CLI.run(["cache", "gc", "--keep", "2", "--workspace", workspace.path], cwd: workspace.url)
    #expect(gc.status == 0, "\(gc.stderr)")
    #expect(gc.stdout.contains("removed 1 cache entry"), "\(gc.stdout)")
    #expect(gc.stdout.contains("kept 3"), "\(gc.stdout)")
    #expect(try workspace.cacheProblems().entries == 3)
    // The last two runs are still fully cached; the first one's entry is gone.
    #expect(try workspace.run("gc.yaml", ["--param", "n=2"]).status == 0)
    #expect(try workspace.show().cached == ["fixed", "varying"])
    #expect(try workspace.run("gc.yaml", ["--param", "n=1"]).status == 0)
    #expect(try workspace.show().ran == ["varying"])

    // While a run holds the cache, gc changes nothing and exits 2.
    try workspace.write("slow.yaml", "pipeline: slowly\ntasks:\n  wait:\n    run: touch started; sleep 3\n")
    let running = try workspace.start("slow.yaml")
    #expect(workspace.wait(seconds: 15) { workspace.exists("started") })
    let entries = try workspace.cacheProblems().entries
    let refused = try CLI.run(["cache", "gc", "--keep", "0", "--workspace", workspace.path], cwd: workspace.url)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("a run is using the cache"), "\(refused.stderr)")
    #expect(try workspace.cacheProblems().entries == entries)
    running.waitUntilExit()
    #expect(running.terminationStatus == 0)
    let all = try CLI.run(["cache", "gc", "--keep", "0", "--workspace", workspace.path], cwd: workspace.url)
    #expect(all.status == 0)
    #expect(try workspace.cacheProblems().entries == 0)
}
