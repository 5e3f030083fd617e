// swift-tools-version: 6.1
import PackageDescription

/// `lake`: a lakehouse in one command. Modules depend one way, bottom to top:
/// C shims → Columnar → Parquet → DeltaLog; Catalog (SQLite); Query → Lake (operations) →
/// lake (the executable).
/// Hot loops over class-held buffers (parsers, builders, encoders) pay for dynamic
/// exclusivity checks on every access; release builds skip them. Debug builds, which run the
/// tests, keep them.
let fastLoops: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "lake",
    products: [
        .executable(name: "lake", targets: ["lake"]),
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
        .target(name: "Columnar", swiftSettings: fastLoops),
        .target(name: "Parquet", dependencies: ["Columnar", "CZstd", "CSnappy", "CLZ4", "CZlib"], swiftSettings: fastLoops),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "DeltaLog", dependencies: ["Columnar", "Parquet"]),
        .target(name: "Catalog", dependencies: ["CSQLite"]),
        .target(name: "Query", dependencies: ["Columnar"]),
        .target(name: "Ingest", dependencies: ["Columnar", "Parquet", "DeltaLog"], swiftSettings: fastLoops),
        .target(name: "Lake", dependencies: ["Columnar", "Parquet", "DeltaLog", "Catalog", "Query", "Ingest"]),
        .executableTarget(name: "lake", dependencies: [
            "Columnar", "Parquet", "Query", "DeltaLog", "Lake", "Ingest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "LakeBench", dependencies: ["Columnar", "Parquet"]),
        .target(name: "FuzzSupport"),
        .executableTarget(name: "ParquetFuzz", dependencies: ["Parquet", "FuzzSupport"]),
        .executableTarget(name: "LogFuzz", dependencies: ["DeltaLog", "FuzzSupport"]),
        .executableTarget(name: "IngestFuzz", dependencies: ["Columnar", "DeltaLog", "Ingest", "FuzzSupport"]),
        .testTarget(name: "ColumnarTests", dependencies: ["Columnar"]),
        .testTarget(name: "ParquetTests", dependencies: ["Columnar", "Parquet"]),
        .testTarget(name: "QueryTests", dependencies: ["Columnar", "Query"]),
        .testTarget(name: "DeltaLogTests", dependencies: ["Columnar", "DeltaLog"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(name: "IngestTests", dependencies: ["Columnar", "Ingest"]),
    ]
)
