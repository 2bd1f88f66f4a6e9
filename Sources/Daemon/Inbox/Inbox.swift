import Foundation

/// The inbox as the feed fills it: which names are events, which are not, and in what order to
/// take them.
///
/// Taken: regular `*.json` files (contract events) and `*.hl7` files (HL7 v2). Ignored: dot-names (a feed writing under a temporary dot-name),
/// `*.tmp`, `*.part`, anything else. Oldest first.
struct Inbox {
    let home: Home
    /// A file found by a scan is taken only once it has not changed for this long (seconds), so a
    /// feed writing in place is not read half-way.
    var minimumAge: Double = 1
    /// When each waiting file was first seen unchanged, on the monotonic clock.
    let sightings = Sightings()

    /// Whether a name is one the daemon takes.
    static func isEvent(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".json") || name.hasSuffix(".hl7")) && !name.hasSuffix(".tmp")
            && !name.hasSuffix(".part")
    }

    /// Whether a name is one a feed is still writing (a dot-name, `*.tmp`, `*.part`): left alone,
    /// quietly, until it is renamed.
    static func isInProgress(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part")
    }

    /// The names in the inbox that RiskScreen will never take (`event04.JSON`, `adt.txt`): neither
    /// an event file nor one being written. They would sit there forever; the daemon reports them.
    func neverTaken(limit: Int = 10_000) -> [String] {
        FileSystem.listDirectory(home.inbox, limit: limit) { !Self.isEvent($0) && !Self.isInProgress($0) }.names
            .sorted()
    }

    /// The event files ready to take, oldest first; files changed less than `minimumAge` ago wait,
    /// and `wait` says in how many seconds the first of them will be ready (`nil` when none waits).
    ///
    /// Files in `renamedIn` were renamed into the inbox (a finished delivery): they are taken at
    /// once, whatever their age.
    ///
    /// At most `limit` names are read from the directory (a backlog of 100,000 files is taken in
    /// rounds, never listed into memory at once); `more` says whether names were left unread.
    /// Within a round the order is by modification time; across rounds, the directory's order.
    func ready(now: Double, renamedIn: Set<String> = [], limit: Int = 10_000) -> (
        names: [String], wait: Double?, more: Bool
    ) {
        let (names, more) = FileSystem.listDirectory(home.inbox, limit: limit, include: Self.isEvent)
        var candidates: [(name: String, modified: Double)] = []
        var wait: Double?
        for name in names where Self.isEvent(name) {
            var status = stat()
            // lstat: a symlink is judged as a symlink, never followed.
            guard lstat(home.inbox + "/" + name, &status) == 0 else { continue }
            let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
            let age = now - modified
            if age < minimumAge && !renamedIn.contains(name) {
                // Too fresh by the wall clock, or from "the future" after the clock went back:
                // also taken once it has stayed unchanged for the minimum age on the monotonic clock.
                let unchanged = sightings.unchangedFor(name, size: Int64(status.st_size), modified: modified)
                if unchanged < minimumAge {
                    wait = min(wait ?? .infinity, minimumAge - max(age, unchanged))
                    continue
                }
            }
            candidates.append((name, modified))
        }
        sightings.keep(Set(names))
        return (candidates.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }.map(\.name), wait, more)
    }

    /// How many event files wait in the inbox, and the age of the oldest (seconds; 0 when none).
    func waiting() -> (count: Int, oldestAge: Double) {
        let now = Date().timeIntervalSince1970
        var count = 0
        var oldest = now
        FileSystem.forEachName(in: home.inbox) { name in
            guard Self.isEvent(name) else { return }
            var status = stat()
            guard lstat(home.inbox + "/" + name, &status) == 0 else { return }
            count += 1
            oldest = min(oldest, Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
        }
        return (count, now - oldest)
    }

    /// Files claimed before a crash, waiting in `.work/` to be processed again.
    func claimed() -> [String] {
        FileSystem.listDirectory(home.work, limit: 10_000, include: Self.isEvent).names.sorted()
    }

    /// Claims a file by renaming it into `.work/`; `false` when it is gone — or when `.work/` still
    /// holds a file of that name (claimed earlier, recorded and not yet archived, or left by a
    /// crash): renaming over it would lose that file, so this one waits in the inbox for a later
    /// round.
    func claim(_ name: String) throws -> Bool {
        var status = stat()
        if lstat(home.work + "/" + name, &status) == 0 { return false }
        return try FileSystem.move(home.inbox + "/" + name, to: home.work + "/" + name)
    }
}
