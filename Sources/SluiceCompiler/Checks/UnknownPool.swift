import SluiceDiagnostics
import SluiceSpec

/// `unknown-pool`: a task (or `defaults`) names a pool not declared in `pools`.
struct UnknownPool: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        let pools = spec.pools.map(\.name.value)
        let declared = Set(pools)
        func check(_ pool: Spanned<String>, owner: @autoclosure () -> String) {
            guard !declared.contains(pool.value) else { return }
            sink.emit(.unknownPool, at: pool.range, "\(owner()) uses pool \"\(pool.value)\", which is not declared in \"pools\"",
                      notes: pools.isEmpty ? ["this pipeline declares no pools"] : [],
                      help: didYouMean(pool.value, among: pools) ?? "declare it: pools: { \(pool.value): 1 }")
        }
        if let pool = spec.defaults.pool { check(pool, owner: "\"defaults\"") }
        // By index: `for task in tasks` would copy every task, with all its fields.
        let tasks = spec.tasks
        for t in tasks.indices {
            if let pool = tasks[t].settings.pool { check(pool, owner: "task \"\(tasks[t].name.value)\"") }
        }
    }
}
