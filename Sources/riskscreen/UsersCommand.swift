import Alerts
import ArgumentParser
import Daemon
import Events
import Foundation
import HummingbirdBcrypt
import Presentation
import Rules
import State
import YAMLDocument

/// `riskscreen users`: the worklist's accounts, kept in the home's state database.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "The worklist's accounts: add, list, disable, enable, passwd, set.",
        discussion: """
            A social worker sees and acts on the alerts of their teams (referral targets) only; a \
            supervisor sees every team, reassigns, reopens and sees the dashboard; an admin also \
            manages the accounts. Passwords are given on standard input (--password-stdin), at least \
            12 characters, and stored as bcrypt hashes. Every change is written to the audit trail.
            """,
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Passwd.self, Set.self]
    )

    /// At least this many characters.
    static let minimumPasswordLength = 12
    /// bcrypt's cost: 2^12 rounds, about a quarter of a second here.
    static let bcryptCost: UInt8 = 12

    /// Who runs the command, for the audit trail.
    static var operatorName: String { ProcessInfo.processInfo.environment["USER"].map { "cli:" + $0 } ?? "cli" }

    /// A request refused before anything was changed: said on stderr, exit status 2.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `body`; a ``Refusal`` is printed as `users: …` and ends the command with exit status 2.
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let refusal as Refusal {
            printError("users: \(refusal); nothing was changed")
            throw ExitCode(2)
        }
    }

    /// The password on standard input: its first line, checked for length.
    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw Refusal("no password on standard input (--password-stdin reads its first line)")
        }
        guard line.count >= minimumPasswordLength else {
            throw Refusal("the password is too short: at least \(minimumPasswordLength) characters")
        }
        return line
    }

    /// A user name: lower-case letters, digits, dots, dashes and underscores, 1 to 64 of them.
    static func checkName(_ name: String) throws {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || ".-_".contains($0)) }
        guard allowed, (1...64).contains(name.count) else {
            throw ValidationError(
                "\"\(name)\" is not a user name: lower-case letters, digits, dots, dashes and underscores (1 to 64)")
        }
    }

    /// `teams` checked against the site's referral targets (with a did-you-mean).
    static func checkTeams(_ teams: [String], role: Role, options: StateOptions) throws {
        let known = try options.configuration()?.referrals?.map(\.id) ?? ReferralTarget.shipped.map(\.id)
        for team in teams where !known.contains(team) {
            throw Refusal(
                "unknown team \"\(team)\"\(Suggestions.hint(for: team, among: known)); the teams (referral targets) are \(known.joined(separator: ", "))"
            )
        }
        if role == .socialWorker && teams.isEmpty {
            throw Refusal("a social worker needs --teams: the referrals whose alerts they work")
        }
    }

    /// `social-worker, teams safety, social-needs`.
    static func describe(_ role: Role, _ teams: [String]) -> String {
        role.rawValue + (teams.isEmpty ? "" : ", teams " + teams.joined(separator: ", "))
    }

    static func parseTeams(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func audit(_ store: any StateStore, _ action: String, _ name: String, detail: String? = nil) throws {
        try store.audit(
            AuditEntry(
                at: StatusCommand.time(TestHooks.clock.seconds), user: operatorName, action: action, client: "cli",
                detail: "user \(name)" + (detail.map { ": " + $0 } ?? "")))
    }

    /// A role named on the command line, with a did-you-mean.
    static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else {
            let names = Role.allCases.map(\.rawValue)
            throw ValidationError(
                "unknown role \"\(text)\"\(Suggestions.hint(for: text, among: names)); the roles are \(names.joined(separator: ", "))"
            )
        }
        return role
    }

    static func existing(_ store: any StateStore, _ name: String) throws -> User {
        guard let user = try store.user(named: name) else {
            printError("users: no user \"\(name)\"")
            throw ExitCode(1)
        }
        return user
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The user name (lower case).") var name: String
        @Option(help: "social-worker, supervisor or admin.") var role: String
        @Option(help: "The teams (referral targets) a social worker works, comma-separated.") var teams: String?
        @Flag(help: "Read the password from standard input.") var passwordStdin = false

        func validate() throws {
            try UsersCommand.checkName(name)
            _ = try UsersCommand.role(role)
            guard passwordStdin else {
                throw ValidationError("give the password on standard input with --password-stdin")
            }
        }

        func run() throws {
            let role = try UsersCommand.role(self.role)
            let teams = UsersCommand.parseTeams(self.teams)
            let password = try UsersCommand.refusing {
                try UsersCommand.checkTeams(teams, role: role, options: options)
                return try UsersCommand.readPassword()
            }
            let store = try options.store()
            let user = User(
                name: name, role: role, teams: teams,
                passwordHash: Bcrypt.hash(password, cost: UsersCommand.bcryptCost))
            do {
                try store.addUser(user)
            } catch let error as AccountError {
                printError("users: \(error)")
                throw ExitCode(1)
            }
            try UsersCommand.audit(store, "user-add", name, detail: UsersCommand.describe(role, teams))
            print("added \(name): \(UsersCommand.describe(role, teams))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")

        @OptionGroup var options: StateOptions
        @Flag(help: "One JSON object per line, for tools.") var json = false

        func run() throws {
            let users = try options.store().users()
            let now = TestHooks.clock.seconds
            if json {
                for user in users {
                    print(
                        JSONValue.object([
                            JSONMember(key: "name", value: .string(user.name)),
                            JSONMember(key: "role", value: .string(user.role.rawValue)),
                            JSONMember(key: "teams", value: .array(user.teams.map(JSONValue.string))),
                            JSONMember(key: "disabled", value: .bool(user.disabled)),
                            JSONMember(key: "locked", value: .bool((user.lockedUntil ?? 0) > now)),
                        ]).serialized)
                }
                return
            }
            guard !users.isEmpty else {
                print("(no users; add one with `riskscreen users add NAME --role admin --password-stdin`)")
                return
            }
            var table = TextTable(headers: ["USER", "ROLE", "TEAMS", "STATE"])
            for user in users {
                let state =
                    user.disabled
                    ? "disabled"
                    : (user.lockedUntil ?? 0) > now ? "locked (\(user.failedLogins) failed logins)" : "active"
                table.append([
                    user.name, user.role.rawValue,
                    user.role.seesAllTeams ? "all" : user.teams.joined(separator: ", "), state,
                ])
            }
            for line in table.lines() { print(line) }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it can no longer log in, and its sessions end.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            let store = try options.store()
            var user = try UsersCommand.existing(store, name)
            user.disabled = true
            try store.updateUser(user)
            try store.endSessions(tokenDigest: nil, user: name)
            try UsersCommand.audit(store, "user-disable", name)
            print("disabled \(name)")
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled or locked account.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            let store = try options.store()
            var user = try UsersCommand.existing(store, name)
            user.disabled = false
            user.failedLogins = 0
            user.lockedUntil = nil
            try store.updateUser(user)
            try UsersCommand.audit(store, "user-enable", name)
            print("enabled \(name)")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's password (from standard input); its sessions end and a lock is lifted.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The user name.") var name: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false

        func validate() throws {
            guard passwordStdin else {
                throw ValidationError("give the password on standard input with --password-stdin")
            }
        }

        func run() throws {
            let store = try options.store()
            var user = try UsersCommand.existing(store, name)
            let password = try UsersCommand.refusing { try UsersCommand.readPassword() }
            user.passwordHash = Bcrypt.hash(password, cost: UsersCommand.bcryptCost)
            user.failedLogins = 0
            user.lockedUntil = nil
            try store.updateUser(user)
            try store.endSessions(tokenDigest: nil, user: name)
            try UsersCommand.audit(store, "user-passwd", name)
            print("password set for \(name)")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an account's role or teams.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "social-worker, supervisor or admin.") var role: String?
        @Option(help: "The teams (referral targets), comma-separated; replaces the list.") var teams: String?

        func run() throws {
            let store = try options.store()
            var user = try UsersCommand.existing(store, name)
            if let role { user.role = try UsersCommand.role(role) }
            if let teams { user.teams = UsersCommand.parseTeams(teams) }
            try UsersCommand.refusing { try UsersCommand.checkTeams(user.teams, role: user.role, options: options) }
            try store.updateUser(user)
            try store.endSessions(tokenDigest: nil, user: name)
            try UsersCommand.audit(store, "user-set", name, detail: UsersCommand.describe(user.role, user.teams))
            print("\(name): \(UsersCommand.describe(user.role, user.teams))")
        }
    }
}
