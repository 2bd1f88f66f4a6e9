public import State

/// Somewhere alerts are delivered: the outbox holds each alert once per sink until its sink has it.
public protocol Sink: Sendable {
    /// The sink's name in the outbox.
    var name: SinkName { get }
    /// Delivers one alert; must be idempotent (the same delivery may come again after a crash).
    func deliver(_ delivery: Delivery) throws
    /// Delivers alerts in order, durably by the time it returns: how many were delivered before
    /// a failure, and the failure. (The default delivers them one by one.)
    func deliver(batch: [Delivery]) -> (delivered: Int, failure: (any Error)?)
}

extension Sink {
    public func deliver(batch: [Delivery]) -> (delivered: Int, failure: (any Error)?) {
        for (index, delivery) in batch.enumerated() {
            do {
                try deliver(delivery)
            } catch {
                return (index, error)
            }
        }
        return (batch.count, nil)
    }
}
