import Events
public import Foundation
import Rules
public import State

/// `alerts.jsonl`: one line per alert, appended and fsynced.
public struct JSONLinesSink: Sink {
    public let name = SinkName.jsonl
    public let path: String
    public var mode: mode_t = 0o600

    public init(path: String) { self.path = path }

    public func deliver(_ delivery: Delivery) throws {
        try FileSystem.appendLine(delivery.payload, to: path, mode: mode)
    }

    /// Appends the group's lines in one write and one fsync.
    public func deliver(batch: [Delivery]) -> (delivered: Int, failure: (any Error)?) {
        do {
            try FileSystem.appendLines(batch.map(\.payload), to: path, mode: mode)
            return (batch.count, nil)
        } catch {
            return (0, error)
        }
    }
}
