import Synchronization

/// The files waiting for their minimum age: when each was first seen with its current size and
/// modification time, on the monotonic clock, so a wall clock set back cannot make a file wait
/// for the hours until its time comes again.
final class Sightings: Sendable {
    private let seen = Mutex<[String: (size: Int64, modified: Double, since: Double)]>([:])

    /// How long (monotonic seconds) `name` has been seen unchanged; 0 when new or changed.
    func unchangedFor(_ name: String, size: Int64, modified: Double) -> Double {
        let now = WallClock.monotonic
        return seen.withLock { seen in
            if let earlier = seen[name], earlier.size == size, earlier.modified == modified {
                return now - earlier.since
            }
            seen[name] = (size, modified, now)
            return 0
        }
    }

    /// Forgets the names not in `names` (taken, or gone): the memory is bounded by one listing.
    func keep(_ names: Set<String>) {
        seen.withLock { seen in seen = seen.filter { names.contains($0.key) } }
    }
}
