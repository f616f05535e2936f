// swift-tools-version:6.0
// Sluice: a declarative pipeline compiler. One library target per compiler stage;
// the `sluice` executable only wires them. Dependencies point one way:
//   SluiceDiagnostics, SluicePlan  (leaves)
//   SluiceColumnar  -> CLZ4, CZstd                                 (Arrow tables)
//   SluiceSpec      -> CYAML, SluiceDiagnostics
//   SluiceCompiler  -> SluiceSpec, SluiceDiagnostics, SluicePlan   (spec -> checked model -> plan)
//   SluiceGraph     -> SluicePlan                                  (plan -> DOT / Mermaid / ASCII)
//   SluiceExecutor  -> SluicePlan, SluiceColumnar                  (plan -> a local run)
//   SluiceExport    -> SluicePlan                                  (plan -> Airflow DAG files)
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
        .target(name: "SluiceDiagnostics"),
        .target(name: "SluicePlan"),
        // Arrow's lz4-frame and zstd body compression, from Debian's libraries.
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "SluiceColumnar", dependencies: ["CLZ4", "CZstd"]),
        .target(name: "SluiceSpec", dependencies: ["CYAML", "SluiceDiagnostics"]),
        .target(
            name: "SluiceCompiler",
            dependencies: ["SluiceSpec", "SluiceDiagnostics", "SluicePlan", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SluiceGraph", dependencies: ["SluicePlan"]),
        .target(name: "SluiceExport", dependencies: ["SluicePlan"]),
        .target(
            name: "SluiceExecutor",
            dependencies: ["SluicePlan", "SluiceColumnar", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceDiagnostics", "SluiceSpec", "SluiceCompiler", "SluicePlan", "SluiceColumnar", "SluiceGraph", "SluiceExecutor", "SluiceExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets (scripts/fuzz); a plain build replays inputs instead.
        .executableTarget(
            name: "sluice-fuzz",
            dependencies: ["SluiceCompiler", "SluiceDiagnostics", "SluicePlan", "SluiceSpec", "SluiceColumnar"]
        ),
        // Helpers several test targets share (a seeded random generator).
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceDiagnosticsTests", dependencies: ["SluiceDiagnostics"]),
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
        .testTarget(name: "SluiceExecutorTests", dependencies: ["SluiceExecutor", "SluicePlan", "SluiceColumnar"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["sluice", "sluice-fuzz"], exclude: ["Fixtures"]),
    ]
)
