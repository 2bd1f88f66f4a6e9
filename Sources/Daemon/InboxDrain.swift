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
        /// Seconds until a file that was too fresh to take will be ready, if any.
        public var nextReadyIn: Double?
        /// Whether the pass stopped early because it was asked to.
        public var stopped = false

    }

    let home: Home
    let processor: EventProcessor
    let inbox: Inbox
    let logger: Logger

    public init(home: Home, processor: EventProcessor, minimumAge: Double, logger: Logger) {
        self.home = home
        self.processor = processor
        inbox = Inbox(home: home, minimumAge: minimumAge)
        self.logger = logger
    }

    /// Processes the claimed files, then the ready ones; `shouldStop` is asked between files.
    ///
    /// Names in `renamedIn` were announced by a rename into the inbox and skip the minimum age.
    /// `between` runs after every `batch` files (the daemon delivers there, so a backlog's alerts
    /// reach the queue while it drains).
    public func runOnce(
        now: Timestamp, renamedIn: Set<String> = [], batch: Int = .max, between: () -> Void = {},
        shouldStop: () -> Bool = { false }
    ) -> Summary {
        var summary = Summary()
        for name in inbox.claimed() { handle(name, now: now, into: &summary) }
        let wallClock = Date().timeIntervalSince1970
        let (ready, wait) = inbox.ready(now: wallClock, renamedIn: renamedIn)
        summary.nextReadyIn = wait
        for (index, name) in ready.enumerated() {
            if shouldStop() {
                summary.stopped = true
                break
            }
            if index > 0 && index % batch == 0 { between() }
            do {
                guard try inbox.claim(name) else { continue }
                CrashPoint.reached(.afterClaim)
            } catch {
                logger.error("cannot claim a file; it stays in the inbox", metadata: ["file": "\(name)"])
                summary.failed += 1
                continue
            }
            handle(name, now: now, into: &summary)
        }
        return summary
    }

    private func handle(_ name: String, now: Timestamp, into summary: inout Summary) {
        do {
            switch try processor.process(name, now: now) {
            case .processed(let alerts):
                summary.processed += 1
                summary.alerts += alerts
            case .duplicate: summary.duplicates += 1
            case .conflict: summary.conflicts += 1
            case .invalid: summary.invalid += 1
            case .refused: summary.refused += 1
            case .gone: break
            }
        } catch {
            logger.error(
                "cannot process a file; it stays in inbox/.work for the next pass",
                metadata: ["file": "\(name)", "error": "\(error)"])
            summary.failed += 1
        }
    }
}
