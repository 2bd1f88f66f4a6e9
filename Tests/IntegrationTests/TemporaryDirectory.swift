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

/// The shipped sample events, and copies of them as other patients.
enum SampleEvents {
    /// The text of `samples/NAME`.
    static func text(_ name: String) throws -> String {
        try String(
            contentsOfFile: RiskScreenProcess.packageRoot.appendingPathComponent("samples/" + name).path,
            encoding: .utf8)
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
