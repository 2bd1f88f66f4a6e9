public import Foundation
public import State

/// Somewhere alerts are delivered: the outbox holds each alert once per sink until its sink has it.
public protocol Sink: Sendable {
    /// The sink's name in the outbox.
    var name: String { get }
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

/// The social work team's queue: `alerts/`, one JSON file per alert, named so that `ls` lists the
/// queue by priority, then time: `1-critical-20261122T150000Z-rs-….json`.
///
/// Each file is written under a temporary name, fsynced, renamed and its directory fsynced; a
/// repeated delivery rewrites the same name, so the queue holds each alert exactly once.
public struct DirectoryQueueSink: Sink {
    public let name = "queue"
    public let directory: String
    /// Owner read-write (0600) unless `file_access: group` (0640) lets the team's group read it.
    public var mode: mode_t = 0o600

    public init(directory: String) { self.directory = directory }

    public func deliver(_ delivery: Delivery) throws {
        try FileSystem.writeAtomically(Array((delivery.payload + "\n").utf8), to: file(for: delivery), mode: mode)
    }

    /// Writes every file of the group under its name, then makes them durable together (`syncfs`).
    /// A queue folder removed while the daemon runs is made again (owner-only; the home's mode
    /// is restored on the next start).
    public func deliver(batch: [Delivery]) -> (delivered: Int, failure: (any Error)?) {
        var status = stat()
        if lstat(directory, &status) != 0 && errno == ENOENT {
            try? FileSystem.makeDirectory(directory)
        }
        var written = 0
        var failure: (any Error)?
        for delivery in batch {
            do {
                try FileSystem.writeReplacing(
                    Array((delivery.payload + "\n").utf8), to: file(for: delivery), mode: mode)
                written += 1
            } catch {
                failure = error
                break
            }
        }
        do {
            try FileSystem.syncFileSystem(of: directory)
        } catch {
            return (0, error)
        }
        return (written, failure)
    }

    /// `RANK-PRIORITY-CREATEDAT-ALERTID.json`: a withdrawal rewrites the alert's own file.
    func file(for delivery: Delivery) -> String {
        let rank: Int =
            switch delivery.priority {
            case "critical": 1
            case "high": 2
            case "medium": 3
            default: 4
            }
        let time = delivery.createdAt.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        return "\(directory)/\(rank)-\(delivery.priority)-\(time)-\(delivery.alertID).json"
    }
}

/// `alerts.jsonl`: one line per alert, appended and fsynced.
public struct JSONLinesSink: Sink {
    public let name = "jsonl"
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
