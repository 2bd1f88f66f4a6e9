public import Events
import Foundation
public import Logging
public import State

/// Drains the outbox into the sinks: each sink on its own, oldest first. A sink that fails keeps
/// its rows (attempts counted) and is left alone for a back-off that doubles with each failure in a
/// row (1 s, 2 s, 4 s, … at most 60 s), while the other sinks go on.
public struct Deliverer: Sendable {
    let store: any Outbox
    let sinks: [any Sink]
    let logger: Logger
    private let health = SinkHealth()
    /// Where to kill the process, for the crash tests; `nil` in production.
    public var crashAt: CrashPoint?

    public init(store: any Outbox, sinks: [any Sink], logger: Logger) {
        self.store = store
        self.sinks = sinks
        self.logger = logger
    }

    /// The deliveries still waiting in the outbox, all sinks together.
    public func undelivered() throws -> Int {
        try store.waiting().values.reduce(0, +)
    }

    /// The deliveries still waiting in the outbox, by sink.
    public func waiting() throws -> [SinkName: Int] { try store.waiting() }

    /// Seconds until the first sink in back-off may be tried again, or `nil` when none waits.
    public var nextRetryIn: Double? { health.nextRetry(now: WallClock.monotonic) }

    /// Delivers what is pending to every sink not in back-off; returns the number delivered.
    ///
    /// Each sink takes its rows in groups of `batch` (one sync per group in the file sinks); the
    /// rows delivered to all sinks are marked in one transaction at the end. A crash before that
    /// mark delivers them again, which every sink tolerates (the queue rewrites the same file,
    /// `alerts.jsonl` is at-least-once).
    @discardableResult
    public func deliverPending(now: Timestamp, batch: Int = 500) throws -> Int {
        var done: [Int64] = []
        let clock = WallClock.monotonic
        defer {
            do {
                try store.markDelivered(done, at: now)
            } catch {
                logger.error(
                    "cannot mark deliveries done; they will be delivered again", metadata: ["error": "\(error)"])
            }
        }
        for sink in sinks where health.mayTry(sink.name, now: clock) {
            var after: Int64 = 0
            while true {
                let pending = try store.pendingDeliveries(sink: sink.name, after: after, limit: batch)
                if pending.isEmpty { break }
                let (count, failure) = sink.deliver(batch: pending)
                done += pending.prefix(count).map(\.id)
                if count > 0 { crashAt.reached(.midDelivery) }
                if let failure {
                    let failed = pending[count]
                    try store.markFailed(failed.id)
                    let wait = health.failed(sink.name, now: clock)
                    logger.error(
                        "delivery failed; the outbox keeps the alert",
                        metadata: [
                            "sink": "\(sink.name.rawValue)", "alert_id": "\(failed.alertID)",
                            "retry_in_seconds": "\(Int(wait))", "error": "\(failure)",
                        ])
                    break
                }
                health.succeeded(sink.name)
                after = pending[pending.count - 1].id
                if pending.count < batch { break }
            }
        }
        return done.count
    }
}
