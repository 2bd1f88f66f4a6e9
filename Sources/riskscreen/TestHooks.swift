import Daemon
import Foundation

/// The two hooks the integration tests reach the real binary through, read here at the edge and
/// given to the library: nothing below the command line reads the environment for them.
///
/// - `RISKSCREEN_TEST_CLOCK_OFFSET` (seconds): moves the wall clock, so tests pin "now" and their
///   dated samples keep their meaning whatever today's date is.
/// - `RISKSCREEN_TEST_CRASH_AT` (`after-claim`, `after-commit`, `after-archive`, `mid-delivery`,
///   `mllp-before-ack`):
///   the daemon kills itself there, for the crash tests.
///
/// Never set in production; `riskscreen run` logs a warning when either is.
enum TestHooks {
    /// The wall clock every command uses.
    static let clock = WallClock(
        offset: ProcessInfo.processInfo.environment["RISKSCREEN_TEST_CLOCK_OFFSET"].flatMap { Double($0) } ?? 0)

    /// Where the daemon kills itself, if a crash test asked.
    static let crashAt = ProcessInfo.processInfo.environment["RISKSCREEN_TEST_CRASH_AT"].flatMap(CrashPoint.init)

    /// Whether a test hook is set (a deployment that sets one by mistake should hear of it).
    static var anySet: Bool { clock.offset != 0 || crashAt != nil }
}
