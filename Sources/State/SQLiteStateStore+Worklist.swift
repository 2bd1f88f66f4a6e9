import Alerts
import Foundation
import GRDB
import Rules

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
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE name = ?"), arguments: [name])
                .map(Self.user)
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
                db.cachedStatement(sql: "SELECT * FROM sessions WHERE token_digest = ? AND expires_at > ?"),
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

extension SQLiteStateStore {
    public func worklist(_ query: WorklistQuery) throws -> WorklistPage {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            func within(_ column: String, _ values: [String]) {
                conditions.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
                arguments += values.map { $0 as (any DatabaseValueConvertible)? }
            }
            // The statuses as literals (they are an enum's), so that the index of the alerts still to be
            // worked — partial, on exactly these — can serve the usual view in its order.
            let statuses = Alert.Status.allCases.filter(query.statuses.contains)
            conditions.append(
                "status IN (\(statuses.isEmpty ? "''" : statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
            let index = statuses == [.open, .acknowledged] ? "alerts_active" : "alerts_worklist"
            if let teams = query.teams { within("referral", teams.isEmpty ? [""] : teams) }
            if let referral = query.referral { within("referral", [referral]) }
            if let unit = query.unit { within("unit", [unit]) }
            if let assignee = query.assignee { within("assignee", [assignee]) }
            if let overdueAt = query.overdueAt {
                conditions.append("respond_by_epoch < ?")
                arguments.append(overdueAt)
            }
            let filter = "WHERE " + conditions.joined(separator: " AND ")
            // A count per priority: each a range of the index (status, priority), filtered inside it;
            // counted again only when the alerts have changed since the same query last counted them.
            let version = try Self.worklistVersion(db)
            let key =
                filter + "|" + arguments.map { "\($0.map { "\($0.databaseValue)" } ?? "NULL")" }.joined(separator: "|")
            var byPriority: [Priority: Int]
            if let cached = worklistCounts.withLock({ $0[key] }), cached.version == version {
                byPriority = cached.counts
            } else {
                byPriority = [:]
                for priority in Priority.allCases {
                    let n =
                        try Int.fetchOne(
                            db.cachedStatement(
                                sql: "SELECT count(*) FROM alerts INDEXED BY \(index) \(filter) AND priority_rank = ?"),
                            arguments: StatementArguments(arguments + [priority.queueRank])) ?? 0
                    if n > 0 { byPriority[priority] = n }
                }
                let counted = byPriority
                worklistCounts.withLock { cache in
                    if cache.count >= 256 { cache.removeAll() }
                    cache[key] = (version, counted)
                }
            }
            var pageConditions = filter
            var pageArguments = arguments
            if let priority = query.priority {
                pageConditions += " AND priority_rank = ?"
                pageArguments.append(priority.queueRank)
            }
            let total = query.priority.map { byPriority[$0] ?? 0 } ?? byPriority.values.reduce(0, +)
            // The page's ids from the index alone, then only their records.
            let alerts = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.queuedColumns) FROM alerts WHERE alert_id IN (
                            SELECT alert_id FROM alerts INDEXED BY \(index) \(pageConditions)
                            ORDER BY priority_rank, respond_by_epoch, alert_id LIMIT ? OFFSET ?)
                        ORDER BY priority_rank, respond_by_epoch, alert_id
                        """),
                arguments: StatementArguments(pageArguments + [max(0, query.limit), max(0, query.offset)])
            ).map(Self.queued)
            return WorklistPage(alerts: alerts, total: total, byPriority: byPriority)
        }
    }

    /// The units and teams (referrals) that alerts name — of `referrals` only, when given — for the
    /// filters' choices. Read by skipping through the (referral, unit) index: a step per pair, not
    /// per alert.
    public func worklistFacets(referrals: [String]?) throws -> (units: [String], referrals: [String]) {
        try pool.read { db in
            var seen: [String] = []
            var next = try String.fetchOne(
                db.cachedStatement(sql: "SELECT min(referral) FROM alerts INDEXED BY alerts_referral_unit"))
            while let referral = next {
                seen.append(referral)
                next = try String.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT min(referral) FROM alerts INDEXED BY alerts_referral_unit WHERE referral > ?"),
                    arguments: [referral])
            }
            if let referrals { seen = seen.filter(referrals.contains) }
            var units = Set<String>()
            for referral in seen {
                var unit = try String.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT min(unit) FROM alerts INDEXED BY alerts_referral_unit WHERE referral = ?"),
                    arguments: [referral])
                while let found = unit {
                    units.insert(found)
                    unit = try String.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT min(unit) FROM alerts INDEXED BY alerts_referral_unit
                                WHERE referral = ? AND unit > ?
                                """),
                        arguments: [referral, found])
                }
            }
            return (units.sorted(), seen)
        }
    }
}

extension SQLiteStateStore {
    public func dashboard(now: Double, utcOffset: Int) throws -> Dashboard {
        try pool.read { db in
            var dashboard = Dashboard()
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT referral, coalesce(unit, '-') AS unit, count(*) AS open,
                        sum(respond_by_epoch < ?) AS overdue
                    FROM alerts INDEXED BY alerts_active WHERE status IN ('open', 'acknowledged')
                    GROUP BY referral, unit ORDER BY referral, unit
                    """, arguments: [now])
            {
                dashboard.load.append(
                    Dashboard.Load(
                        referral: row["referral"], unit: row["unit"], open: row["open"], overdue: row["overdue"]))
            }
            let weekAgo = now - 7 * 86_400
            func durations(_ action: String) throws -> [Double] {
                try Double.fetchAll(
                    db,
                    sql: """
                        SELECT (julianday(min(x.at)) - julianday(a.created_at)) * 86400.0 FROM alert_actions x
                        JOIN alerts a ON a.alert_id = x.alert_id WHERE x.action = ?
                        GROUP BY x.alert_id HAVING (julianday(min(x.at)) - 2440587.5) * 86400.0 >= ?
                        """, arguments: [action, weekAgo])
            }
            dashboard.secondsToAcknowledge = try durations("ack")
            dashboard.secondsToClose = try durations("close")
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT date(created_epoch + ?, 'unixepoch') AS day, referral, count(*) AS n FROM alerts
                    WHERE created_epoch >= ? GROUP BY day, referral
                    """, arguments: [utcOffset, now - 30 * 86_400])
            {
                dashboard.perDay[row["day"], default: [:]][row["referral"]] = row["n"]
            }
            return dashboard
        }
    }
}

extension SQLiteStateStore {
    /// `AND referral IN (…)` for `teams`, with its arguments; empty for every team.
    private static func teamFilter(_ teams: [String]?) -> (String, StatementArguments) {
        guard let teams else { return ("", []) }
        let list = teams.isEmpty ? "''" : teams.map { _ in "?" }.joined(separator: ", ")
        return (" AND referral IN (\(list))", StatementArguments(teams))
    }

    public func worklistVersion() throws -> Int { try pool.read(Self.worklistVersion) }

    static func worklistVersion(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT n FROM worklist_version WHERE id = 1")) ?? 0
    }

    public func changeMark(teams: [String]?) throws -> String {
        try pool.read { db in
            let (filter, arguments) = Self.teamFilter(teams)
            let alerts = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*) AS n, coalesce(max(rowid), 0) AS last,
                        sum(status = 'withdrawn') AS withdrawn, sum(status = 'closed') AS closed
                    FROM alerts INDEXED BY alerts_worklist WHERE 1\(filter)
                    """, arguments: arguments)
            let actions = try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM alert_actions") ?? 0
            let n: Int = alerts?["n"] ?? 0
            let last: Int = alerts?["last"] ?? 0
            let withdrawn: Int = alerts?["withdrawn"] ?? 0
            let closed: Int = alerts?["closed"] ?? 0
            return "\(n).\(last).\(withdrawn).\(closed).\(actions)"
        }
    }

    public func withdrawnAlerts(since: Double, teams: [String]?) throws -> [String] {
        try pool.read { db in
            let (filter, arguments) = Self.teamFilter(teams)
            return try String.fetchAll(
                db,
                sql: """
                    SELECT alert_id FROM alerts WHERE status = 'withdrawn'
                    AND (julianday(withdrawn_at) - 2440587.5) * 86400.0 >= ?\(filter)
                    """, arguments: [since] + arguments)
        }
    }
}
