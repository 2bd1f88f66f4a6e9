import Events
public import Foundation
import Rules
public import State

/// The social work team's queue: `alerts/`, one JSON file per open alert, named so that `ls` lists
/// the queue by priority, then time: `1-critical-20261122T150000Z-rs-….json`.
///
/// The folder stays equal to the open queue: an acknowledged alert's file is rewritten (it says
/// `acknowledged`, by whom, when); a closed or withdrawn one moves to `alerts/closed/YYYY-MM-DD/`
/// (the day it was closed or withdrawn) under the same name, its record saying so.
///
/// Each file is written under a temporary name and renamed, the group made durable together; a
/// repeated delivery rewrites the same name (and removes the open file again), so the queue holds
/// each alert exactly once.
public struct DirectoryQueueSink: Sink {
    public let name = SinkName.queue
    public let directory: String
    /// Owner read-write (0600) unless `file_access: group` (0640) lets the team's group read it.
    public var mode: mode_t = 0o600

    public init(directory: String) { self.directory = directory }

    public func deliver(_ delivery: Delivery) throws {
        if let failure = deliver(batch: [delivery]).failure { throw failure }
    }

    /// The closed folders' mode: owner-only, or group-readable with the files.
    private var directoryMode: mode_t { mode & 0o040 != 0 ? 0o750 : 0o700 }

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
                let bytes = Array((delivery.payload + "\n").utf8)
                switch delivery.kind {
                case .open, .acknowledged:
                    try FileSystem.writeReplacing(bytes, to: file(for: delivery), mode: mode)
                case .withdrawn, .closed:
                    // Into the day's closed folder first, then out of the open queue: a crash between
                    // leaves both, and the delivery, repeated, ends it.
                    let closed = closedDirectory(for: delivery)
                    try FileSystem.makeDirectory(directory + "/closed", mode: directoryMode)
                    try FileSystem.makeDirectory(closed, mode: directoryMode)
                    try FileSystem.writeReplacing(bytes, to: closed + "/" + name(for: delivery), mode: mode)
                    if unlink(file(for: delivery)) != 0 && errno != ENOENT {
                        throw DaemonError(
                            "cannot remove \(file(for: delivery)) from the open queue: \(String(cString: strerror(errno)))"
                        )
                    }
                }
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

    /// The alert's file in the open queue.
    func file(for delivery: Delivery) -> String { directory + "/" + name(for: delivery) }

    /// `RANK-PRIORITY-CREATEDAT-ALERTID.json`: the same name for every delivery of one alert.
    func name(for delivery: Delivery) -> String {
        let rank = delivery.priority.queueRank
        let time = delivery.createdAt.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        return "\(rank)-\(delivery.priority.rawValue)-\(time)-\(delivery.alertID).json"
    }

    /// `alerts/closed/YYYY-MM-DD`: the day the record says it was closed or withdrawn (UTC), so a
    /// repeated delivery lands in the same folder.
    func closedDirectory(for delivery: Delivery) -> String {
        let record = JSONValue.parse(Array(delivery.payload.utf8))
        var day = String(delivery.createdAt.prefix(10))
        for key in ["closed_at", "withdrawn_at"] {
            if case .string(let time)? = record?[key], let stamp = Timestamp(rfc3339: time) {
                day = stamp.utc.localDate.description
                break
            }
        }
        return directory + "/closed/" + day
    }
}
