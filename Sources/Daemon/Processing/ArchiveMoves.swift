import Events
import Foundation
import Logging

/// The files of a group that the ledger has recorded, still in `inbox/.work/`, to be moved into
/// the day's archive folder — after the group's commit, on any thread.
///
/// Moving them is not what makes an event exactly-once — the ledger is: a file a crash leaves in
/// `.work/` is processed again and recorded as a duplicate. So the daemon moves one group's files
/// on its read-ahead thread while the next group is recorded.
public struct ArchiveMoves: Sendable {
    /// A recorded file: its name in `.work/` and its digest (which names it when the archive
    /// already holds a file of that name).
    struct File: Sendable {
        var name: String
        var digest: String
    }

    let home: Home
    let fileMode: UInt32
    let now: Timestamp
    let crashAt: CrashPoint?
    let logger: Logger
    var files: [File] = []

    /// Whether there is nothing to move.
    public var isEmpty: Bool { files.isEmpty }

    /// The day's archive folder (UTC date of `now`).
    var directory: String { Self.directory(home: home, now: now) }

    static func directory(home: Home, now: Timestamp) -> String {
        home.archive + "/" + now.utc.localDate.description
    }

    /// Moves every file into the day's folder (owner-only), syncs the folder once, and returns the
    /// files that could not be moved with why (each is logged: it stays in `.work/` and its next
    /// reading is a duplicate).
    @discardableResult
    public func run() -> [(name: String, error: any Error)] {
        guard !files.isEmpty else { return [] }
        var failures: [(name: String, error: any Error)] = []
        do {
            try FileSystem.makeDirectory(directory)
        } catch {
            for file in files { failures.append((file.name, error)) }
            report(failures)
            return failures
        }
        for file in files {
            do {
                try Self.move(file.name, digest: file.digest, home: home, into: directory, fileMode: fileMode)
            } catch {
                failures.append((file.name, error))
            }
        }
        // One sync for the group.
        try? FileSystem.syncDirectory(directory)
        crashAt.reached(.afterArchive)
        report(failures)
        return failures
    }

    private func report(_ failures: [(name: String, error: any Error)]) {
        for (name, error) in failures {
            logger.error(
                "cannot archive a recorded file; it stays in inbox/.work and is read again as a duplicate",
                metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    /// Moves `.work/NAME` into `directory` (which exists); a name already there gets the digest's
    /// first 12 characters before its extension.
    static func move(_ name: String, digest: String, home: Home, into directory: String, fileMode: UInt32) throws {
        var target = directory + "/" + name
        var status = stat()
        if lstat(target, &status) == 0 {
            let ext = (name as NSString).pathExtension
            target =
                directory + "/" + (name as NSString).deletingPathExtension + "." + digest.prefix(12) + "."
                + (ext.isEmpty ? "json" : ext)
        }
        if try FileSystem.move(home.work + "/" + name, to: target) {
            chmod(target, fileMode)
        } else if lstat(home.work + "/" + name, &status) == 0 {
            // The file is there, so the day's folder is not (removed behind our back): make it again.
            try FileSystem.makeDirectory(directory)
            if try FileSystem.move(home.work + "/" + name, to: target) { chmod(target, fileMode) }
        }
    }
}
