// `sluice-fuzz`: libFuzzer targets for the inputs Sluice takes from users.
//
//   spec   spec text through the front end, every lint rule, lowering, and the
//          plan's JSON round trip (SpecTarget.swift)
//   table  a task's CSV or JSON-lines table through ingest and an Arrow
//          write/read round trip (TableTarget.swift)
//   arrow  any bytes through the Arrow reader: compressed bodies, dictionary
//          batches, view buffers, every accepted type (ArrowTarget.swift)
//
// Built two ways by scripts/fuzz:
// - with `-DFUZZING -sanitize=fuzzer,address`: `main` hands the process to
//   libFuzzer's driver, which calls `LLVMFuzzerTestOneInput` with generated
//   inputs; SLUICE_FUZZ_TARGET names the target. (SwiftPM links executables
//   with their own `main`, so libFuzzer's is not used: its driver is.)
// - plainly, as every `swift build` does: `main` replays files,
//   `sluice-fuzz spec|table|arrow FILE...`, so a crash the fuzzer found re-runs
//   without libFuzzer (the regression tests do exactly that).
#if canImport(Glibc)
import Glibc
#endif

enum FuzzTarget: String, CaseIterable {
    case spec
    case table
    case arrow

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .spec: fuzzSpec(input)
        case .table: fuzzTable(input)
        case .arrow: fuzzArrow(input)
        }
    }

    /// Chosen once per process: libFuzzer calls the entry point millions of times.
    static let fromEnvironment: FuzzTarget = {
        guard let name = getenv("SLUICE_FUZZ_TARGET").map({ String(cString: $0) }),
              let target = FuzzTarget(rawValue: name) else {
            complain("set SLUICE_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        return target
    }()
}

func complain(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.fromEnvironment.run(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
enum FuzzMain {
    static func main() {
        _ = FuzzTarget.fromEnvironment  // fail before fuzzing, not on the first input
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
import Foundation

@main
enum ReplayInputs {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            complain("usage: sluice-fuzz spec|table|arrow FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                complain("sluice-fuzz: cannot read \(path)")
                exit(2)
            }
            data.withUnsafeBytes { target.run($0.bindMemory(to: UInt8.self)) }
        }
        if target == .table { unlink(tableScratchPath) }
        if target == .arrow { unlink(arrowScratchPath) }
    }
}
#endif
