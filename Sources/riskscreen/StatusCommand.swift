import ArgumentParser
import Daemon
import Events
import Foundation
import Presentation
import Rules
import State

/// `riskscreen status`: is the daemon healthy? For people and for monitoring (exit codes).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether the daemon runs and is healthy: exit 0 healthy, 1 degraded, 2 not running.",
        discussion: """
            Degraded: a sink is failing (a delivery waiting in the outbox has failed at least once), the \
            state database cannot be read, the oldest \
            file waiting in the inbox is older than --max-inbox-age seconds, a file in the inbox will \
            never be taken (not *.json or *.hl7), or the last reload of the rules was refused.
            """
    )

    @Option(help: "The daemon's home (default var, or the configuration's home).")
    var home: String?

    @Option(help: "The daemon's configuration file: its home is the one looked at.")
    var config: String?

    @Flag(help: "Print JSON for tools.")
    var json = false

    @Option(help: "Seconds after which a file waiting in the inbox makes the daemon degraded.")
    var maxInboxAge: Double = 300

    func run() throws {
        var root = self.home
        var site = SiteTime.system
        if let config {
            let file = try ConfigurationFile.load(config, for: "status", consequence: "no home to look at")
            root = root ?? file.home
            site = file.timezone.flatMap(SiteTime.init(identifier:)) ?? site
        }
        /// A time as people read it: in the site's zone, to the minute.
        func time(_ seconds: Double) -> String { site.dayAndTime(Timestamp(secondsSinceEpoch: Int64(seconds))) }
        let home = Home(root ?? "var")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home.root, isDirectory: &isDirectory), isDirectory.boolValue else {
            if json {
                print(
                    JSONValue.object([
                        JSONMember(key: "status", value: .string("not running")),
                        JSONMember(key: "running", value: .bool(false)),
                        JSONMember(key: "problems", value: .array([.string("no home at \(home.root)")])),
                    ]).serialized)
            } else {
                print("riskscreen: no home at \(home.root): the daemon has never run there (give --home or --config)")
                print("status: not running")
            }
            throw ExitCode(2)
        }
        let now = TestHooks.clock.seconds
        let running = HomeLock.isHeld(home: home)
        let state = try? DaemonState.read(home: home)
        var summary = StateSummary()
        var problems: [String] = []
        if FileManager.default.fileExists(atPath: home.stateDatabase) {
            do {
                summary = try StateDatabase.open(home.stateDatabase).summary()
            } catch {
                problems.append("the state database cannot be read (\(error)); the counts below are not known")
            }
        }
        let backlog = home.inboxBacklog()
        let neverTaken = home.inboxNeverTaken()
        let oldestAge: Double? = backlog.count > 0 ? backlog.oldestAge : nil
        let quarantined = ((try? FileManager.default.contentsOfDirectory(atPath: home.quarantine)) ?? []).filter {
            !$0.hasSuffix(".reason.json") && !$0.hasPrefix(".")
        }.count
        for (sink, count) in summary.failing.sorted(by: { $0.key < $1.key }) where count > 0 {
            let waiting = summary.outbox[sink] ?? count
            problems.append(
                "the \(sink) sink is failing: \(waiting) deliver\(waiting == 1 ? "y" : "ies") waiting, \(count) failed at least once"
            )
        }
        if !neverTaken.isEmpty {
            problems.append(
                "\(neverTaken.count) file\(neverTaken.count == 1 ? "" : "s") in the inbox will never be taken (RiskScreen takes *.json and *.hl7): \(neverTaken.prefix(5).joined(separator: ", "))\(neverTaken.count > 5 ? ", …" : "")"
            )
        }
        if running, let refused = state?.refusedReload {
            problems.append(
                "the last reload was refused (\(refused.errors) error\(refused.errors == 1 ? "" : "s") at \(time(refused.at))); the rules in use were loaded at \(time(state?.rulesLoadedAt ?? 0))"
            )
        }
        if let oldestAge, oldestAge > maxInboxAge {
            problems.append("the oldest inbox file has waited \(Int(oldestAge)) s (over \(Int(maxInboxAge)) s)")
        }
        let undelivered = summary.outbox.values.reduce(0, +)
        if !running && undelivered > 0 {
            problems.append(
                "\(undelivered) deliver\(undelivered == 1 ? "y waits" : "ies wait") in the outbox for the next run")
        }
        let health = !running ? "not running" : (problems.isEmpty ? "healthy" : "degraded")
        let status: Int32 = !running ? 2 : (problems.isEmpty ? 0 : 1)

        if json {
            var members: [JSONMember] = [
                JSONMember(key: "status", value: .string(health)),
                JSONMember(key: "running", value: .bool(running)),
                JSONMember(key: "problems", value: .array(problems.map(JSONValue.string))),
                JSONMember(key: "inbox_backlog", value: .number(Double(backlog.count))),
                JSONMember(key: "inbox_oldest_age_seconds", value: oldestAge.map(JSONValue.number) ?? .null),
                JSONMember(key: "inbox_never_taken", value: .array(neverTaken.map(JSONValue.string))),
                JSONMember(key: "quarantined", value: .number(Double(quarantined))),
                JSONMember(key: "outbox", value: Self.object(summary.outbox)),
                JSONMember(key: "open_alerts", value: Self.object(summary.openAlerts)),
                JSONMember(key: "events", value: Self.object(summary.events)),
                JSONMember(key: "stale_events", value: .number(Double(summary.stale))),
                JSONMember(key: "last_event_at", value: summary.lastEventAt.map { .string(Self.time($0)) } ?? .null),
            ]
            if running, let state {
                members += [
                    JSONMember(key: "pid", value: .number(Double(state.pid))),
                    JSONMember(key: "uptime_seconds", value: .number((now - state.startedAt).rounded())),
                    JSONMember(key: "rules_version", value: .string(state.rulesVersion)),
                    JSONMember(key: "rule_count", value: .number(Double(state.ruleCount))),
                ]
            }
            print(JSONValue.object(members).serialized)
        } else {
            if running, let state {
                print("riskscreen: running (pid \(state.pid), up \(Due.span(now - state.startedAt)))")
                print(
                    "rules: \(RulesVersion.short(state.rulesVersion)) (\(state.ruleCount) rules, loaded \(time(state.rulesLoadedAt)))"
                )
            } else {
                print("riskscreen: not running on \(home.root)")
            }
            print(
                "last event: \(summary.lastEventAt.map { "\(time($0)) (\(Due.span(now - $0)) ago)" } ?? "none")"
            )
            print(
                "inbox: \(backlog.count) waiting\(oldestAge.map { ", oldest \(Due.span($0))" } ?? "")\(neverTaken.isEmpty ? "" : "; \(neverTaken.count) never taken (not *.json or *.hl7)")"
            )
            print("quarantine: \(quarantined) file\(quarantined == 1 ? "" : "s")")
            print(
                "stale events: \(summary.stale) (older than stale_after when they arrived: recorded, no alert\(summary.stale > 0 ? "; `riskscreen queue list --stale`" : ""))"
            )
            let outbox = summary.outbox.sorted { $0.key < $1.key }.map { sink, waiting in
                let failing = summary.failing[sink] ?? 0
                return "\(sink) \(waiting) waiting\(failing > 0 ? " (\(failing) failed at least once)" : "")"
            }
            print("outbox: \(outbox.isEmpty ? "empty" : outbox.joined(separator: ", "))")
            let open = Priority.mostUrgentFirst.map { "\($0.rawValue) \(summary.openAlerts[$0.rawValue] ?? 0)" }
            print("open alerts: \(open.joined(separator: ", "))")
            print("status: \(health)\(problems.isEmpty ? "" : ": " + problems.joined(separator: "; "))")
        }
        if status != 0 { throw ExitCode(status) }
    }

    static func object(_ counts: [String: Int]) -> JSONValue {
        .object(counts.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .number(Double($0.value))) })
    }

    static func time(_ seconds: Double) -> String { Timestamp(secondsSinceEpoch: Int64(seconds)).text }
}
