import Foundation
import GRDB

extension SQLiteStateStore {
    public func addUser(_ user: User) throws {
        try pool.write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)", arguments: [user.name])
                    == false
            else { throw AccountError.exists(user.name) }
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, teams, password_hash, disabled, failed_logins, locked_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    user.name, user.role.rawValue, user.teams.joined(separator: ","), user.passwordHash, user.disabled,
                    user.failedLogins, user.lockedUntil,
                ])
        }
    }

    public func users() throws -> [User] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user) }
    }

    public func user(named name: String) throws -> User? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user)
        }
    }

    public func updateUser(_ user: User) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE users SET role = ?, teams = ?, password_hash = ?, disabled = ?, failed_logins = ?,
                    locked_until = ? WHERE name = ?
                    """,
                arguments: [
                    user.role.rawValue, user.teams.joined(separator: ","), user.passwordHash, user.disabled,
                    user.failedLogins, user.lockedUntil, user.name,
                ])
            guard db.changesCount == 1 else { throw AccountError.unknown(user.name) }
        }
    }

    static func user(_ row: Row) -> User {
        let teams: String = row["teams"]
        return User(
            name: row["name"], role: Role(rawValue: row["role"]) ?? .socialWorker,
            teams: teams.split(separator: ",").map(String.init), passwordHash: row["password_hash"],
            disabled: row["disabled"], failedLogins: row["failed_logins"], lockedUntil: row["locked_until"])
    }

    public func addSession(_ session: Session) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_digest, user, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    session.tokenDigest, session.user, session.csrfToken, session.createdAt, session.expiresAt,
                ])
            // Sessions long expired are forgotten as new ones come.
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [session.createdAt - 86_400])
        }
    }

    public func session(tokenDigest: String, now: Double) throws -> Session? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM sessions WHERE token_digest = ? AND expires_at > ?",
                arguments: [tokenDigest, now]
            ).map { row in
                Session(
                    tokenDigest: row["token_digest"], user: row["user"], csrfToken: row["csrf"],
                    createdAt: row["created_at"], expiresAt: row["expires_at"])
            }
        }
    }

    public func endSessions(tokenDigest: String?, user: String?) throws {
        try pool.write { db in
            if let tokenDigest {
                try db.execute(sql: "DELETE FROM sessions WHERE token_digest = ?", arguments: [tokenDigest])
            }
            if let user { try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [user]) }
        }
    }
}

extension SQLiteStateStore {
    public func audit(_ entry: AuditEntry) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit (at, user, action, alert_id, patient_id, client, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.at, entry.user, entry.action, entry.alertID, entry.patientID, entry.client, entry.detail,
                ])
        }
    }

    public func auditEntries(since: String?, user: String?, patient: String?) throws -> [AuditEntry] {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let since {
                conditions.append("at >= ?")
                arguments.append(since)
            }
            if let user {
                conditions.append("user = ?")
                arguments.append(user)
            }
            if let patient {
                conditions.append("patient_id = ?")
                arguments.append(patient)
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM audit \(filter) ORDER BY at, id", arguments: StatementArguments(arguments)
            ).map { row in
                AuditEntry(
                    at: row["at"], user: row["user"], action: row["action"], alertID: row["alert_id"],
                    patientID: row["patient_id"], client: row["client"], detail: row["detail"])
            }
        }
    }
}
