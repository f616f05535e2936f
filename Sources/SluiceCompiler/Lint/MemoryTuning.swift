#if canImport(Glibc)
import Glibc
#endif

/// Linting a large spec fills tens of megabytes of fresh heap (about twenty
/// times the spec's size), and with 4 KiB pages the kernel then takes one page
/// fault per page: on a 2 MB spec that was about a fifth of the run. So, for
/// large inputs on Linux with glibc, the heap is grown once up front by about
/// what the run will need and that range is marked for transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`, what glibc's own `glibc.malloc.hugetlb=1` tunable
/// does), so it faults in 2 MiB at a time. The reservation is virtual: pages
/// the run never touches cost nothing. Anything unavailable (no glibc, no THP,
/// an error) leaves the heap as it was; results never depend on it.
///
/// Process-wide, so the command line decides to call it; it lives beside the
/// front end whose allocation it is sized by.
public enum MemoryTuning {
    /// Below this much spec text the heap stays small and page faults do not matter.
    static let minimumInputBytes = 1 << 20
    /// Heap per byte of spec, with room to spare (a 1.9 MB spec peaks near 34 MB).
    static let bytesPerInputByte = 32
    /// Sizes are counted up to this, so no sum or product of them can overflow.
    static let inputBytesCap = 1 << 40

    /// The size of `path` when it is a regular file, else 0 (directories are not walked for this).
    static func regularFileSize(_ path: String) -> Int {
        #if os(Linux) && canImport(Glibc)
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return 0 }
        return min(Int(info.st_size), inputBytesCap)
        #else
        return 0
        #endif
    }

    /// Tunes the heap for linting the specs at `paths` (files; a directory
    /// counts nothing, it is not walked for this). Call once, before reading them.
    public static func prepareHeap(forSpecsAt paths: [String]) {
        prepareHeap(forInputBytes: paths.reduce(0) { min($0 + regularFileSize($1), inputBytesCap) })
    }

    static func prepareHeap(forInputBytes inputBytes: Int) {
        #if os(Linux) && canImport(Glibc)
        guard inputBytes >= minimumInputBytes else { return }
        // `mallopt` and its options are in <malloc.h>, which Swift's Glibc module does not include.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let (trimThreshold, topPad, mmapThreshold): (Int32, Int32, Int32) = (-1, -2, -3)
        let hugePage = 2 << 20
        // At most 1 GiB (so it fits mallopt's Int32), and no product that can overflow.
        let reserve = Int32(min(min(inputBytes, 1 << 30) * bytesPerInputByte, 1 << 30))
        // Serve even large arrays from the heap (glibc's largest threshold,
        // 32 MiB), never give freed memory back mid-run, and grow the heap by
        // `reserve` the next time it grows.
        guard mallopt(mmapThreshold, 32 << 20) == 1, mallopt(trimThreshold, Int32.max) == 1,
              mallopt(topPad, reserve) == 1 else { return }
        guard let before = sbrk(0), before != UnsafeMutableRawPointer(bitPattern: -1) else { return }
        // Larger than any free space the young heap has, so the heap grows
        // now. Called through `dlsym`, since the optimizer deletes a `malloc`
        // whose block is freed unused.
        typealias Malloc = @convention(c) (Int) -> UnsafeMutableRawPointer?
        guard let mallocSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc"),
              let probe = unsafeBitCast(mallocSymbol, to: Malloc.self)(hugePage) else { return }
        free(probe)
        // Later growth (a run needing more than the reservation) pads as usual again.
        _ = mallopt(topPad, 128 << 10)
        guard let after = sbrk(0), after != UnsafeMutableRawPointer(bitPattern: -1) else { return }
        let start = (Int(bitPattern: before) + hugePage - 1) & ~(hugePage - 1)
        let end = Int(bitPattern: after) & ~(hugePage - 1)
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, MADV_HUGEPAGE)
        #endif
    }
}
