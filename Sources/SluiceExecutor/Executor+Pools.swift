import SluicePlan

/// Pools shared by every run in the workspace (docs/executor.md "Pools
/// across runs"): an attempt of a command task in a pool holds one of the
/// pool's slot files (`SharedPoolSlots`) from before its `running` line until
/// its process is reaped. Cached instances, tasks in no pool, empty tasks and
/// trigger tasks (whose wait for a child run holds no slot, as a deferred
/// Airflow task holds none) never touch the files.
extension Executor {
    /// How long a pool whose every slot another run holds waits before asking
    /// again. Asking is one `flock` per slot, so a short poll costs nothing
    /// measurable, and a freed slot is taken within this time.
    static let sharedSlotPollNanoseconds: Int64 = 50_000_000

    enum SharedSlotDecision {
        case held
        /// Deferred: the instance went back to the ready queue.
        case waiting
        /// The attempt must not start; the message says why.
        case refused(String)
    }

    /// Takes a shared slot for `ref` (a command task in pool `p`), or defers
    /// it: the pool hands out nothing more until the poll timer fires or this
    /// run gives one of its own slots back, and the loop goes on with other tasks.
    func takeSharedSlot(_ ref: InstanceRef, pool p: Int) -> SharedSlotDecision {
        let table: SharedPoolSlots
        if let existing = sharedPools {
            table = existing
        } else {
            table = SharedPoolSlots(store: runStore)
            sharedPools = table
        }
        let name = graph.poolNames[p]
        let holder = "run \(runID) (\(plan.pipeline)) task \(InstanceKey.name(key(ref), label: nil))"
        switch table.acquire(pool: name, slots: graph.poolSlots[p], holder: holder) {
        case .held(let k):
            heldSharedSlots[ref] = k
            return .held
        case .busy(let other):
            scheduler.deferForSharedSlot(ref)
            slotDeferred.insert(ref)
            if poolPolls.insert(p).inserted {
                timers.push(Timer(deadline: clock.mono() + Self.sharedSlotPollNanoseconds, kind: .poolSlot, ref: ref, attempt: 0))
            }
            if slotWaitShown.insert(ref).inserted {
                let message = "waiting for a slot in pool \"\(name)\"" + (other.map { " (held by \($0))" } ?? " (held by another run)")
                services.observer?.instanceChanged(InstanceChange(
                    runID: runID, pipeline: plan.pipeline, depth: options.depth, key: key(ref), attempt: (tries[ref] ?? 0) + 1,
                    state: .queued, time: clock.now(), message: masker.mask(message),
                    label: ref.mapIndex.flatMap { i in labels[ref.task].flatMap { i < $0.count ? $0[i] : nil } }))
            }
            return .waiting
        case .failed(let message):
            return .refused("no slot of pool \"\(name)\" can be taken: \(message)")
        }
    }

    /// Gives back the shared slot `ref` holds, if any (idempotent).
    func releaseSharedSlot(_ ref: InstanceRef) {
        guard !heldSharedSlots.isEmpty, let k = heldSharedSlots.removeValue(forKey: ref), let p = graph.poolOf[ref.task] else { return }
        sharedPools?.release(pool: graph.poolNames[p], slot: k)
    }

    /// The poll timer of a waiting pool fired: let it hand out instances again.
    func reopenWaitingPool(_ ref: InstanceRef) {
        guard let p = graph.poolOf[ref.task] else { return }
        poolPolls.remove(p)
        scheduler.reopenPool(p)
    }
}
