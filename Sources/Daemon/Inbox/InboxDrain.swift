public import Events
import Foundation
public import Logging

/// One pass over the inbox: first the files a crash left claimed, then every ready file, oldest
/// first — each claimed and processed in turn.
public struct InboxDrain {
    /// What a pass did.
    public struct Summary: Sendable, Equatable {
        public var processed = 0
        public var duplicates = 0
        public var conflicts = 0
        public var invalid = 0
        public var refused = 0
        /// Files that could not be processed (they stay in `.work/` for the next pass).
        public var failed = 0
        public var alerts = 0
        /// Processed events older than `stale_after`: recorded, no alert of their own.
        public var stale = 0
        /// HL7 messages not about an encounter (A28, A31…): archived, not screened.
        public var ignored = 0
        /// HL7 batches split into one file per message (then processed in the same pass).
        public var batches = 0
        /// Seconds until a file that was too fresh to take will be ready, if any.
        public var nextReadyIn: Double?
        /// Whether the pass stopped early because it was asked to.
        public var stopped = false
        /// Files claimed and handed to the processor in this pass, whatever became of them.
        var handled = 0

    }

    let home: Home
    let processor: EventProcessor
    let inbox: Inbox
    let logger: Logger
    /// The wall clock a file's age is measured on.
    let clock: WallClock
    /// Where the next group is claimed and read while the current one is recorded.
    private let readQueue = DispatchQueue(label: "riskscreen-read-ahead")

    public init(
        home: Home, processor: EventProcessor, minimumAge: Double, clock: WallClock = .system, logger: Logger
    ) {
        self.home = home
        self.processor = processor
        inbox = Inbox(home: home, minimumAge: minimumAge)
        self.clock = clock
        self.logger = logger
    }

    /// Processes the claimed files, then the ready ones, in groups of `group` files: each group is
    /// claimed, then recorded in one transaction (see ``EventProcessor/process(batch:now:)``).
    /// `shouldStop` is asked between groups.
    ///
    /// Two groups are in hand at a time: while one is recorded on the calling thread, the next is
    /// claimed and read — hashed, decoded, mapped — on another (``ClaimedFileReader`` changes
    /// nothing but the claim), and the files of the one recorded before are moved into the archive
    /// there too (``ArchiveMoves``), so a backlog keeps both cores busy. The ledger still decides
    /// each event in its group's transaction, in the same order as before; a crash leaves the group
    /// read ahead, or recorded and not yet archived, in `.work/`, and the next start reads it again
    /// (a recorded event as a duplicate). Every file is archived before the pass returns.
    ///
    /// Names in `renamedIn` were announced by a rename into the inbox and skip the minimum age.
    /// `between` runs between groups (the daemon delivers there, so a backlog's alerts reach the
    /// queue while it drains). The inbox is listed `listLimit` names at a time.
    public func runOnce(
        now: Timestamp, renamedIn: Set<String> = [], group: Int = 100, listLimit: Int = 2_000,
        between: () -> Void = {}, shouldStop: () -> Bool = { false }
    ) -> Summary {
        let summary = drain(
            now: now, renamedIn: renamedIn, group: group, listLimit: listLimit, between: between,
            shouldStop: shouldStop)
        // The last groups' files are in the archive before the pass ends.
        readQueue.sync {}
        return summary
    }

    private func drain(
        now: Timestamp, renamedIn: Set<String>, group: Int, listLimit: Int, between: () -> Void,
        shouldStop: () -> Bool
    ) -> Summary {
        var summary = Summary()
        var first = true
        let reader = processor.reader
        let (inbox, crashAt, logger) = (self.inbox, processor.crashAt, self.logger)
        // The group read ahead, and the one before it to record.
        var ahead: ReadAhead?
        func record(_ group: ReadAhead?) {
            guard let group else { return }
            let (files, failedClaims) = group.wait()
            summary.failed += failedClaims
            guard !files.isEmpty else { return }
            if !first { between() }
            first = false
            handle(files, now: now, into: &summary)
        }
        /// Starts reading `names` on the second thread (claiming them first when `claim`), and
        /// records the group read before it meanwhile.
        func next(_ names: [String], claim: Bool) {
            let started = ReadAhead(on: readQueue) {
                var claimed: [String] = []
                var failed = 0
                for name in names {
                    guard claim else {
                        claimed.append(name)
                        continue
                    }
                    do {
                        guard try inbox.claim(name) else { continue }
                        crashAt.reached(.afterClaim)
                        claimed.append(name)
                    } catch {
                        logger.error("cannot claim a file; it stays in the inbox", metadata: ["file": "\(name)"])
                        failed += 1
                    }
                }
                return (claimed.map(reader.read), failed)
            }
            record(ahead)
            ahead = started
        }
        for chunk in inbox.claimed().chunked(group) { next(Array(chunk), claim: false) }
        record(ahead)
        ahead = nil
        while true {
            let batches = summary.batches
            // The messages of a batch split in this pass are taken at once, whatever their age.
            let (ready, wait, more) = inbox.ready(
                now: clock.seconds, renamedIn: renamedIn.union(processor.takeSplitMessages()), limit: listLimit)
            summary.nextReadyIn = wait
            let processedBefore = summary.handled
            for chunk in ready.chunked(group) {
                if shouldStop() {
                    record(ahead)
                    summary.stopped = true
                    return summary
                }
                next(Array(chunk), claim: true)
            }
            record(ahead)
            ahead = nil
            // A listing cut at the limit, or batches split into new files: list again, unless
            // nothing could be taken this round.
            guard more || summary.batches > batches, summary.handled > processedBefore else { return summary }
        }
    }

    private func handle(_ files: [ClaimedFile], now: Timestamp, into summary: inout Summary) {
        guard !files.isEmpty else { return }
        summary.handled += files.count
        let (outcomes, archive) = processor.record(files, now: now)
        // Into the archive on the read-ahead thread, while the next group is recorded here.
        if !archive.isEmpty { readQueue.async { archive.run() } }
        for (name, result) in zip(files.map(\.name), outcomes) {
            switch result {
            case .success(.processed(let alerts, let stale)):
                summary.processed += 1
                summary.alerts += alerts
                if stale { summary.stale += 1 }
            case .success(.duplicate): summary.duplicates += 1
            case .success(.conflict): summary.conflicts += 1
            case .success(.invalid): summary.invalid += 1
            case .success(.refused): summary.refused += 1
            case .success(.ignored): summary.ignored += 1
            case .success(.split): summary.batches += 1
            case .success(.gone): break
            case .failure(let error):
                logger.error(
                    "cannot process a file; it stays in inbox/.work for the next pass",
                    metadata: ["file": "\(name)", "error": "\(error)"])
                summary.failed += 1
            }
        }
    }
}

/// A group of files being claimed and read on another thread; ``wait()`` gives the files read and
/// the number that could not be claimed.
private final class ReadAhead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once on the read queue before `done` is signalled, read only after waiting for it.
    private var result: ([ClaimedFile], Int) = ([], 0)
    private var taken = false

    init(on queue: DispatchQueue, _ work: @escaping @Sendable () -> ([ClaimedFile], Int)) {
        queue.async {
            self.result = work()
            self.done.signal()
        }
    }

    /// The group, once read (waits for it the first time).
    func wait() -> ([ClaimedFile], Int) {
        if !taken {
            done.wait()
            taken = true
        }
        return result
    }
}
