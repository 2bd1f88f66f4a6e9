import Foundation

/// The daemon's home directory and its layout (`../shared/contract/README.md` §3):
/// `inbox/` (with `.work/` for claimed files), `archive/YYYY-MM-DD/`, `quarantine/`, `alerts/`,
/// `alerts.jsonl` and `state.db`.
public struct Home: Sendable {
    public let root: String

    public init(_ root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var inbox: String { root + "/inbox" }
    /// Claimed files wait here while they are processed; a crash leaves them here to be re-run.
    public var work: String { inbox + "/.work" }
    public var archive: String { root + "/archive" }
    public var quarantine: String { root + "/quarantine" }
    public var alerts: String { root + "/alerts" }
    public var alertsLog: String { root + "/alerts.jsonl" }
    public var stateDatabase: String { root + "/state.db" }

    /// How many event files wait in the inbox, and the age in seconds of the oldest (0 when none),
    /// judged as the daemon judges names.
    public func inboxBacklog() -> (count: Int, oldestAge: Double) {
        Inbox(home: self).waiting()
    }

    /// The names in the inbox RiskScreen never takes (not `*.json`, and not being written).
    public func inboxNeverTaken() -> [String] {
        Inbox(home: self).neverTaken()
    }

    /// Creates every directory of the layout (owner-only unless `access` says group), and narrows
    /// the ones that exist to that mode.
    public func create(access: FileAccess = .owner) throws {
        for directory in [root, inbox, work, archive, quarantine, alerts] {
            try FileSystem.makeDirectory(directory, mode: access.directoryMode)
            chmod(directory, access.directoryMode)
        }
    }
}
