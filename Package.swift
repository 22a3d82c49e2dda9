// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "SDF",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sdf", targets: ["sdf"]),
        .library(name: "SDFCore", targets: ["SDFCore"]),
        .library(name: "SDFLLM", targets: ["SDFLLM"]),
        .library(name: "SDFStore", targets: ["SDFStore"]),
        .library(name: "SDFEngine", targets: ["SDFEngine"]),
        .library(name: "SDFAnalysis", targets: ["SDFAnalysis"]),
        .library(name: "SDFServe", targets: ["SDFServe"]),
        .library(name: "SDFTesting", targets: ["SDFTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.0"),
    ],
    targets: [
        .target(
            name: "SDFCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFLLM",
            dependencies: [
                "SDFCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFStore",
            dependencies: [
                "SDFCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFEngine",
            dependencies: [
                "SDFCore", "SDFLLM", "SDFStore", "SDFAnalysis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFAnalysis",
            dependencies: [
                "SDFCore", "SDFStore",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFServe",
            dependencies: [
                "SDFCore", "SDFStore", "SDFAnalysis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDFTesting",
            dependencies: [
                "SDFCore", "SDFLLM",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sdf",
            dependencies: [
                "SDFCore", "SDFLLM", "SDFStore", "SDFEngine", "SDFAnalysis", "SDFServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SDFCoreTests", dependencies: ["SDFCore"], exclude: ["Golden", "Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SDFLLMTests",
            dependencies: [
                "SDFLLM", "SDFTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SDFAnalysisTests", dependencies: ["SDFAnalysis", "SDFStore", "SDFEngine", "SDFTesting"], exclude: ["Fixtures", "Golden"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SDFStoreTests", dependencies: ["SDFStore", "SDFEngine", "SDFTesting"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SDFServeTests",
            dependencies: [
                "SDFServe", "SDFStore", "SDFEngine", "SDFTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SDFEngineTests",
            dependencies: [
                "SDFEngine", "SDFTesting", "SDFStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
    ]
)
