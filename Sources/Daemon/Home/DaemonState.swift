import Foundation

/// What the running daemon says about itself in `daemon.json`.
public struct DaemonState: Sendable, Equatable {
    public var pid: Int32
    /// Seconds since the epoch when it started.
    public var startedAt: Double
    public var rulesVersion: String
    public var ruleCount: Int
    /// Seconds since the epoch when the rules in use were loaded (at start, or by the last good reload).
    public var rulesLoadedAt: Double
    /// When the last reload was refused and how many errors it had, when the rules in use are
    /// older than that attempt (cleared by the next good reload).
    public var refusedReload: (at: Double, errors: Int)?

    public init(
        pid: Int32, startedAt: Double, rulesVersion: String, ruleCount: Int, rulesLoadedAt: Double,
        refusedReload: (at: Double, errors: Int)? = nil
    ) {
        self.pid = pid
        self.startedAt = startedAt
        self.rulesVersion = rulesVersion
        self.ruleCount = ruleCount
        self.rulesLoadedAt = rulesLoadedAt
        self.refusedReload = refusedReload
    }

    public static func == (lhs: DaemonState, rhs: DaemonState) -> Bool {
        lhs.pid == rhs.pid && lhs.startedAt == rhs.startedAt && lhs.rulesVersion == rhs.rulesVersion
            && lhs.ruleCount == rhs.ruleCount && lhs.rulesLoadedAt == rhs.rulesLoadedAt
            && lhs.refusedReload?.at == rhs.refusedReload?.at && lhs.refusedReload?.errors == rhs.refusedReload?.errors
    }

    func write(home: Home) throws {
        var object: [String: Any] = [
            "pid": Int(pid), "started_at": startedAt, "rules_version": rulesVersion, "rule_count": ruleCount,
            "rules_loaded_at": rulesLoadedAt,
        ]
        if let refusedReload {
            object["reload_refused_at"] = refusedReload.at
            object["reload_errors"] = refusedReload.errors
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try FileSystem.writeAtomically([UInt8](data), to: home.root + "/daemon.json", mode: 0o600)
    }

    /// Reads `daemon.json`.
    public static func read(home: Home) throws -> DaemonState {
        let data = try Data(contentsOf: URL(fileURLWithPath: home.root + "/daemon.json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let pid = object["pid"] as? Int, let started = object["started_at"] as? Double,
            let version = object["rules_version"] as? String, let count = object["rule_count"] as? Int,
            let loaded = object["rules_loaded_at"] as? Double
        else { throw DaemonError("daemon.json is not readable") }
        var refused: (Double, Int)?
        if let at = object["reload_refused_at"] as? Double, let errors = object["reload_errors"] as? Int {
            refused = (at, errors)
        }
        return DaemonState(
            pid: Int32(pid), startedAt: started, rulesVersion: version, ruleCount: count, rulesLoadedAt: loaded,
            refusedReload: refused)
    }
}
