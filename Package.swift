// swift-tools-version: 6.1
import PackageDescription

/// `lake`: a lakehouse in one command. Modules depend one way, bottom to top:
/// C shims → LakeCore (storage, JSON, errors) → Columnar → Parquet → DeltaLog; Catalog
/// (SQLite); Query; Ingest → Lake (operations) → LakeCLI (the executable `lake`).
/// Hot loops over class-held buffers (parsers, builders, encoders) pay for dynamic
/// exclusivity checks on every access; release builds skip them. Debug builds, which run the
/// tests, keep them.
let fastLoops: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "lake",
    products: [
        .executable(name: "lake", targets: ["LakeCLI"]),
        .executable(name: "lake-bench", targets: ["LakeBench"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        .library(name: "Columnar", targets: ["Columnar"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "LakeCore"),
        .target(name: "Columnar", dependencies: ["LakeCore"], swiftSettings: fastLoops),
        .target(name: "Parquet", dependencies: ["LakeCore", "Columnar", "CZstd", "CSnappy", "CLZ4", "CZlib"], swiftSettings: fastLoops),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "DeltaLog", dependencies: ["LakeCore", "Columnar", "Parquet"]),
        .target(name: "Catalog", dependencies: ["LakeCore", "CSQLite"]),
        .target(name: "Query", dependencies: ["LakeCore", "Columnar"]),
        .target(name: "Ingest", dependencies: ["LakeCore", "Columnar", "Parquet"], swiftSettings: fastLoops),
        .target(name: "Lake", dependencies: ["LakeCore", "Columnar", "Parquet", "DeltaLog", "Catalog", "Query", "Ingest"]),
        // The executable `lake`: argument parsing and printing only, over `Lake`.
        .executableTarget(name: "LakeCLI", dependencies: [
            "Columnar", "Lake",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "LakeBench", dependencies: ["Columnar", "Parquet"]),
        .target(name: "FuzzSupport"),
        .executableTarget(name: "ParquetFuzz", dependencies: ["Parquet", "FuzzSupport"]),
        .executableTarget(name: "LogFuzz", dependencies: ["LakeCore", "DeltaLog", "FuzzSupport"]),
        .executableTarget(name: "IngestFuzz", dependencies: ["LakeCore", "Columnar", "Ingest", "FuzzSupport"]),
        .testTarget(name: "ColumnarTests", dependencies: ["Columnar"]),
        .testTarget(name: "ParquetTests", dependencies: ["Columnar", "Parquet"]),
        .testTarget(name: "QueryTests", dependencies: ["LakeCore", "Columnar", "Query"]),
        .testTarget(name: "DeltaLogTests", dependencies: ["LakeCore", "Columnar", "Parquet", "DeltaLog"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(name: "LakeTests", dependencies: ["LakeCore", "Columnar", "DeltaLog", "Lake"]),
        .testTarget(name: "IngestTests", dependencies: ["LakeCore", "Columnar", "Ingest"]),
    ]
)
