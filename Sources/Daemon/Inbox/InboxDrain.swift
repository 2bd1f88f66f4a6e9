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

    }

    let home: Home
    let processor: EventProcessor
    let inbox: Inbox
    let logger: Logger
    /// The wall clock a file's age is measured on.
    let clock: WallClock

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
    /// Names in `renamedIn` were announced by a rename into the inbox and skip the minimum age.
    /// `between` runs between groups (the daemon delivers there, so a backlog's alerts reach the
    /// queue while it drains). The inbox is listed `listLimit` names at a time.
    public func runOnce(
        now: Timestamp, renamedIn: Set<String> = [], group: Int = 100, listLimit: Int = 2_000,
        between: () -> Void = {}, shouldStop: () -> Bool = { false }
    ) -> Summary {
        var summary = Summary()
        var first = true
        func run(_ names: [String]) {
            if !first { between() }
            first = false
            handle(names, now: now, into: &summary)
        }
        for chunk in inbox.claimed().chunked(group) { run(Array(chunk)) }
        while true {
            let batches = summary.batches
            // The messages of a batch split in this pass are taken at once, whatever their age.
            let (ready, wait, more) = inbox.ready(
                now: clock.seconds, renamedIn: renamedIn.union(processor.takeSplitMessages()), limit: listLimit)
            summary.nextReadyIn = wait
            var taken = 0
            for chunk in ready.chunked(group) {
                if shouldStop() {
                    summary.stopped = true
                    return summary
                }
                var claimed: [String] = []
                for name in chunk {
                    do {
                        guard try inbox.claim(name) else { continue }
                        processor.crashAt.reached(.afterClaim)
                        claimed.append(name)
                    } catch {
                        logger.error("cannot claim a file; it stays in the inbox", metadata: ["file": "\(name)"])
                        summary.failed += 1
                    }
                }
                taken += claimed.count
                run(claimed)
            }
            // A listing cut at the limit, or batches split into new files: list again, unless
            // nothing could be taken this round.
            guard more || summary.batches > batches, taken > 0 else { return summary }
        }
    }

    private func handle(_ names: [String], now: Timestamp, into summary: inout Summary) {
        guard !names.isEmpty else { return }
        for (name, result) in zip(names, processor.process(batch: names, now: now)) {
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
