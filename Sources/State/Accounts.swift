/// What a person may do in the worklist.
public enum Role: String, Sendable, CaseIterable, Comparable {
    /// Sees and acts on the alerts of their teams.
    case socialWorker = "social-worker"
    /// Sees every team, reassigns, reopens, sees the dashboard and the audit trail.
    case supervisor
    /// Everything a supervisor may, and manages the accounts.
    case admin

    /// Whether this role sees every team's alerts.
    public var seesAllTeams: Bool { self != .socialWorker }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An account of the worklist.
public struct User: Sendable, Equatable {
    public var name: String
    public var role: Role
    /// The referral targets (teams) whose alerts a social worker sees.
    public var teams: [String]
    /// The password's bcrypt hash.
    public var passwordHash: String
    public var disabled: Bool
    /// Failed logins in a row since the last good one.
    public var failedLogins: Int
    /// Seconds since the epoch until which logins are refused (five failures in a row: 15 minutes).
    public var lockedUntil: Double?

    public init(
        name: String, role: Role, teams: [String], passwordHash: String, disabled: Bool = false,
        failedLogins: Int = 0, lockedUntil: Double? = nil
    ) {
        self.name = name
        self.role = role
        self.teams = teams
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
    }

    /// Whether this user may see and act on an alert referred to `referral`.
    public func mayWork(_ referral: String) -> Bool { role.seesAllTeams || teams.contains(referral) }
}

/// A login session of the worklist. The token itself is never stored: only its digest.
public struct Session: Sendable, Equatable {
    /// SHA-256 of the session token the browser holds.
    public var tokenDigest: String
    public var user: String
    /// The token every form of this session carries (CSRF).
    public var csrfToken: String
    /// Seconds since the epoch.
    public var createdAt: Double
    public var expiresAt: Double

    public init(tokenDigest: String, user: String, csrfToken: String, createdAt: Double, expiresAt: Double) {
        self.tokenDigest = tokenDigest
        self.user = user
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Why an account could not be changed.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case unknown(String)

    public var description: String {
        switch self {
        case .exists(let name): "a user \"\(name)\" already exists"
        case .unknown(let name): "no user \"\(name)\""
        }
    }
}

/// The worklist's accounts and sessions, kept in the state database beside the alerts they work.
public protocol Accounts: Sendable {
    /// Adds an account; throws ``AccountError/exists(_:)`` when the name is taken.
    func addUser(_ user: User) throws
    /// Every account, by name.
    func users() throws -> [User]
    /// One account.
    func user(named name: String) throws -> User?
    /// Replaces an account's role, teams, password hash, disabled flag and login counters.
    func updateUser(_ user: User) throws
    /// Records a session; an expired one is gone at the next look.
    func addSession(_ session: Session) throws
    /// The live session whose token has this digest at `now`.
    func session(tokenDigest: String, now: Double) throws -> Session?
    /// Ends a session (logout), and every session of a user when `user` is given.
    func endSessions(tokenDigest: String?, user: String?) throws
}

/// One line of the audit trail: who saw or did what, to which alert of which patient, from where.
public struct AuditEntry: Sendable, Equatable {
    /// RFC 3339, UTC.
    public var at: String
    public var user: String
    /// `view`, `ack`, `close`, `assign`, `note`, `reopen`, `login`, `login-failed`, `logout`,
    /// `denied`, `user-add`, `user-disable`, `user-enable`, `user-passwd`, …
    public var action: String
    public var alertID: String?
    public var patientID: String?
    /// Where from: the client's address, or `cli`.
    public var client: String
    public var detail: String?

    public init(
        at: String, user: String, action: String, alertID: String? = nil, patientID: String? = nil, client: String,
        detail: String? = nil
    ) {
        self.at = at
        self.user = user
        self.action = action
        self.alertID = alertID
        self.patientID = patientID
        self.client = client
        self.detail = detail
    }
}

/// The audit trail: every view of an alert and every action, append-only.
public protocol AuditLog: Sendable {
    func audit(_ entry: AuditEntry) throws
    /// Entries at or after `since` (RFC 3339), of `user`, about `patient`, oldest first.
    func auditEntries(since: String?, user: String?, patient: String?) throws -> [AuditEntry]
}
