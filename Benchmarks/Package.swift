// swift-tools-version:6.3
import PackageDescription

/// RiskScreen's benchmarks, in a package of their own so the main build never pays for them.
/// Run from this folder: `swift package --allow-writing-to-package-directory benchmark`.
let package = Package(
    name: "riskscreen-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "riskscreen", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Evaluation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RiskScreenCore", package: "riskscreen"),
            ],
            path: "Benchmarks/Evaluation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A plain loop to run under perf or callgrind; not a benchmark.
        .executableTarget(
            name: "ProfileEvaluation",
            dependencies: [.product(name: "RiskScreenCore", package: "riskscreen")],
            path: "Sources/ProfileEvaluation"
        ),
    ]
)
