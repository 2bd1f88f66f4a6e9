import Foundation

/// Named points in the processing protocol where a crash test can make the process kill itself
/// (`SIGKILL`, no clean-up), to prove that a restart loses and doubles nothing.
///
/// Set `RISKSCREEN_TEST_CRASH_AT` to one of the names. It exists for the test suite only; nothing
/// else reads it.
enum CrashPoint: String {
    /// A file was claimed (renamed into `inbox/.work/`); nothing recorded yet.
    case afterClaim = "after-claim"
    /// The ledger row, alerts and outbox rows are committed; the file is still in `.work/`.
    case afterCommit = "after-commit"
    /// The file is archived; its alerts are not delivered yet.
    case afterArchive = "after-archive"
    /// One alert of a delivery batch is written to its sink but not yet marked delivered.
    case midDelivery = "mid-delivery"

    private static let chosen = ProcessInfo.processInfo.environment["RISKSCREEN_TEST_CRASH_AT"].flatMap(CrashPoint.init)

    /// Kills the process here if this is the chosen point.
    static func reached(_ point: CrashPoint) {
        if chosen == point { kill(getpid(), SIGKILL) }
    }
}
