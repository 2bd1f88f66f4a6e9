public import Events
import Foundation

/// The wall clock, in whole seconds, where the daemon and the commands need "now" (rules never
/// read it: they are given a time), and the monotonic clock for everything that measures a wait.
///
/// - Important: Waits (back-off, a file's minimum age once seen) use ``monotonic``, so a wall
///   clock that jumps backwards cannot stall them. The tests shift the wall clock with
///   `RISKSCREEN_TEST_CLOCK_OFFSET` (seconds), read once at start, never set in production.
public enum WallClock {
    private static let offset: Double =
        ProcessInfo.processInfo.environment["RISKSCREEN_TEST_CLOCK_OFFSET"].flatMap { Double($0) } ?? 0

    /// Seconds since the epoch.
    public static var seconds: Double { Date().timeIntervalSince1970 + offset }

    /// Now, in UTC, to the second.
    public static var now: Timestamp { Timestamp(secondsSinceEpoch: Int64(seconds.rounded(.down))) }

    /// Seconds on a clock that only moves forward (since boot).
    public static var monotonic: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
