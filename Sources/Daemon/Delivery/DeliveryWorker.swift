import Foundation

/// Delivers the outbox on a thread of its own, so that the sinks' syncs (a `syncfs` per group of
/// queue files, an `fsync` of `alerts.jsonl`) overlap the processing of the next events instead
/// of holding it up — on a slow disk a sync takes tens to hundreds of milliseconds.
///
/// The outbox stays the single source of truth: the worker delivers what the processing thread
/// has committed, and a delivery is marked done only after its sinks have it, as before. Requests
/// made while a delivery runs are folded into one more delivery after it. A sink in back-off is
/// tried again when its wait is over, without a request.
final class DeliveryWorker: @unchecked Sendable {
    private let nextRetryIn: @Sendable () -> Double?
    private let deliver: @Sendable () -> Void
    /// Guards `requested` and `stopping`; signalled by ``request()`` and ``stop()``.
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts the thread; `deliver` delivers what is pending (once per request, on that thread);
    /// `nextRetryIn` says in how many seconds a sink in back-off may be tried again (`nil`: none
    /// waits; ``Deliverer/nextRetryIn``).
    init(nextRetryIn: @escaping @Sendable () -> Double?, deliver: @escaping @Sendable () -> Void) {
        self.nextRetryIn = nextRetryIn
        self.deliver = deliver
        let thread = Thread { [self] in run() }
        thread.name = "riskscreen-delivery"
        thread.start()
    }

    /// Asks for a delivery soon (now, or right after the one under way).
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Finishes the delivery under way (and one more if it was asked for), then ends the thread;
    /// returns when it has ended. Later calls do nothing.
    func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if first { stopped.wait() }
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopping {
                // A sink in back-off is retried when its wait is over, asked or not.
                if let retry = nextRetryIn() {
                    // (At least a second when the wait is already over: a delivery that failed
                    // before trying its sinks — the state database unreadable — leaves the sink's
                    // time in the past, and must not be repeated in a tight loop.)
                    let wait = retry > 0.001 ? retry : 1
                    if !condition.wait(until: Date(timeIntervalSinceNow: wait)) { break }
                } else {
                    condition.wait()
                }
            }
            let finish = stopping && !requested
            requested = false
            condition.unlock()
            if finish { break }
            deliver()
        }
        stopped.signal()
    }
}
