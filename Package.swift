// swift-tools-version:6.0
// Sluice: a declarative pipeline compiler. One library target per compiler stage;
// the `sluice` executable only wires them. Dependencies point one way:
//   SluiceBasics                                   (leaf: the facts every stage shares, one copy each: byte-level
//                                                   lines and BOM, JSON value/writer/parser and string escaping,
//                                                   the civil calendar, topological order, what a name is)
//   SluicePlan      -> SluiceBasics
//   SluiceColumnar  -> SluiceBasics, CLZ4, CZstd   (Arrow tables; lz4 and zstd from Debian's libraries)
//   SluiceDiagnostics -> SluiceBasics
//   SluiceSpec      -> CYAML, CYAMLHeap, SluiceDiagnostics   (CYAMLHeap: libyaml's allocations, in C)
//   SluiceCompiler  -> SluiceSpec, SluiceDiagnostics, SluicePlan   (spec -> checked model -> plan)
//                      + SluiceColumnar for its one safe file reader (RegularFile)
//   SluiceGraph     -> SluicePlan                                  (plan -> DOT / Mermaid / ASCII)
//   SluiceExecutor  -> SluicePlan, SluiceColumnar, CSpawn          (plan -> a local run)
//   SluiceExport    -> SluicePlan                                  (plan -> Airflow DAG files)
//   SluiceLanguageServer -> SluiceCompiler, SluiceSpec, SluiceDiagnostics, SluicePlan  (`sluice lsp`)
//   SluiceWeb       -> SluiceExecutor, SluiceGraph, SluiceCompiler, SluiceDiagnostics, SluicePlan,
//                      SluiceColumnar, SluiceBasics  (the UI's pages and JSON API from the records; no HTTP)
//   SluiceServer    -> SluiceWeb, SluiceExecutor, SluiceBasics, FlyingSocks     (`sluice ui`: HTTP, screening, events)
//   sluice (CLI)    -> everything + ArgumentParser
import PackageDescription

/// Generic types are instantiated through their metadata accessors, given the
/// conformances the compiler already knows, instead of by mangled name: the
/// runtime checks a mangled name's generic requirements by scanning every
/// protocol conformance record of the binary (tens of thousands) for each new
/// type and protocol, about 0.39M instructions each, paid by every command at
/// the first use of each type (4.5M of a one-task run's 12.0M instructions on
/// the main thread; docs/speed.md, "a run's fixed cost, second round (fixed)").
/// Dependencies (ArgumentParser, swift-crypto) and the toolchain's static
/// libraries keep their mangled-name accessors: a package cannot set their flags.
let directMetadataAccess: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

/// What the loader does at every start of the executable, made smaller
/// (docs/speed.md, "a process's start"):
/// - libstdc++ linked in rather than loaded and relocated, in a statically
///   linked build (`--static-swift-stdlib`): see scripts/link/libstdc++.so, the
///   linker script that directory holds;
/// - no dynamic symbol table of the executable's own 11,000 Swift symbols
///   (the toolchain's `-export-dynamic`, undone): nothing looks them up (its
///   `--exclude-libs ALL` already hides every library's), and the runtime's
///   backtracer set-up `dladdr`s into the executable at start, which scans it.
let startupLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L", Context.packageDirectory + "/scripts/link"], .when(platforms: [.linux])),
    .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux])),
]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 for source digests and cache keys: hashing `deps` files must be fast.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `sluice ui`'s HTTP server: no SwiftNIO, so a small cold build (docs/ui.md).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // libyaml itself: its events carry start *and* end marks.
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "SluiceBasics"),
        .target(name: "SluiceDiagnostics", dependencies: ["SluiceBasics"]),
        .target(name: "SluicePlan", dependencies: ["SluiceBasics"]),
        // Arrow's lz4-frame and zstd body compression, from Debian's libraries.
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "SluiceColumnar", dependencies: ["SluiceBasics", "CLZ4", "CZstd"]),
        // libyaml's yaml_malloc/yaml_free/... defined in C in the executable, which libyaml's calls then bind to:
        // small sizes from per-thread chunks instead of glibc's malloc (Sources/CYAMLHeap/yaml_heap.c).
        .target(name: "CYAMLHeap"),
        .target(name: "SluiceSpec", dependencies: ["CYAML", "CYAMLHeap", "SluiceDiagnostics", "SluiceBasics"]),
        .target(
            name: "SluiceCompiler",
            dependencies: ["SluiceSpec", "SluiceDiagnostics", "SluicePlan", "SluiceBasics", "SluiceColumnar", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SluiceGraph", dependencies: ["SluicePlan", "SluiceBasics"]),
        .target(name: "SluiceExport", dependencies: ["SluicePlan", "SluiceBasics"]),
        // A task's process start in C: the child of a vfork-style clone cannot run Swift (docs/executor.md).
        .target(name: "CSpawn"),
        .target(
            name: "SluiceExecutor",
            dependencies: ["SluicePlan", "SluiceColumnar", "SluiceBasics", "CSpawn", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SluiceLanguageServer", dependencies: ["SluiceCompiler", "SluiceSpec", "SluiceDiagnostics", "SluicePlan"]),
        // `sluice ui` and `sluice report`: the hand-written front end (embedded) and a pure responder over the records.
        .target(
            name: "SluiceWeb",
            dependencies: ["SluiceExecutor", "SluiceGraph", "SluiceCompiler", "SluiceDiagnostics", "SluicePlan", "SluiceColumnar", "SluiceBasics"],
            resources: [.embedInCode("Assets")]
        ),
        // `sluice ui`: HTTP transport, request screening, the events stream; the pages come from a responder it is given.
        .target(name: "SluiceServer", dependencies: ["SluiceWeb", "SluiceExecutor", "SluiceBasics", .product(name: "FlyingSocks", package: "FlyingFox")]),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceLanguageServer", "SluiceDiagnostics", "SluiceSpec", "SluiceCompiler", "SluicePlan", "SluiceColumnar", "SluiceGraph", "SluiceExecutor", "SluiceExport", "SluiceBasics", "SluiceWeb", "SluiceServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: startupLinkerSettings
        ),
        // libFuzzer targets (scripts/fuzz); a plain build replays inputs instead.
        .executableTarget(
            name: "sluice-fuzz",
            dependencies: ["SluiceCompiler", "SluiceDiagnostics", "SluicePlan", "SluiceSpec", "SluiceColumnar"]
        ),
        // Helpers several test targets share (a seeded random generator, the cross-checkers, the repository's specs).
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceBasicsTests", dependencies: ["SluiceBasics"]),
        .testTarget(name: "SluiceDiagnosticsTests", dependencies: ["SluiceDiagnostics", "SluiceTestSupport"]),
        .testTarget(name: "SluicePlanTests", dependencies: ["SluicePlan", "SluiceTestSupport"]),
        .testTarget(name: "SluiceSpecTests", dependencies: ["SluiceSpec", "CYAMLHeap", "SluiceDiagnostics", "SluiceBasics", "SluiceTestSupport"]),
        .testTarget(
            name: "SluiceCompilerTests",
            dependencies: ["SluiceCompiler", "SluiceSpec", "SluiceDiagnostics", "SluicePlan", "SluiceTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "SluiceColumnarTests", dependencies: ["SluiceColumnar", "SluiceBasics", "SluiceTestSupport"]),
        .testTarget(name: "SluiceGraphTests", dependencies: ["SluiceGraph", "SluicePlan", "SluiceBasics", "SluiceCompiler", "SluiceTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SluiceExportTests", dependencies: ["SluiceExport", "SluicePlan"], exclude: ["Fixtures"]),
        .testTarget(name: "SluiceExecutorTests", dependencies: ["SluiceExecutor", "SluicePlan", "SluiceColumnar", "SluiceTestSupport"]),
        .testTarget(name: "SluiceServerTests", dependencies: ["SluiceServer", "SluiceExecutor"]),
        .testTarget(name: "SluiceLanguageServerTests", dependencies: ["SluiceLanguageServer", "SluiceDiagnostics", "SluiceSpec", "SluicePlan"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["sluice", "sluice-fuzz", "SluiceTestSupport", "SluiceWeb"], exclude: ["Fixtures"]),
    ]
)

// Every first-party Swift module, the executable's and the fuzzer's, is compiled
// with `directMetadataAccess` (test targets are not: nothing ships from them).
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = (target.swiftSettings ?? []) + directMetadataAccess
}
