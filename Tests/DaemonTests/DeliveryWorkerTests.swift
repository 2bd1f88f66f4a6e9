import Foundation
import Synchronization
import Testing

@testable import Daemon

/// The delivery thread: what the service's loop asks of it, and what it does unasked.
@Suite("Delivering on a thread of its own")
struct DeliveryWorkerTests {
    /// Deliveries counted, and whether each ran off the thread that asked.
    final class Deliveries: Sendable {
        let count = Mutex(0)
        let onAskingThread = Mutex(false)
        /// The thread that asks (`pthread_self()`).
        let asker = Mutex<pthread_t>(pthread_self())

        func delivered() {
            count.withLock { $0 += 1 }
            let current = pthread_self()
            if asker.withLock({ pthread_equal($0, current) != 0 }) { onAskingThread.withLock { $0 = true } }
        }

        var total: Int { count.withLock { $0 } }
    }

    /// Waits up to `seconds` for `condition` (not a timing assertion: the condition is the test).
    static func wait(seconds: Double = 10, for condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a request is delivered on the worker's thread, not the one that asked")
    func requestIsDelivered() {
        let deliveries = Deliveries()
        let worker = DeliveryWorker(nextRetryIn: { nil }) { deliveries.delivered() }
        worker.request()
        #expect(Self.wait { deliveries.total == 1 })
        worker.stop()
        #expect(deliveries.total == 1)
        #expect(!deliveries.onAskingThread.withLock { $0 })
    }

    @Test("requests made while a delivery runs are folded into one more delivery after it")
    func requestsFold() {
        let deliveries = Deliveries()
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let worker = DeliveryWorker(nextRetryIn: { nil }) {
            if deliveries.total == 0 {
                started.signal()
                release.wait()
            }
            deliveries.delivered()
        }
        worker.request()
        started.wait()
        for _ in 0..<5 { worker.request() }
        release.signal()
        #expect(Self.wait { deliveries.total == 2 })
        worker.stop()
        #expect(deliveries.total == 2)
    }

    @Test("stopping finishes what was asked for first; with nothing asked, nothing is delivered")
    func stopFinishesRequested() {
        let idle = Deliveries()
        let idleWorker = DeliveryWorker(nextRetryIn: { nil }) { idle.delivered() }
        idleWorker.stop()
        idleWorker.stop()  // a second stop does nothing
        #expect(idle.total == 0)

        let asked = Deliveries()
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let worker = DeliveryWorker(nextRetryIn: { nil }) {
            if asked.total == 0 {
                started.signal()
                release.wait()
            }
            asked.delivered()
        }
        worker.request()
        started.wait()
        worker.request()
        release.signal()
        worker.stop()
        // The delivery under way, and the one asked for during it: both done when stop returns.
        #expect(asked.total == 2)
    }

    @Test("a sink in back-off is tried again when its wait is over, without being asked")
    func retriesAfterBackOff() {
        let deliveries = Deliveries()
        // In back-off until the first unasked delivery succeeds.
        let backingOff = Mutex(true)
        let worker = DeliveryWorker(nextRetryIn: { backingOff.withLock { $0 } ? 0.2 : nil }) {
            deliveries.delivered()
            backingOff.withLock { $0 = false }
        }
        #expect(Self.wait { deliveries.total == 1 })
        // Out of back-off, and not asked: it waits.
        usleep(300_000)
        #expect(deliveries.total == 1)
        worker.stop()
    }
}
