public import Foundation
public import State

/// Somewhere alerts are delivered: the outbox holds each alert once per sink until its sink has it.
public protocol Sink: Sendable {
    /// The sink's name in the outbox.
    var name: String { get }
    /// Delivers one alert; must be idempotent (the same delivery may come again after a crash).
    func deliver(_ delivery: Delivery) throws
}

/// The social work team's queue: `alerts/`, one JSON file per alert, named so that `ls` lists the
/// queue by priority, then time: `1-critical-20261122T150000Z-rs-….json`.
///
/// Each file is written under a temporary name, fsynced, renamed and its directory fsynced; a
/// repeated delivery rewrites the same name, so the queue holds each alert exactly once.
public struct DirectoryQueueSink: Sink {
    public let name = "queue"
    public let directory: String
    /// Owner read-write, group read (0640): the team's group may read the queue.
    public var mode: mode_t = 0o640

    public init(directory: String) { self.directory = directory }

    public func deliver(_ delivery: Delivery) throws {
        let rank: Int =
            switch delivery.priority {
            case "critical": 1
            case "high": 2
            case "medium": 3
            default: 4
            }
        let time = delivery.createdAt.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        let file = "\(directory)/\(rank)-\(delivery.priority)-\(time)-\(delivery.alertID).json"
        try FileSystem.writeAtomically(Array((delivery.payload + "\n").utf8), to: file, mode: mode)
    }
}

/// `alerts.jsonl`: one line per alert, appended and fsynced.
public struct JSONLinesSink: Sink {
    public let name = "jsonl"
    public let path: String
    public var mode: mode_t = 0o640

    public init(path: String) { self.path = path }

    public func deliver(_ delivery: Delivery) throws {
        try FileSystem.appendLine(delivery.payload, to: path, mode: mode)
    }
}
