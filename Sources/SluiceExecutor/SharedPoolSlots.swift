import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The slots of the workspace's pools as one run holds them (docs/executor.md
/// "Pools across runs"). Every run in a workspace shares them, as Airflow's
/// pools are shared by every DAG run: slot `k` of pool `p` is the file
/// `.sluice/pools/<p>/<k>.slot` (`RunStore.openPoolSlotFiles`), and an
/// attempt holds it with `flock(LOCK_EX)` from before its `running` line
/// until its process is reaped. The kernel drops the lock when the holder's
/// descriptor closes, so a run that dies (even by kill -9) never leaks a
/// slot; the descriptors are close-on-exec, so tasks never inherit one.
///
/// A run opens a pool's files the first time one of its attempts needs a
/// slot, and keeps them open to its end: taking and giving back a slot is
/// then one `flock` call. Separate opens of a file conflict under `flock`
/// even within one process, so a trigger task's child run (same process,
/// its own table) shares the slots with its parent like any other run.
final class SharedPoolSlots {
    /// What asking for a slot gave.
    enum Acquisition: Equatable {
        /// Slot `k` is held until `release`.
        case held(Int)
        /// Every slot is held by someone else; `holder` is what one of them wrote (for display).
        case busy(holder: String?)
        /// The slot files cannot be used (a planted symlink…): the attempt must not start.
        case failed(String)
    }

    private let store: RunStore
    /// Per pool, one open descriptor per slot file, and which of them this run holds.
    private var files: [String: [Int32]] = [:]
    private var held: [String: Set<Int>] = [:]

    init(store: RunStore) { self.store = store }

    deinit { close() }

    /// Takes a free slot of `pool` (`slots`: this run's declared size), writing
    /// `holder` into it for `busy` messages of other runs.
    func acquire(pool: String, slots: Int, holder: String) -> Acquisition {
        let descriptors: [Int32]
        if let open = files[pool] {
            descriptors = open
        } else {
            do { descriptors = try store.openPoolSlotFiles(pool: pool, count: slots) } catch { return .failed(error.message) }
            files[pool] = descriptors
        }
        let mine = held[pool] ?? []
        for (k, fd) in descriptors.enumerated() where !mine.contains(k) {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                if errno == EWOULDBLOCK || errno == EINTR { continue }
                return .failed("cannot lock slot \(k) of pool \"\(pool)\": \(SystemCalls.errorText())")
            }
            held[pool, default: []].insert(k)
            Self.note(holder, in: fd)
            return .held(k)
        }
        return .busy(holder: descriptors.indices.first { !mine.contains($0) }.flatMap { Self.holder(descriptors[$0]) })
    }

    /// Gives slot `k` of `pool` back.
    func release(pool: String, slot k: Int) {
        guard held[pool]?.remove(k) != nil, let fd = files[pool]?[k] else { return }
        _ = flock(fd, LOCK_UN)
    }

    /// Closes every slot file (giving back whatever is still held).
    func close() {
        for descriptors in files.values { for fd in descriptors { SystemCalls.closeDescriptor(fd) } }
        files.removeAll()
        held.removeAll()
    }

    /// The holder's note replaces the file's content: short, one line, display only.
    private static func note(_ holder: String, in fd: Int32) {
        let bytes = Array((holder + "\n").utf8.prefix(Self.noteLimit))
        guard ftruncate(fd, 0) == 0 else { return }
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func holder(_ fd: Int32) -> String? {
        var bytes = [UInt8](repeating: 0, count: Self.noteLimit)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let line = String(decoding: bytes[..<n], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        // Written by sluice, but the file sits in the workspace: show printable text only.
        let printable = line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
        return printable && !line.isEmpty ? line : nil
    }

    private static let noteLimit = 256
}
