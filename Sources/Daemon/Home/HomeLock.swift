import Foundation

/// One daemon per home: the running daemon holds an exclusive `flock` on `riskscreen.lock` and
/// keeps `daemon.json` (its pid, start time, rules version) beside it; `riskscreen status` learns
/// from the lock whether it runs.
public final class HomeLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock; throws when another process holds it.
    public init(home: Home) throws {
        let path = home.root + "/riskscreen.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw FileSystem.failure("cannot open \(path)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            let holder = (try? DaemonState.read(home: home)).map { " (pid \($0.pid))" } ?? ""
            throw DaemonError("another riskscreen is already running on \(home.root)\(holder); one daemon per home")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Whether a daemon holds the lock of `home` now.
    public static func isHeld(home: Home) -> Bool {
        let descriptor = open(home.root + "/riskscreen.lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }
}
