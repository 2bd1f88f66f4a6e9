import Foundation

/// Named points in the processing protocol where a crash test can make the process kill itself
/// (`SIGKILL`, no clean-up), to prove that a restart loses and doubles nothing.
///
/// The daemon is given the point (``DaemonConfiguration/crashAt``, `nil` in production); only the
/// command line sets it, for the test suite.
public enum CrashPoint: String, Sendable {
    /// A file was claimed (renamed into `inbox/.work/`); nothing recorded yet.
    case afterClaim = "after-claim"
    /// The ledger row, alerts and outbox rows are committed; the file is still in `.work/`.
    case afterCommit = "after-commit"
    /// The file is archived; its alerts are not delivered yet.
    case afterArchive = "after-archive"
    /// One alert of a delivery batch is written to its sink but not yet marked delivered.
    case midDelivery = "mid-delivery"
    /// An MLLP message is durable in the inbox; its ACK is not sent yet.
    case mllpBeforeAck = "mllp-before-ack"
}

extension Optional where Wrapped == CrashPoint {
    /// Kills the process if `point` is the one chosen.
    func reached(_ point: CrashPoint) {
        if self == point { kill(getpid(), SIGKILL) }
    }
}
