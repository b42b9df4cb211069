// swift-tools-version: 6.2
// The fitting-room smart mirror: the device daemon, the staff CLI and the head-office hub.
import PackageDescription

/// Settings shared by every target of this package: Swift 6 mode, warnings are errors.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "smart-mirror",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mirrord", targets: ["mirrord"]),
        .executable(name: "mirrorctl", targets: ["mirrorctl"]),
        .executable(name: "mirrorhub", targets: ["mirrorhub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
    ],
    targets: [
        // C libraries from Debian packages: a module map and a header of shims each.
        .systemLibrary(name: "CSystemd", path: "Sources/C/CSystemd", pkgConfig: "libsystemd"),
        .systemLibrary(
            name: "CJPEG", path: "Sources/C/CJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CV4L2", path: "Sources/C/CV4L2", pkgConfig: "libv4l2",
            providers: [.apt(["libv4l-dev"])]),
        .systemLibrary(name: "CLinuxUAPI", path: "Sources/C/CLinuxUAPI"),
        .systemLibrary(
            name: "CXNNPACK", path: "Sources/C/CXNNPACK",
            providers: [.apt(["libxnnpack-dev", "libpthreadpool-dev"])]),
        .systemLibrary(
            name: "CCairo", path: "Sources/C/CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(
            name: "CPango", path: "Sources/C/CPango", pkgConfig: "pangocairo",
            providers: [.apt(["libpango1.0-dev"])]),
        .systemLibrary(
            name: "CQRencode", path: "Sources/C/CQRencode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(
            name: "CZbar", path: "Sources/C/CZbar", pkgConfig: "zbar",
            providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CZint", path: "Sources/C/CZint", providers: [.apt(["libzint-dev"])]),

        .target(
            name: "MirrorCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Shared/MirrorCore",
            swiftSettings: strict),
        .target(
            name: "MirrorProtocol",
            dependencies: ["MirrorCore"],
            path: "Sources/Shared/MirrorProtocol",
            swiftSettings: strict),
        .target(
            name: "MirrorAPIModel",
            dependencies: ["MirrorCore"],
            path: "Sources/Shared/MirrorAPIModel",
            swiftSettings: strict),
        .target(
            name: "MirrorHTTP",
            dependencies: [
                "MirrorCore", "MirrorProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            path: "Sources/Shared/MirrorHTTP",
            swiftSettings: strict),
        .target(
            name: "MirrorRecorder",
            dependencies: ["MirrorCore", "MirrorImaging", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Device/MirrorRecorder",
            swiftSettings: strict),
        .target(
            name: "MirrorStore",
            dependencies: ["MirrorProtocol", "MirrorCore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Sources/Device/MirrorStore",
            swiftSettings: strict),
        .target(
            name: "MirrorSession",
            dependencies: ["MirrorCore", "MirrorProtocol"],
            path: "Sources/Device/MirrorSession",
            swiftSettings: strict),
        .target(
            name: "MirrorSuggest",
            dependencies: ["MirrorProtocol", "MirrorCore"],
            path: "Sources/Shared/MirrorSuggest",
            swiftSettings: strict),
        .target(
            name: "MirrorConfig",
            dependencies: ["MirrorCore", .product(name: "Yams", package: "Yams")],
            path: "Sources/Device/MirrorConfig",
            swiftSettings: strict),
        .target(
            name: "MirrorImaging",
            dependencies: ["MirrorCore", "CJPEG", "CZbar"],
            path: "Sources/Device/MirrorImaging",
            swiftSettings: strict),
        .target(
            name: "MirrorCapture",
            dependencies: [
                "MirrorAPIModel",
                "MirrorCore", "MirrorImaging", "CV4L2",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Device/MirrorCapture",
            swiftSettings: strict),
        .target(
            name: "MirrorDisplay",
            dependencies: [
                "MirrorCore", "MirrorImaging", "CCairo", "CPango", "CLinuxUAPI", "CQRencode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Device/MirrorDisplay",
            swiftSettings: strict),
        .target(
            name: "MirrorVision",
            dependencies: [
                "MirrorCore", "MirrorImaging", "CXNNPACK", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Device/MirrorVision",
            swiftSettings: strict),
        .target(
            name: "MirrorAPI",
            dependencies: [
                "MirrorHTTP",
                "MirrorAPIModel", "MirrorProtocol",
                "MirrorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Device/MirrorAPI",
            swiftSettings: strict),
        .target(
            name: "MirrorDaemon",
            dependencies: [
                "MirrorAPIModel", "MirrorProtocol",
                "CSystemd",
                "MirrorCore", "MirrorConfig", "MirrorCapture", "MirrorDisplay", "MirrorAPI", "MirrorSession",
                "MirrorRecorder", "MirrorStore", "MirrorImaging", "MirrorVision", "MirrorSuggest", "MirrorSync",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Device/MirrorDaemon",
            swiftSettings: strict),
        .target(
            name: "MirrorCLI",
            dependencies: [
                "MirrorAPIModel", "MirrorProtocol",
                "MirrorCore", "MirrorCapture", "MirrorImaging", "MirrorSync", "MirrorConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/CLI/MirrorCLI",
            swiftSettings: strict),
        .target(
            name: "MirrorHub",
            dependencies: [
                "MirrorHTTP",
                "MirrorProtocol",
                "MirrorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Hub/MirrorHub",
            swiftSettings: strict),
        .target(
            name: "MirrorSync",
            dependencies: [
                "MirrorProtocol",
                "MirrorCore", "MirrorStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Device/MirrorSync",
            swiftSettings: strict),
        .target(
            name: "MirrorTesting",
            dependencies: [
                "MirrorProtocol",
                "MirrorCore", "MirrorImaging", "MirrorSuggest", "MirrorHub", "MirrorDisplay", "CCairo", "CZint",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Tools/MirrorTesting",
            swiftSettings: strict),

        .executableTarget(
            name: "mirror-fuzz",
            dependencies: [
                "MirrorAPIModel", "MirrorProtocol", "MirrorCore", "MirrorImaging", "MirrorRecorder", "MirrorConfig",
            ],
            path: "Sources/Tools/mirror-fuzz",
            swiftSettings: strict),
        .executableTarget(
            name: "mirrord",
            dependencies: [
                "MirrorDaemon", "MirrorConfig", "MirrorSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Device/mirrord",
            swiftSettings: strict),
        .executableTarget(
            name: "mirrorctl",
            dependencies: ["MirrorCLI"],
            path: "Sources/CLI/mirrorctl",
            swiftSettings: strict),
        .executableTarget(
            name: "mirrorhub",
            dependencies: [
                "MirrorProtocol", "MirrorHTTP", "MirrorCore",
                "MirrorHub", "MirrorSuggest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Hub/mirrorhub",
            swiftSettings: strict),
        .executableTarget(
            name: "mirror-devtool",
            dependencies: [
                "MirrorTesting", "MirrorImaging", "MirrorDisplay", "MirrorSuggest", "MirrorCapture", "MirrorCore",
                "MirrorHub", "MirrorProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Tools/mirror-devtool",
            swiftSettings: strict),

        .executableTarget(
            name: "mirror-bench",
            dependencies: [
                "MirrorProtocol",
                "MirrorCore", "MirrorCapture", "MirrorDisplay", "MirrorImaging", "MirrorTesting", "MirrorRecorder",
                "MirrorVision", "MirrorSuggest", "MirrorHub", "MirrorSync", "CCairo", "CPango",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Tools/mirror-bench",
            swiftSettings: strict),

        .testTarget(
            name: "MirrorCoreTests",
            dependencies: ["MirrorCore"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorRecorderTests",
            dependencies: ["MirrorRecorder", "MirrorImaging", "MirrorTesting", "MirrorCore"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorStoreTests",
            dependencies: ["MirrorProtocol", "MirrorStore", "MirrorCore"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorSessionTests",
            dependencies: ["MirrorSession", "MirrorCore", "MirrorProtocol"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorSuggestTests",
            dependencies: ["MirrorProtocol", "MirrorSuggest", "MirrorCore"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorConfigTests",
            dependencies: ["MirrorConfig", "MirrorCore"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorImagingTests",
            dependencies: ["MirrorCore", "MirrorImaging", "MirrorTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorDisplayTests",
            dependencies: [
                "MirrorDisplay", "MirrorImaging", "MirrorTesting", "MirrorCore", "CLinuxUAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Golden"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorCLITests",
            dependencies: ["MirrorCore", "MirrorAPIModel", "MirrorCLI"],
            exclude: ["Golden"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorCaptureTests",
            dependencies: [
                "MirrorCapture", "MirrorCore", "MirrorImaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorHardwareTests",
            dependencies: [
                "MirrorCapture", "MirrorCore", "MirrorDisplay", "MirrorImaging", "MirrorStore", "CV4L2", "CLinuxUAPI",
                "MirrorTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorVisionTests",
            dependencies: ["MirrorVision", "MirrorCore", "MirrorImaging", "MirrorTesting", "MirrorDisplay"],
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorHubTests",
            dependencies: [
                "MirrorProtocol",
                "MirrorHub", "MirrorCore", "MirrorSuggest", "MirrorTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MirrorDaemonTests",
            dependencies: [
                "MirrorAPIModel", "MirrorProtocol",
                "MirrorDaemon", "MirrorConfig", "MirrorRecorder", "MirrorImaging", "MirrorCore", "MirrorDisplay",
                "MirrorStore", "MirrorCapture", "MirrorSync", "MirrorTesting", "MirrorHub", "mirrord",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "mirrorctl", "mirrorhub", "mirror-fuzz",
            ],
            swiftSettings: strict),
    ]
)
