public import Events
import Foundation

/// The wall clock, in whole seconds, where the daemon and the commands need "now" (rules never
/// read it: they are given a time), and the monotonic clock for everything that measures a wait.
///
/// The daemon is given its clock (``DaemonConfiguration/clock``); only the command line decides
/// which: ``system`` in production, one moved by an offset when the test suite asks for it.
///
/// - Important: Waits (back-off, a file's minimum age once seen) use ``monotonic``, so a wall
///   clock that jumps backwards cannot stall them.
public struct WallClock: Sendable {
    /// Seconds added to the system clock: 0 but in tests that pin "now".
    public var offset: Double

    /// A clock `offset` seconds ahead of the system's (behind, when negative).
    public init(offset: Double = 0) { self.offset = offset }

    /// The system clock.
    public static let system = WallClock()

    /// Seconds since the epoch.
    public var seconds: Double { Date().timeIntervalSince1970 + offset }

    /// Now, in UTC, to the second.
    public var now: Timestamp { Timestamp(secondsSinceEpoch: Int64(seconds.rounded(.down))) }

    /// Seconds on a clock that only moves forward (since boot).
    public static var monotonic: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
