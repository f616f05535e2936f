/// One task instance: a task and, for a `foreach` task, its map index.
/// Mapped tasks that never expanded (skipped, upstream failed) are recorded
/// with a nil map index, as Airflow does.
public struct InstanceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var task: String
    public var mapIndex: Int?

    public init(task: String, mapIndex: Int? = nil) {
        self.task = task
        self.mapIndex = mapIndex
    }

    /// `fetch` or `fetch[2]`, as progress lines and messages print it.
    public var description: String {
        mapIndex.map { "\(task)[\($0)]" } ?? task
    }

    /// `fetch` or `fetch.2`: safe in file names (task names never hold a dot).
    public var fileStem: String {
        mapIndex.map { "\(task).\($0)" } ?? task
    }

    public static func < (a: InstanceKey, b: InstanceKey) -> Bool {
        (a.task, a.mapIndex ?? -1) < (b.task, b.mapIndex ?? -1)
    }
}
