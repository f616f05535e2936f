import SluiceDiagnostics
import SluiceSpec

/// `unknown-pool`: a task (or `defaults`) names a pool not declared in `pools`.
struct UnknownPool: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        let pools = spec.pools.map(\.name.value)
        let declared = Set(pools)
        var uses: [(owner: String, pool: Spanned<String>)] = []
        if let pool = spec.defaults.pool { uses.append(("\"defaults\"", pool)) }
        for task in spec.tasks {
            if let pool = task.settings.pool { uses.append(("task \"\(task.name.value)\"", pool)) }
        }
        for (owner, pool) in uses where !declared.contains(pool.value) {
            sink.emit(.unknownPool, at: pool.range, "\(owner) uses pool \"\(pool.value)\", which is not declared in \"pools\"",
                      notes: pools.isEmpty ? ["this pipeline declares no pools"] : [],
                      help: didYouMean(pool.value, among: pools) ?? "declare it: pools: { \(pool.value): 1 }")
        }
    }
}
