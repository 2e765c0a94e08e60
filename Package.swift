// swift-tools-version:6.2
import PackageDescription

/// Every target builds in Swift 6 mode with the same upcoming features the Hummingbird codebase uses.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioConcurrency: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")  // TSan-visible locks
let nioEmbedded: Target.Dependency = .product(name: "NIOEmbedded", package: "swift-nio")  // the in-process sandbox transport
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")  // the decoder's parse errors
let nioHTTPTypes: Target.Dependency = .product(name: "NIOHTTPTypes", package: "swift-nio-extras")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")  // the HTTP/1 channel's limits
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let coreMetrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")  // the operator console's templates

let package = Package(
    name: "Tether",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tether", targets: ["TetherCLI"]),
        .executable(name: "tether-bench", targets: ["TetherBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // C system libraries: headers and link flags only.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),

        // Vocabulary every layer shares: secrets that never print, and the HTTP transport seam.
        .target(name: "Sensitive", swiftSettings: swiftSettings),
        .target(name: "Transport", dependencies: [httpTypes], swiftSettings: swiftSettings),

        // The only modules that touch C.
        .target(name: "Vault", dependencies: ["COpenSSL", "Sensitive"], swiftSettings: swiftSettings),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "Sensitive", logging, nioPosix, nioConcurrency, lifecycle],
            swiftSettings: swiftSettings
        ),
        .target(name: "CurlHTTP", dependencies: ["CCurl", "Transport", logging, nioPosix, nioConcurrency, lifecycle], swiftSettings: swiftSettings),

        // Safe Swift above them.
        .target(name: "Store", dependencies: ["Postgres", "Connectors", "Vault", "Sensitive", logging], swiftSettings: swiftSettings),
        .target(name: "OAuth", dependencies: ["Vault", "Transport", "Sensitive"], swiftSettings: swiftSettings),
        .target(name: "Connectors", dependencies: ["OAuth", "Sensitive", "Vault"], swiftSettings: swiftSettings),
        .target(
            name: "ZoomConnector",
            dependencies: ["Connectors", "OAuth", "Transport", "Vault", "Sensitive"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Credentials",
            dependencies: [
                "Store", "Postgres", "Vault", "OAuth", "Connectors", "Transport", "Sensitive", logging, nioConcurrency, lifecycle, coreMetrics,
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "TetherSettings", dependencies: ["Vault", "Sensitive", "Transport"], swiftSettings: swiftSettings),
        .target(
            name: "ZoomSandbox",
            dependencies: ["Vault", "CurlHTTP", hummingbird, httpTypes, logging, nioCore, nioConcurrency],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Sync",
            dependencies: [
                "Store", "Postgres", "Credentials", "Connectors", "Transport", "Vault", "Sensitive", logging, nioConcurrency, lifecycle, coreMetrics,
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventDelivery",
            dependencies: ["Store", "Postgres", "Credentials", "Transport", "Vault", logging, lifecycle, nioConcurrency],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Store", "Postgres", "Credentials", "Connectors", "OAuth", "Vault", "Sensitive", "Transport", hummingbird,
                hummingbirdCore, httpTypes, logging,
                nioCore, nioPosix, nioHTTP1, nioHTTPTypes, nioConcurrency, prometheus, mustache,
            ],
            resources: [.copy("Resources/openapi-base.json")],
            swiftSettings: swiftSettings
        ),
        // The composition root: one typed configuration, one function that builds a process's services.
        .target(
            name: "TetherApp",
            dependencies: [
                "Server", "Sync", "EventDelivery", "Credentials", "Store", "Postgres", "OAuth", "ZoomConnector", "CurlHTTP", "Transport",
                "TetherSettings", "Vault", "Sensitive", hummingbird, logging, lifecycle, unixSignals, coreMetrics, prometheus,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TetherCLI",
            dependencies: [
                "TetherApp", "Server", "Store", "Postgres", "Vault", "TetherSettings", "Sensitive", "ZoomSandbox", "Credentials", "Sync", "Connectors",
                hummingbird, argumentParser, logging, lifecycle, unixSignals,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "TetherBench", dependencies: ["Postgres", "Sensitive", logging], swiftSettings: swiftSettings),

        // Tests. Everything that needs PostgreSQL finds it through TestSupport.
        .target(
            name: "TestSupport",
            dependencies: [
                "Postgres", "Store", "Sensitive", "ZoomSandbox", "Transport", hummingbird, hummingbirdCore, httpTypes, logging, nioCore, nioEmbedded,
                nioConcurrency,
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VaultTests",
            dependencies: ["Vault", "Sensitive", "TestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "Sensitive", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport", hummingbird, nioCore], swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Postgres", "Connectors", "Sensitive", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OAuthTests", dependencies: ["OAuth", "Sensitive", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ZoomConnectorTests",
            dependencies: [
                "ZoomConnector", "Connectors", "OAuth", "Transport", "CurlHTTP", "Postgres", "Vault", "Sensitive", "ZoomSandbox", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SyncTests",
            dependencies: [
                "Sync", "Credentials", "Store", "Postgres", "ZoomConnector", "ZoomSandbox", "Connectors", "OAuth", "CurlHTTP", "Vault",
                "Sensitive", "TestSupport", "TetherApp", logging,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConnectTests",
            dependencies: [
                "Credentials", "Server", "Store", "Postgres", "ZoomConnector", "ZoomSandbox", "Connectors", "OAuth", "CurlHTTP", "Vault",
                "Sensitive", "TestSupport", "EventDelivery", "Sync", "TetherApp", hummingbird, logging, nioConcurrency,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CredentialsTests", dependencies: ["Credentials", "Store", "OAuth"], swiftSettings: swiftSettings),
        .testTarget(name: "SettingsTests", dependencies: ["TetherSettings", "Vault", "Sensitive"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ZoomSandboxTests",
            dependencies: ["ZoomSandbox", "CurlHTTP", "Vault", "TestSupport", hummingbird, logging, nioCore, nioConcurrency],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Store", "Postgres", "Connectors", "CurlHTTP", "Sensitive", "TestSupport", hummingbird, logging, nioCore, nioEmbedded,
                nioHTTPTypes, httpTypes,
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
