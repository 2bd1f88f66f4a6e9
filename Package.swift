// swift-tools-version:6.1
import PackageDescription

/// Settings every RiskScreen target shares: Swift 6 with strict concurrency (the language mode),
/// and the upcoming features that make a module's public surface a written decision.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "riskscreen",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "riskscreen", targets: ["riskscreen"]),
        // For the benchmark package under Benchmarks/; not a public API.
        .library(name: "RiskScreenCore", targets: ["Events", "Feeds", "Rules", "Alerts", "Screening", "YAMLDocument"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.7.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libyaml from the system (Debian libyaml-dev); never vendored.
        .systemLibrary(
            name: "CLibYAML",
            path: "Sources/CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The few Linux calls Swift's Glibc module hides (syncfs needs _GNU_SOURCE).
        .target(name: "CSystemExtras", path: "Sources/CSystemExtras"),
        .target(
            name: "YAMLDocument",
            dependencies: ["CLibYAML"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Events",
            swiftSettings: strictSettings
        ),
        // Hospital feeds as they are (HL7 v2 ADT), mapped onto the event contract.
        .target(
            name: "Feeds",
            dependencies: ["Events", "YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Rules",
            dependencies: ["YAMLDocument", "Events", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Alerts",
            dependencies: ["Events", "Rules"],
            swiftSettings: strictSettings
        ),
        // Replaying the archive through two rule sets, in memory (issue 17).
        .target(
            name: "Replay",
            dependencies: [
                "Alerts", "Events", "Feeds", "Presentation", "Rules", "Screening", "State",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Screening",
            dependencies: ["Alerts", "Events", "Rules"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "State",
            dependencies: ["Alerts", "Events", "Rules", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Daemon",
            dependencies: [
                "Alerts", "CSystemExtras", "Events", "Feeds", "Rules", "Screening", "State", "YAMLDocument",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // How alerts read for people, in the terminal and (later) the browser: the site's time zone,
        // deadlines in words, short rules versions, aligned tables.
        .target(
            name: "Presentation",
            dependencies: ["Events"],
            swiftSettings: strictSettings
        ),
        // The social work team's worklist in the browser (`riskscreen web`), on Hummingbird.
        .target(
            name: "Worklist",
            dependencies: [
                "Alerts", "Daemon", "Events", "Presentation", "Rules", "State",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RuleTesting",
            dependencies: ["Alerts", "Events", "Rules", "Screening", "YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "riskscreen",
            dependencies: [
                "Alerts",
                "Daemon",
                "Feeds",
                "Presentation",
                "Replay",
                "RuleTesting",
                "Worklist",
                "Screening",
                "State",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Events",
                "Rules",
                "YAMLDocument",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strictSettings
        ),
        // What several test modules share: key-path edits of JSON, a seeded random generator, a
        // real rsyslog receiver.
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "YAMLDocumentTests",
            dependencies: ["YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EventsTests",
            dependencies: ["TestSupport", "Events"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RulesTests",
            dependencies: ["TestSupport", "Rules", "Events", "YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AlertsTests",
            dependencies: ["Alerts", "Rules", "Events"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ScreeningTests",
            dependencies: ["TestSupport", "Screening", "Alerts", "Rules", "Events"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FeedsTests",
            dependencies: ["TestSupport", "Feeds", "Events", "YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PresentationTests",
            dependencies: ["Presentation", "Events"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WorklistTests",
            dependencies: [
                "Worklist", "Alerts", "Daemon", "Events", "Presentation", "Rules", "State",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReplayTests",
            dependencies: ["Replay", "Alerts", "Events", "Rules"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StateTests",
            dependencies: ["State", "Alerts", "Events", "Rules", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["Daemon", "State", "Alerts", "Events", "Rules", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RuleTestingTests",
            dependencies: ["RuleTesting", "Rules", "Events", "YAMLDocument"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "riskscreen", "State", "Events", "Alerts", "Rules"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
