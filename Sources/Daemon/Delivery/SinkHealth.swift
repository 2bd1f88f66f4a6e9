import Foundation
import State
import Synchronization

/// Per sink: consecutive failures and when it may be tried again.
final class SinkHealth: Sendable {
    private struct Record {
        var failures: [SinkName: Int] = [:]
        var retryAt: [SinkName: Double] = [:]
    }

    private let record = Mutex(Record())

    func mayTry(_ sink: SinkName, now: Double) -> Bool {
        record.withLock { ($0.retryAt[sink] ?? 0) <= now }
    }

    /// Records a failure; returns the back-off in seconds.
    func failed(_ sink: SinkName, now: Double) -> Double {
        record.withLock { record in
            let count = (record.failures[sink] ?? 0) + 1
            record.failures[sink] = count
            let wait = min(60, pow(2, Double(count - 1)))
            record.retryAt[sink] = now + wait
            return wait
        }
    }

    func succeeded(_ sink: SinkName) {
        record.withLock { record in
            record.failures[sink] = nil
            record.retryAt[sink] = nil
        }
    }

    func nextRetry(now: Double) -> Double? {
        record.withLock { record in record.retryAt.values.min().map { max(0, $0 - now) } }
    }
}
