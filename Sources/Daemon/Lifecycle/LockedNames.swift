import Synchronization

/// Names collected on the watcher's queue and taken by the service's loop.
final class LockedNames: Sendable {
    private let names = Mutex<Set<String>>([])

    func add(_ more: [String]) {
        names.withLock { $0.formUnion(more) }
    }

    func take() -> Set<String> {
        names.withLock { names in
            defer { names = [] }
            return names
        }
    }
}
