import Events
import Foundation

/// A directory of the test's own under the system's temporary folder, removed when the test ends.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var path: String { url.path }

    /// Copies `source` (a file or directory) into this directory under `name`.
    func copy(_ source: URL, as name: String) throws -> URL {
        let destination = url.appendingPathComponent(name)
        try FileManager.default.copyItem(at: source, to: destination)
        return destination
    }
}

extension TemporaryDirectory {
    /// A temporary folder with an empty daemon home (`home/inbox`) and the rules to run it with: a
    /// copy of the shipped rules the test may change, or the shipped rules themselves.
    static func daemonHome(copyingRules: Bool) throws -> (TemporaryDirectory, home: String, rules: String) {
        let directory = try TemporaryDirectory()
        let shipped = RiskScreenProcess.packageRoot.appendingPathComponent("rules")
        let rules = copyingRules ? try directory.copy(shipped, as: "rules").path : shipped.path
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        return (directory, home, rules)
    }
}

/// The shipped sample events — moved to the tests' clock — and copies of them as other patients.
enum SampleEvents {
    /// Every valid sample, moved with the clock: each patient's events by whole days, so that its
    /// latest happened less than a day before the tests' "now" (``RiskScreenProcess/now``). The
    /// tests then see the samples as a live feed would deliver them, whatever today's date is.
    static let moved: [String: String] = {
        let directory = RiskScreenProcess.packageRoot.appendingPathComponent("samples")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        let texts = names.map {
            (try? String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8)) ?? ""
        }
        return Dictionary(uniqueKeysWithValues: zip(names, SampleClock.move(texts, before: RiskScreenProcess.now)))
    }()

    /// The text of `samples/NAME`, moved with the clock (an invalid sample, `invalid/NAME`, as it is).
    static func text(_ name: String) throws -> String {
        if let text = moved[name] { return text }
        return try String(
            contentsOfFile: RiskScreenProcess.packageRoot.appendingPathComponent("samples/" + name).path,
            encoding: .utf8)
    }

    /// Writes `samples/NAME`, moved with the clock, to `path`.
    static func write(_ name: String, to path: String) throws {
        try Data(try text(name).utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A sample as another patient's event: `id` becomes its event id, and its patient and
    /// encounter ids are made from it, so the alert policy sees a new patient and suppresses nothing.
    static func asNewPatient(_ name: String, id: String) throws -> String {
        var text = try self.text(name)
        text = text.replacingOccurrences(
            of: #"("event_id": ")[^"]*"#, with: "$1\(id)", options: .regularExpression)
        text = text.replacingOccurrences(of: #""S-[0-9]+""#, with: "\"S-\(id)\"", options: .regularExpression)
        text = text.replacingOccurrences(of: #""E-[0-9]+""#, with: "\"E-\(id)\"", options: .regularExpression)
        return text
    }
}
