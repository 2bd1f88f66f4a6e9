public import Alerts
public import Events
import Foundation
public import Logging
public import Rules
public import State

/// Takes one claimed event file through the protocol: read safely, decode and validate, evaluate,
/// record the ledger row, alerts and outbox rows in one transaction, and only then move the file to
/// `archive/` — or to `quarantine/` beside a `NAME.reason.json`.
///
/// A crash at any point leaves the file in `.work/` (processed again: the ledger makes the second
/// time a duplicate) or an undelivered outbox (delivered on restart).
public final class EventProcessor {
    /// What became of one file.
    public enum Outcome: Equatable, Sendable {
        case processed(alerts: Int)
        case duplicate
        case conflict
        case invalid
        /// Not read at all: a symlink, FIFO, device, directory, or too large.
        case refused(String)
        /// Gone before it could be read.
        case gone
    }

    let home: Home
    let store: any StateStore
    public var ruleSet: RuleSet
    /// Decides which findings open alerts, which repeat earlier ones, and what a cancel withdraws.
    public var policy = AlertPolicy()
    let sinks: [String]
    /// Files larger than this are refused without reading.
    public var sizeLimit = 1 << 20
    let logger: Logger
    /// Counts outcomes, alerts and evaluation time, when the daemon keeps metrics.
    var metrics: DaemonMetrics?

    public init(home: Home, store: any StateStore, ruleSet: RuleSet, sinks: [String], logger: Logger) {
        self.home = home
        self.store = store
        self.ruleSet = ruleSet
        self.sinks = sinks
        self.logger = logger
    }

    /// Processes `.work/NAME` at `now`.
    public func process(_ name: String, now: Timestamp) throws -> Outcome {
        let outcome = try processUncounted(name, now: now)
        if let metrics {
            switch outcome {
            case .processed: metrics.event("processed")
            case .duplicate: metrics.event("duplicate")
            case .conflict: metrics.event("conflict")
            case .invalid: metrics.event("invalid")
            case .refused: metrics.event("refused")
            case .gone: break
            }
        }
        return outcome
    }

    private func processUncounted(_ name: String, now: Timestamp) throws -> Outcome {
        let path = home.work + "/" + name
        let bytes: [UInt8]
        switch FileSystem.readRegularFile(path, limit: sizeLimit) {
        case .success(let read): bytes = read
        case .failure(.missing): return .gone
        case .failure(.notRegular(let what)):
            try quarantine(name, now: now, reason: "not_regular", errors: ["\(what): not read"], digest: nil)
            return .refused(what)
        case .failure(.tooLarge(let size)):
            try quarantine(
                name, now: now, reason: "too_large", errors: ["\(size) bytes, over the limit of \(sizeLimit)"],
                digest: nil)
            return .refused("too large")
        case .failure(.failed(let message)):
            throw DaemonError("cannot read \(path): \(message); it stays in inbox/.work and is tried again")
        }
        var hasher = SHA256()
        hasher.update(bytes)
        let digest = hasher.hexDigest()

        let event: Event
        do {
            event = try EventDecoder().decode(bytes)
        } catch {
            let entry = LedgerEntry(
                eventID: "invalid:" + digest, digest: digest, outcome: .invalid, recordedAt: now, fileName: name,
                rulesVersion: ruleSet.version, reason: error.errors.map(\.description).joined(separator: "\n"))
            _ = try store.record(entry, alerts: [], sinks: [])
            try quarantine(name, now: now, reason: "invalid", errors: error.errors.map(\.description), digest: digest)
            logger.notice(
                "event quarantined as invalid", metadata: ["file": "\(name)", "event_id": "\(error.eventID ?? "-")"])
            return .invalid
        }

        let entry = LedgerEntry(
            eventID: event.eventID, digest: digest, outcome: .processed, recordedAt: now, fileName: name,
            rulesVersion: ruleSet.version)
        let (recorded, decision) = try store.record(entry, patientID: event.patient.id, sinks: sinks) { state in
            try decide(event, state: state, now: now)
        }
        CrashPoint.reached(.afterCommit)
        switch recorded {
        case .recorded:
            try archive(name, now: now, digest: digest)
            CrashPoint.reached(.afterArchive)
            let opened = decision?.opened ?? []
            for alert in opened { metrics?.alert(priority: alert.priority.rawValue, referral: alert.referral) }
            metrics?.suppressed(decision?.repeats.count ?? 0)
            metrics?.withdrawn(decision?.withdrawn.count ?? 0)
            logger.info(
                "event processed",
                metadata: [
                    "event_id": "\(event.eventID)", "alerts": "\(opened.count)",
                    "repeats": "\(decision?.repeats.count ?? 0)", "withdrawn": "\(decision?.withdrawn.count ?? 0)",
                ])
            return .processed(alerts: opened.count)
        case .duplicate:
            try archive(name, now: now, digest: digest)
            logger.info("duplicate event archived", metadata: ["event_id": "\(event.eventID)"])
            return .duplicate
        case .conflict(let existing):
            try quarantine(
                name, now: now, reason: "conflict",
                errors: [
                    "event_id \(event.eventID) was recorded before with other content (digest \(existing.digest)); this file's digest is \(digest)"
                ],
                digest: digest)
            logger.warning("event quarantined: same id, different content", metadata: ["event_id": "\(event.eventID)"])
            return .conflict
        }
    }

    /// Evaluates `event` against the patient's state and lets the policy decide; keeps the explain
    /// trace of each opened alert's rules for `riskscreen queue show`.
    private func decide(_ event: Event, state: PatientState, now: Timestamp) throws -> PolicyDecision {
        let started = ContinuousClock.now
        let evaluation = ruleSet.evaluate(event, now: now, history: state.history)
        if let metrics {
            let elapsed = ContinuousClock.now - started
            metrics.evaluation(
                nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            )
        }
        var decision = policy.decide(
            event, evaluation: evaluation, state: state, rulesVersion: ruleSet.version, now: now)
        if !decision.opened.isEmpty {
            let (_, explanations) = ruleSet.explain(event, now: now, history: state.history)
            for alert in decision.opened {
                let rules = Set(alert.findings.map(\.ruleID))
                decision.explanations[alert.alertID] = explanations.filter { rules.contains($0.ruleID) }
                    .flatMap(ExplanationText.ruleLines).joined(separator: "\n")
            }
        }
        return decision
    }

    private func archive(_ name: String, now: Timestamp, digest: String) throws {
        let directory = home.archive + "/" + now.utc.localDate.description
        try FileSystem.makeDirectory(directory)
        var target = directory + "/" + name
        if FileManager.default.fileExists(atPath: target) {
            target = directory + "/" + (name as NSString).deletingPathExtension + "." + digest.prefix(12) + ".json"
        }
        if try FileSystem.move(home.work + "/" + name, to: target) { chmod(target, 0o600) }
        try FileSystem.syncDirectory(directory)
    }

    private func quarantine(_ name: String, now: Timestamp, reason: String, errors: [String], digest: String?) throws {
        var target = name
        if FileManager.default.fileExists(atPath: home.quarantine + "/" + target) {
            target =
                (name as NSString).deletingPathExtension + "." + (digest?.prefix(12) ?? "\(now.secondsSinceEpoch)")
                + ".json"
        }
        var members: [JSONMember] = [
            JSONMember(key: "file", value: .string(name)),
            JSONMember(key: "quarantined_at", value: .string(now.utc.text)),
            JSONMember(key: "reason", value: .string(reason)),
            JSONMember(key: "errors", value: .array(errors.map(JSONValue.string))),
            JSONMember(key: "rules_version", value: .string(ruleSet.version)),
        ]
        if let digest { members.append(JSONMember(key: "digest", value: .string(digest))) }
        // The reason first: a crash between the two leaves the file in .work/, processed again.
        try FileSystem.writeAtomically(
            Array((JSONValue.object(members).serialized + "\n").utf8),
            to: home.quarantine + "/" + target + ".reason.json",
            mode: 0o600)
        let destination = home.quarantine + "/" + target
        // chmod on the path would follow a quarantined symlink: only regular files are narrowed.
        if try FileSystem.move(home.work + "/" + name, to: destination), reason != "not_regular" {
            chmod(destination, 0o600)
        }
        try FileSystem.syncDirectory(home.quarantine)
    }
}

/// Drains the outbox into the sinks: each sink on its own, oldest first. A sink that fails keeps
/// its rows (attempts counted) and is left alone for a back-off that doubles with each failure in a
/// row (1 s, 2 s, 4 s, … at most 60 s), while the other sinks go on.
public struct Deliverer {
    let store: any StateStore
    let sinks: [any Sink]
    let logger: Logger
    private let health = SinkHealth()

    public init(store: any StateStore, sinks: [any Sink], logger: Logger) {
        self.store = store
        self.sinks = sinks
        self.logger = logger
    }

    /// Seconds until the first sink in back-off may be tried again, or `nil` when none waits.
    public var nextRetryIn: Double? { health.nextRetry(now: Date().timeIntervalSince1970) }

    /// Delivers what is pending to every sink not in back-off; returns the number delivered.
    @discardableResult
    public func deliverPending(now: Timestamp, batch: Int = 100) throws -> Int {
        var delivered = 0
        let clock = Date().timeIntervalSince1970
        for sink in sinks where health.mayTry(sink.name, now: clock) {
            sinkLoop: while true {
                let pending = try store.pendingDeliveries(sink: sink.name, limit: batch)
                if pending.isEmpty { break }
                var done: [Int64] = []
                for delivery in pending {
                    do {
                        try sink.deliver(delivery)
                        done.append(delivery.id)
                        CrashPoint.reached(.midDelivery)
                    } catch {
                        try store.markFailed(delivery.id)
                        let wait = health.failed(sink.name, now: clock)
                        logger.error(
                            "delivery failed; the outbox keeps the alert",
                            metadata: [
                                "sink": "\(sink.name)", "alert_id": "\(delivery.alertID)",
                                "retry_in_seconds": "\(Int(wait))", "error": "\(error)",
                            ])
                        try store.markDelivered(done, at: now)
                        delivered += done.count
                        break sinkLoop
                    }
                }
                health.succeeded(sink.name)
                try store.markDelivered(done, at: now)
                delivered += done.count
                if pending.count < batch { break }
            }
        }
        return delivered
    }
}

/// Per sink: consecutive failures and when it may be tried again.
final class SinkHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: Int] = [:]
    private var retryAt: [String: Double] = [:]

    func mayTry(_ sink: String, now: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return (retryAt[sink] ?? 0) <= now
    }

    /// Records a failure; returns the back-off in seconds.
    func failed(_ sink: String, now: Double) -> Double {
        lock.lock()
        defer { lock.unlock() }
        let count = (failures[sink] ?? 0) + 1
        failures[sink] = count
        let wait = min(60, pow(2, Double(count - 1)))
        retryAt[sink] = now + wait
        return wait
    }

    func succeeded(_ sink: String) {
        lock.lock()
        failures[sink] = nil
        retryAt[sink] = nil
        lock.unlock()
    }

    func nextRetry(now: Double) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        return retryAt.values.min().map { max(0, $0 - now) }
    }
}
