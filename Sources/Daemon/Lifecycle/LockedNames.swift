import Synchronization

/// Names collected on the watcher's queue and taken by the service's loop.
///
/// At most ``limit`` are kept until taken: a rename announced beyond that is not remembered, so a
/// burst of a hundred thousand renames (a feed catching up after an outage) cannot grow the
/// daemon's memory by its names. Nothing is lost by it — the file is still taken from the inbox
/// listing, once it has had the minimum age (a backlog that large keeps it waiting longer anyway).
final class LockedNames: Sendable {
    private let names = Mutex<Set<String>>([])
    /// How many names are kept until taken.
    let limit: Int

    init(limit: Int = 2_000) {
        self.limit = limit
    }

    func add(_ more: [String]) {
        names.withLock { names in
            for name in more where names.count < limit { names.insert(name) }
        }
    }

    func take() -> Set<String> {
        names.withLock { names in
            defer { names = [] }
            return names
        }
    }
}
