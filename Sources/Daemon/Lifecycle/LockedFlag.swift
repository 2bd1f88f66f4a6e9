import Synchronization

/// A flag that can be set once until cleared, from any thread.
final class LockedFlag: Sendable {
    private let value = Mutex(false)

    /// Sets the flag; `false` when it was already set.
    func set() -> Bool {
        value.withLock { value in
            if value { return false }
            value = true
            return true
        }
    }

    func clear() {
        value.withLock { $0 = false }
    }
}
