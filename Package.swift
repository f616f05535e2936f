// swift-tools-version:6.0
// Sluice: a declarative pipeline compiler. One library target per compiler stage;
// the `sluice` executable only wires them. Dependencies point one way:
//   SluiceText                                     (leaf: byte-level lines, BOM; everyone may import it)
//   SluicePlan                                     (leaf)
//   SluiceColumnar  -> CLZ4, CZstd                 (Arrow tables; lz4 and zstd from Debian's libraries)
//   SluiceDiagnostics -> SluiceText
//   SluiceSpec      -> CYAML, SluiceDiagnostics
//   SluiceCompiler  -> SluiceSpec, SluiceDiagnostics, SluicePlan   (spec -> checked model -> plan)
//                      + SluiceColumnar for its one safe file reader (RegularFile)
//   SluiceGraph     -> SluicePlan                                  (plan -> DOT / Mermaid / ASCII)
//   SluiceExecutor  -> SluicePlan, SluiceColumnar                  (plan -> a local run)
//   SluiceExport    -> SluicePlan                                  (plan -> Airflow DAG files)
//   SluiceLanguageServer -> SluiceCompiler, SluiceSpec, SluiceDiagnostics, SluicePlan   (`sluice lsp`)
//   sluice (CLI)    -> everything + ArgumentParser
import PackageDescription

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
    ],
    targets: [
        // libyaml itself: its events carry start *and* end marks.
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "SluiceText"),
        .target(name: "SluiceDiagnostics", dependencies: ["SluiceText"]),
        .target(name: "SluicePlan"),
        // Arrow's lz4-frame and zstd body compression, from Debian's libraries.
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "SluiceColumnar", dependencies: ["CLZ4", "CZstd"]),
        .target(name: "SluiceSpec", dependencies: ["CYAML", "SluiceDiagnostics", "SluiceText"]),
        .target(
            name: "SluiceCompiler",
            dependencies: ["SluiceSpec", "SluiceDiagnostics", "SluicePlan", "SluiceText", "SluiceColumnar", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SluiceGraph", dependencies: ["SluicePlan"]),
        .target(name: "SluiceExport", dependencies: ["SluicePlan", "SluiceText"]),
        .target(
            name: "SluiceExecutor",
            dependencies: ["SluicePlan", "SluiceColumnar", "SluiceText", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SluiceLanguageServer", dependencies: ["SluiceCompiler", "SluiceSpec", "SluiceDiagnostics", "SluicePlan"]),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceLanguageServer", "SluiceDiagnostics", "SluiceSpec", "SluiceCompiler", "SluicePlan", "SluiceColumnar", "SluiceGraph", "SluiceExecutor", "SluiceExport", "SluiceText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets (scripts/fuzz); a plain build replays inputs instead.
        .executableTarget(
            name: "sluice-fuzz",
            dependencies: ["SluiceCompiler", "SluiceDiagnostics", "SluicePlan", "SluiceSpec", "SluiceColumnar"]
        ),
        // Helpers several test targets share (a seeded random generator, the cross-checkers).
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceTextTests", dependencies: ["SluiceText"]),
        .testTarget(name: "SluiceDiagnosticsTests", dependencies: ["SluiceDiagnostics", "SluiceTestSupport"]),
        .testTarget(name: "SluicePlanTests", dependencies: ["SluicePlan", "SluiceTestSupport"]),
        .testTarget(name: "SluiceSpecTests", dependencies: ["SluiceSpec", "SluiceDiagnostics"]),
        .testTarget(
            name: "SluiceCompilerTests",
            dependencies: ["SluiceCompiler", "SluiceSpec", "SluiceDiagnostics", "SluicePlan", "SluiceTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "SluiceColumnarTests", dependencies: ["SluiceColumnar", "SluiceTestSupport"]),
        .testTarget(name: "SluiceGraphTests", dependencies: ["SluiceGraph", "SluicePlan"], exclude: ["Fixtures"]),
        .testTarget(name: "SluiceExportTests", dependencies: ["SluiceExport", "SluicePlan"], exclude: ["Fixtures"]),
        .testTarget(name: "SluiceExecutorTests", dependencies: ["SluiceExecutor", "SluicePlan", "SluiceColumnar", "SluiceTestSupport"]),
        .testTarget(name: "SluiceLanguageServerTests", dependencies: ["SluiceLanguageServer", "SluiceDiagnostics", "SluiceSpec", "SluicePlan"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["sluice", "sluice-fuzz", "SluiceTestSupport"], exclude: ["Fixtures"]),
    ]
)
