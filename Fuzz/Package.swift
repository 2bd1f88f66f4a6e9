// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for RiskScreen's input paths, in a package of their own: they are built with
/// `-sanitize=fuzzer,address` by `scripts/fuzz`, never by the main build.
let package = Package(
    name: "riskscreen-fuzz",
    dependencies: [.package(name: "riskscreen", path: "..")],
    targets: [
        // The driver hand-over and a valid event, shared by the targets.
        .target(name: "FuzzSupport", dependencies: [.product(name: "RiskScreenCore", package: "riskscreen")]),
        // The event decoder: JSON bytes → a validated event, or every error.
        .executableTarget(
            name: "FuzzEventDecoder",
            dependencies: ["FuzzSupport", .product(name: "RiskScreenCore", package: "riskscreen")]),
        // HL7 v2 feed files: any bytes → events, ignored messages, or errors naming a field.
        .executableTarget(
            name: "FuzzHL7", dependencies: ["FuzzSupport", .product(name: "RiskScreenCore", package: "riskscreen")]),
        // The YAML layer: any bytes → a node tree, or a located error.
        .executableTarget(
            name: "FuzzYAML", dependencies: ["FuzzSupport", .product(name: "RiskScreenCore", package: "riskscreen")]),
        // Rule-file loading: any bytes as a rule file → a rule set, or diagnostics.
        .executableTarget(
            name: "FuzzRuleFile",
            dependencies: ["FuzzSupport", .product(name: "RiskScreenCore", package: "riskscreen")]),
        // The expression language: any text as a rule's `when:` → compiled, or diagnostics.
        .executableTarget(
            name: "FuzzExpression",
            dependencies: ["FuzzSupport", .product(name: "RiskScreenCore", package: "riskscreen")]),
    ]
)
