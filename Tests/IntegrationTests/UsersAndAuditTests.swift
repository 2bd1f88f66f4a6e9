import Foundation
import State
import Testing

@Suite("riskscreen users and riskscreen audit", .serialized)
struct UsersAndAuditTests {
    /// A home drained once with two samples, so that there are alerts to act on.
    private func home() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in ["08-discharge-homeless.json", "10-admission-positive-safety-screen.json"] {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"]).status == 0)
        return (directory, home)
    }

    private func users(_ arguments: [String], password: String? = nil, home: String) throws -> RiskScreenProcess.Result
    {
        try RiskScreenProcess.run(["users"] + arguments + ["--home", home], input: password.map { $0 + "\n" })
    }

    @Test(
        "accounts: added with a role and teams, the password stored only as a bcrypt hash; every mistake refused before anything changes"
    )
    func accounts() throws {
        let (directory, home) = try home()
        _ = directory
        let added = try users(
            ["add", "ada", "--role", "social-worker", "--teams", "safety,social-needs", "--password-stdin"],
            password: "correct horse battery", home: home)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout == "added ada: social-worker, teams safety, social-needs\n")
        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        let ada = try #require(try store.user(named: "ada"))
        #expect(ada.passwordHash.hasPrefix("$2b$12$") && ada.passwordHash.count == 60, "\(ada.passwordHash)")
        #expect(!ada.passwordHash.contains("horse"))
        #expect(ada.teams == ["safety", "social-needs"])

        let refusals: [([String], String?, Int32, String)] = [
            (
                ["add", "bo", "--role", "admin", "--password-stdin"], "short", 2,
                "the password is too short: at least 12 characters"
            ),
            (
                ["add", "bo", "--role", "supervsor", "--password-stdin"], "correct horse battery", 64,
                #"unknown role "supervsor" (did you mean "supervisor"?)"#
            ),
            (
                ["add", "bo", "--role", "social-worker", "--teams", "safty", "--password-stdin"],
                "correct horse battery", 2, #"unknown team "safty" (did you mean "safety"?)"#
            ),
            (
                ["add", "bo", "--role", "social-worker", "--password-stdin"], "correct horse battery", 2,
                "a social worker needs --teams"
            ),
            (
                ["add", "Bo Smith", "--role", "admin", "--password-stdin"], "correct horse battery", 64,
                "is not a user name"
            ),
            (
                ["add", "bo", "--role", "admin"], "correct horse battery", 64,
                "give the password on standard input with --password-stdin"
            ),
            (
                ["add", "ada", "--role", "admin", "--password-stdin"], "correct horse battery", 1,
                #"a user "ada" already exists"#
            ),
            (["disable", "nobody"], nil, 1, #"no user "nobody""#),
        ]
        for (arguments, password, status, message) in refusals {
            let result = try users(arguments, password: password, home: home)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try store.users().map(\.name) == ["ada"], "a refused request added an account")

        #expect(
            try users(
                ["add", "bo", "--role", "supervisor", "--password-stdin"], password: "another long secret", home: home
            ).status == 0)
        #expect(try users(["disable", "ada"], home: home).status == 0)
        #expect(try store.user(named: "ada")?.disabled == true)
        #expect(try users(["enable", "ada"], home: home).status == 0)
        #expect(try users(["set", "ada", "--teams", "safety"], home: home).status == 0)
        #expect(try store.user(named: "ada")?.teams == ["safety"])
        let before = try #require(try store.user(named: "ada")).passwordHash
        #expect(
            try users(["passwd", "ada", "--password-stdin"], password: "a brand new passphrase", home: home).status == 0
        )
        #expect(try store.user(named: "ada")?.passwordHash != before)

        let list = try users(["list"], home: home)
        #expect(
            list.stdoutLines == [
                "USER  ROLE           TEAMS   STATE",
                "ada   social-worker  safety  active",
                "bo    supervisor     all     active",
            ], "\(list.stdout)")
        let json = try users(["list", "--json"], home: home)
        #expect(
            json.stdoutLines.first
                == #"{"name":"ada","role":"social-worker","teams":["safety"],"disabled":false,"locked":false}"#)
    }

    @Test(
        "the audit trail: account changes, views and actions from the command line, with who, what, which patient and from where; filtered by time, user and patient"
    )
    func audit() throws {
        let (directory, home) = try home()
        _ = directory
        #expect(
            try users(
                ["add", "ada", "--role", "admin", "--password-stdin"], password: "correct horse battery", home: home
            ).status == 0)
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json", "--referral", "safety"])
        let line = try #require(list.stdoutLines.first)
        let alert = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let id = try #require(alert["alert_id"] as? String)
        let patient = try #require(alert["patient_id"] as? String)
        // Each command's clock starts at the tests' "now" when it is started: on a busy machine
        // `users add` (bcrypt at cost 12) can take longer than what follows, so each later command is
        // set a minute later, as a person would act.
        func later(_ minutes: Int) -> [String: String] { ["RISKSCREEN_TEST_CLOCK_OFFSET": "\(minutes * 60)"] }
        #expect(try RiskScreenProcess.run(["queue", "show", id, "--home", home], environment: later(1)).status == 0)
        #expect(
            try RiskScreenProcess.run(["queue", "ack", id, "--by", "ada", "--home", home], environment: later(2)).status
                == 0)
        #expect(
            try RiskScreenProcess.run(
                [
                    "queue", "close", id, "--by", "ada", "--outcome", "referred", "--note", "safety plan made",
                    "--home", home,
                ], environment: later(3)
            ).status == 0)

        let all = try RiskScreenProcess.run(["audit", "--home", home, "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let entries = try all.stdoutLines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(entries.map { $0["action"] as? String } == ["user-add", "view", "ack", "close"])
        #expect(
            entries.dropFirst().allSatisfy { $0["alert_id"] as? String == id && $0["patient_id"] as? String == patient }
        )
        #expect(entries.allSatisfy { $0["client"] as? String == "cli" })
        #expect(entries.last?["user"] as? String == "ada")
        #expect(entries.last?["detail"] as? String == "referred: safety plan made")

        let byAda = try RiskScreenProcess.run(["audit", "--home", home, "--user", "ada", "--json"])
        #expect(byAda.stdoutLines.count == 2)
        let aboutPatient = try RiskScreenProcess.run(["audit", "--home", home, "--patient", patient, "--json"])
        #expect(aboutPatient.stdoutLines.count == 3)
        let later = try RiskScreenProcess.run(["audit", "--home", home, "--since", "2099-01-01"])
        #expect(later.stdout == "(nothing in the audit trail that matches)\n")
        let bad = try RiskScreenProcess.run(["audit", "--home", home, "--since", "yesterday"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--since yesterday is not a time"))
        let text = try RiskScreenProcess.run(["audit", "--home", home])
        #expect(text.stdoutLines.first?.hasPrefix("TIME") == true)
        #expect(text.stdoutLines.count == 5)
    }
}
