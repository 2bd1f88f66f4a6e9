import Foundation

/// Paths the event tests read: the project's samples and the shared contract folder beside the checkout.
enum Fixtures {
    /// The package root (this file is `Tests/EventsTests/Fixtures.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let samples = packageRoot.appendingPathComponent("samples")
    static let invalidSamples = samples.appendingPathComponent("invalid")
    /// `../shared`, present on developers' machines and in CI, absent elsewhere.
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let jsonTestSuite = shared.appendingPathComponent("data/JSONTestSuite/test_parsing")
    static let referenceEvent = shared.appendingPathComponent("data/reference-event.json")

    static func files(in directory: URL, withExtension ext: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { directory.appendingPathComponent($0) }
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
}
