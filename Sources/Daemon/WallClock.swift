public import Events
import Foundation

/// The wall clock, in whole seconds, where the daemon and the commands need "now" (rules never
/// read it: they are given a time).
public enum WallClock {
    /// Now, in UTC, to the second.
    public static var now: Timestamp {
        Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }
}
