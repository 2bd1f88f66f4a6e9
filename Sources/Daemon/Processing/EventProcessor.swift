public import Alerts
public import Events
public import Feeds
import Foundation
public import Logging
public import Rules
public import Screening
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
        /// Recorded: `alerts` opened; `stale` when it happened longer ago than `stale_after` (it
        /// opens no alert of its own).
        case processed(alerts: Int, stale: Bool = false)
        case duplicate
        case conflict
        case invalid
        /// Not read at all: a symlink, FIFO, device, directory, or too large.
        case refused(String)
        /// Gone before it could be read.
        case gone
        /// An HL7 message not about an encounter (A28, A31, A05…): archived, counted, not screened.
        case ignored
        /// An HL7 batch: its messages written into the inbox one file each (`NAME.0001.hl7`…),
        /// the batch archived. Each message is then an event of its own, exactly once by its MSH-10.
        case split(messages: Int)
    }

    /// Reads HL7 v2 files: times sent without an offset are in the site's zone.
    public var feedInput = FeedInput()
    /// The message files split out of batches since last asked (durable already: they need not
    /// wait the inbox's minimum age).
    private var splitMessages = Set<String>()

    /// The message files split out of batches since the last call.
    public func takeSplitMessages() -> Set<String> {
        defer { splitMessages.removeAll() }
        return splitMessages
    }

    let home: Home
    let store: any EventLedger
    /// The one decision step: the rules, then the alert policy.
    public var screener: Screener
    /// The rules in use (swapped on reload).
    public var ruleSet: RuleSet {
        get { screener.ruleSet }
        set { screener.ruleSet = newValue }
    }
    /// Decides which findings open alerts, which repeat earlier ones, what a cancel withdraws, and
    /// which events are stale.
    public var policy: AlertPolicy {
        get { screener.policy }
        set { screener.policy = newValue }
    }
    let sinks: [SinkName]
    /// Files larger than this are refused without reading.
    public var sizeLimit = 1 << 20
    let logger: Logger
    /// Counts outcomes, alerts and evaluation time, when the daemon keeps metrics.
    var metrics: DaemonMetrics?
    /// The mode of archived and quarantined files (and their reasons).
    public var fileMode: UInt32 = 0o600
    /// Where to kill the process, for the crash tests; `nil` in production.
    public var crashAt: CrashPoint?
    /// Archive folders known to exist, so each is created once.
    private var archiveDirectories = Set<String>()
    /// When stored event contents older than `stale_after` were last forgotten (monotonic seconds).
    private var forgottenAt: Double?

    public init(home: Home, store: any EventLedger, ruleSet: RuleSet, sinks: [SinkName], logger: Logger) {
        self.home = home
        self.store = store
        screener = Screener(ruleSet: ruleSet)
        self.sinks = sinks
        self.logger = logger
    }

    /// Processes `.work/NAME` at `now`.
    public func process(_ name: String, now: Timestamp) throws -> Outcome {
        switch process(batch: [name], now: now)[0] {
        case .success(let outcome): return outcome
        case .failure(let error): throw error
        }
    }

    /// Processes the claimed files `.work/NAME…` at `now` as one group: each is read, decoded and
    /// evaluated, then all are recorded in **one** transaction (one durable commit), then each is
    /// archived or quarantined, and the archive is synced once. The outcomes are in the order of
    /// `names`; a file that fails stays in `.work/` for the next pass.
    ///
    /// When the group's transaction fails, its events are recorded one by one, so one bad event
    /// cannot hold back the others.
    public func process(batch names: [String], now: Timestamp) -> [Result<Outcome, any Error>] {
        process(read: names.map(reader.read), now: now)
    }

    /// Reads claimed files as ``process(batch:now:)`` does, on any thread: what it reads with is
    /// a value of its own, so reading the next group may overlap the recording of this one.
    public var reader: ClaimedFileReader {
        ClaimedFileReader(work: home.work, sizeLimit: sizeLimit, feedInput: feedInput)
    }

    /// Processes claimed files already read (by ``reader``) at `now` as one group, as
    /// ``process(batch:now:)`` does; the outcomes are in the order of `files`.
    public func process(read files: [ClaimedFile], now: Timestamp) -> [Result<Outcome, any Error>] {
        let (outcomes, moves) = record(files, now: now)
        var results = outcomes
        let failures = moves.run()
        if !failures.isEmpty {
            let failed = Dictionary(failures.map { ($0.name, $0.error) }, uniquingKeysWith: { first, _ in first })
            for (index, file) in files.enumerated() {
                if let error = failed[file.name] { results[index] = .failure(error) }
            }
        }
        return results
    }

    /// Processes claimed files already read at `now` as one group, as ``process(read:now:)`` does,
    /// but leaves the recorded files in `.work/`: the moves into the archive are returned, for the
    /// caller to run (``ArchiveMoves/run()``) on any thread before the pass ends. The outcomes are
    /// in the order of `files`.
    public func record(_ files: [ClaimedFile], now: Timestamp) -> (
        outcomes: [Result<Outcome, any Error>], archive: ArchiveMoves
    ) {
        var results: [Result<Outcome, any Error>?] = Array(repeating: nil, count: files.count)
        var pending: [(index: Int, file: ReadFile, request: RecordRequest)] = []
        for (index, file) in files.enumerated() {
            do {
                switch try step(for: file, now: now) {
                case .done(let outcome): results[index] = .success(outcome)
                case .record(let file, let request): pending.append((index, file, request))
                }
            } catch {
                results[index] = .failure(error)
            }
        }
        // Decided in the order the events happened, whatever order the files were listed in (the
        // invalid files first); each file keyed once, not by copying its event at every comparison.
        let keys: [(Timestamp, String)?] = pending.map { item in
            item.file.event.map { ($0.occurredAt, $0.eventID) }
        }
        let order = pending.indices.sorted { a, b in
            guard let second = keys[b] else { return keys[a] == nil && a < b }
            guard let first = keys[a] else { return true }
            return (first.0, first.1, a) < (second.0, second.1, b)
        }
        pending = order.map { pending[$0] }
        var recorded: [(RecordResult, PolicyDecision?)?]
        do {
            recorded = try store.record(batch: pending.map(\.request), sinks: sinks)
        } catch {
            logger.warning(
                "a group of events could not be recorded together; recording them one by one",
                metadata: ["events": "\(pending.count)", "error": "\(error)"])
            recorded = pending.map { item in
                do {
                    return try store.record(batch: [item.request], sinks: sinks)[0]
                } catch {
                    results[item.index] = .failure(
                        DaemonError(
                            "cannot record \(item.file.name): \(error); it stays in inbox/.work and is tried again"))
                    return nil
                }
            }
        }
        if !pending.isEmpty { crashAt.reached(.afterCommit) }
        var moves = ArchiveMoves(home: home, fileMode: fileMode, now: now, crashAt: crashAt, logger: logger)
        for (item, outcome) in zip(pending, recorded) {
            guard let (result, decision) = outcome else { continue }
            do {
                results[item.index] = .success(try finish(item.file, result, decision, now: now, moves: &moves))
            } catch {
                results[item.index] = .failure(error)
            }
        }
        forgetOldContent(now: now)
        let outcomes = results.map { $0 ?? .failure(DaemonError("not processed")) }
        if let metrics {
            for case .success(let outcome) in outcomes {
                switch outcome {
                case .processed: metrics.event("processed")
                case .duplicate: metrics.event("duplicate")
                case .conflict: metrics.event("conflict")
                case .invalid: metrics.event("invalid")
                case .refused: metrics.event("refused")
                case .ignored: metrics.event("ignored")
                case .split: metrics.event("split")
                case .gone: break
                }
            }
        }
        return (outcomes, moves)
    }

    /// A file read and decoded, waiting to be recorded.
    struct ReadFile {
        var name: String
        var digest: String
        /// `nil` for an invalid file.
        var event: Event?
        var invalid: InvalidEvent?
    }

    /// What reading a claimed file came to.
    enum ReadStep {
        /// Nothing to record: gone, or refused unread (already quarantined).
        case done(Outcome)
        case record(ReadFile, RecordRequest)
    }

    /// What `file`, as read, asks for: nothing more (gone; refused and quarantined; an HL7 batch
    /// split; a message ignored and archived) or a record in the ledger.
    private func step(for file: ClaimedFile, now: Timestamp) throws -> ReadStep {
        let name = file.name
        let digest = file.digest ?? ""
        let decoded: Result<Event, InvalidEvent>
        var content: [UInt8]?
        switch file.reading {
        case .gone: return .done(.gone)
        case .notRegular(let what):
            try quarantine(name, now: now, reason: "not_regular", errors: ["\(what): not read"], digest: nil)
            return .done(.refused(what))
        case .tooLarge(let size):
            try quarantine(
                name, now: now, reason: "too_large", errors: ["\(size) bytes, over the limit of \(sizeLimit)"],
                digest: nil)
            return .done(.refused("too large"))
        case .unreadable(let message):
            throw DaemonError(
                "cannot read \(home.work + "/" + name): \(message); it stays in inbox/.work and is tried again")
        case .batch(let items):
            // An HL7 batch: split into one file per message in the inbox, then archived.
            try split(name, items)
            let directory = try archive(name, now: now, digest: digest)
            try FileSystem.syncDirectory(directory)
            logger.info("HL7 batch split into the inbox", metadata: ["file": "\(name)", "messages": "\(items.count)"])
            return .done(.split(messages: items.count))
        case .ignored(let reason):
            let directory = try archive(name, now: now, digest: digest)
            try FileSystem.syncDirectory(directory)
            logger.info("feed message ignored", metadata: ["file": "\(name)", "reason": "\(reason)"])
            return .done(.ignored)
        case .event(let event, let kept):
            decoded = .success(event)
            content = kept
        case .invalid(let error):
            decoded = .failure(error)
        }
        switch decoded {
        case .success(let event):
            let entry = LedgerEntry(
                eventID: event.eventID, digest: digest, outcome: .processed, recordedAt: now, fileName: name,
                rulesVersion: ruleSet.version)
            let request = RecordRequest(entry, patientID: event.patient.id, content: content) {
                [self] state, recorded in
                decide(event, state: state, now: now, recorded: recorded)
            }
            return .record(ReadFile(name: name, digest: digest, event: event), request)
        case .failure(let error):
            // Keyed by content: the same broken file is one ledger entry, a fixed one is new.
            let entry = LedgerEntry(
                eventID: "invalid:" + digest, digest: digest, outcome: .invalid, recordedAt: now, fileName: name,
                rulesVersion: ruleSet.version, reason: error.errors.map(\.description).joined(separator: "\n"))
            let request = RecordRequest(entry, patientID: nil) { _, _ in PolicyDecision() }
            return .record(ReadFile(name: name, digest: digest, invalid: error), request)
        }
    }

    /// Writes each message of a batch into the inbox as `NAME.0001.hl7`…, durably (file and
    /// directory synced) before the batch leaves `.work/`. A message file already there is kept:
    /// after a crash the batch is split again, and the ledger makes a message seen twice a duplicate.
    private func split(_ name: String, _ items: [FeedItem]) throws {
        let base = String(name.dropLast(".hl7".count))
        for item in items {
            let number = String(repeating: "0", count: max(0, 4 - "\(item.index)".count)) + "\(item.index)"
            let target = home.inbox + "/" + base + "." + number + ".hl7"
            var status = stat()
            splitMessages.insert(base + "." + number + ".hl7")
            if lstat(target, &status) == 0 { continue }
            try FileSystem.writeAtomically(item.text, to: target, mode: fileMode)
        }
        try FileSystem.syncDirectory(home.inbox)
    }

    /// After the group's commit: quarantine one file, or add it to the moves into the archive; log
    /// and count.
    private func finish(
        _ file: ReadFile, _ recorded: RecordResult, _ decision: PolicyDecision?, now: Timestamp,
        moves: inout ArchiveMoves
    ) throws -> Outcome {
        let name = file.name
        let digest = file.digest
        guard let event = file.event else {
            let errors = file.invalid?.errors.map(\.description) ?? []
            try quarantine(name, now: now, reason: "invalid", errors: errors, digest: digest)
            logger.notice(
                "event quarantined as invalid",
                metadata: ["file": "\(name)", "event_id": "\(file.invalid?.eventID ?? "-")"])
            return .invalid
        }
        switch recorded {
        case .recorded:
            moves.files.append(ArchiveMoves.File(name: name, digest: digest))
            let opened = decision?.opened ?? []
            let stale = decision?.stale ?? false
            for alert in opened { metrics?.alert(priority: alert.priority, referral: alert.referral) }
            metrics?.suppressed(decision?.repeats.count ?? 0)
            metrics?.withdrawn(decision?.withdrawn.count ?? 0)
            if stale { metrics?.stale() }
            let warnings = decision?.evaluation?.warnings ?? []
            if !warnings.isEmpty {
                metrics?.dataWarnings(warnings.count)
                // Codes and question ids only: no diagnosis, no name.
                for warning in warnings {
                    logger.notice(
                        "data problem in an event", metadata: ["event_id": "\(event.eventID)", "problem": "\(warning)"])
                }
            }
            var metadata: Logger.Metadata = [
                "event_id": "\(event.eventID)", "alerts": "\(opened.count)",
                "repeats": "\(decision?.repeats.count ?? 0)", "withdrawn": "\(decision?.withdrawn.count ?? 0)",
            ]
            let overdue = opened.filter(\.raisedOverdue).count
            if overdue > 0 { metadata["raised_overdue"] = "\(overdue)" }
            if let redecided = decision?.redecided, !redecided.isEmpty {
                metadata["redecided"] = "\(redecided.count)"
            }
            if stale {
                logger.notice(
                    "stale event recorded: it happened longer ago than stale_after and opens no alert (see `riskscreen queue list --stale`)",
                    metadata: metadata)
            } else {
                logger.info("event processed", metadata: metadata)
            }
            return .processed(alerts: opened.count, stale: stale)
        case .duplicate:
            moves.files.append(ArchiveMoves.File(name: name, digest: digest))
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

    /// The state keeps each event's content while it may be decided again (an earlier event can
    /// still arrive): at most every ten minutes, contents older than `stale_after` are forgotten.
    private func forgetOldContent(now: Timestamp) {
        let clock = WallClock.monotonic
        if let forgottenAt, clock - forgottenAt < 600 { return }
        forgottenAt = clock
        guard let staleAfter = policy.staleAfter else { return }
        do {
            try store.forgetContent(occurredBefore: now.adding(seconds: -staleAfter))
        } catch {
            logger.warning("cannot forget old event contents; will try again", metadata: ["error": "\(error)"])
        }
    }

    /// Screens `event` against the patient's state (the rules, then the alert policy), timing it.
    private func decide(_ event: Event, state: PatientState, now: Timestamp, recorded: RecordedEvents)
        -> PolicyDecision
    {
        let started = ContinuousClock.now
        let decision = screener.screen(event, state: state, now: now, recorded: recorded)
        if let metrics {
            let elapsed = ContinuousClock.now - started
            metrics.evaluation(
                nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            )
        }
        return decision
    }

    /// Moves `.work/NAME` into the day's archive folder (owner-only) now; returns that folder, which
    /// the caller syncs.
    private func archive(_ name: String, now: Timestamp, digest: String) throws -> String {
        let directory = ArchiveMoves.directory(home: home, now: now)
        if !archiveDirectories.contains(directory) {
            try FileSystem.makeDirectory(directory)
            archiveDirectories.insert(directory)
        }
        try ArchiveMoves.move(name, digest: digest, home: home, into: directory, fileMode: fileMode)
        return directory
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
            mode: fileMode)
        let destination = home.quarantine + "/" + target
        // chmod on the path would follow a quarantined symlink: only regular files are narrowed.
        if try FileSystem.move(home.work + "/" + name, to: destination), reason != "not_regular" {
            chmod(destination, fileMode)
        }
        try FileSystem.syncDirectory(home.quarantine)
    }
}
