public import Events
public import Feeds
import Foundation

/// One archived event's place: enough to read it again, in the order it happened.
public struct ArchivedEvent: Sendable, Equatable {
    /// When it happened.
    public var occurredAt: Timestamp
    public var eventID: String
    /// The archived file it is in, and its message in that file (1-based; a contract file has one).
    public var path: String
    public var message: Int
}

/// What an archive holds, read once for its events' times and ids.
public struct ArchiveIndex: Sendable {
    /// The events to replay, in `occurred_at` order (ties by file), each event id once.
    public var events: [ArchivedEvent]
    /// Archived files that no longer read, with why: left out, and named.
    public var unreadable: [(path: String, reason: String)]
    /// Messages not about an encounter (HL7 A28…), which the daemon archived without screening.
    public var ignored: Int
    /// HL7 batches, whose messages the daemon archived one by one too.
    public var batches: Int
    /// Events seen again under an id already indexed (duplicates, resends): replayed once.
    public var duplicates: Int
    /// Events outside `--from`/`--to`.
    public var outsideRange: Int
}

/// Reads the daemon's archive (`HOME/archive/YYYY-MM-DD/…`) — contract JSON, HL7 v2 and FHIR
/// files alike, as the daemon read them — without touching anything: files are only read.
public struct ArchiveReader: Sendable {
    /// How HL7 and FHIR files are read (the site's mapping and zone).
    public var input: FeedInput

    public init(input: FeedInput = FeedInput()) { self.input = input }

    /// Every archived event under `directory` whose local date (as sent) is within `from…to`.
    public func index(_ directory: String, from: LocalDate? = nil, to: LocalDate? = nil) throws -> ArchiveIndex {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReplayError("\(directory) is not a directory (an archive: HOME/archive)")
        }
        var files: [String] = []
        for day in try manager.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + day
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for name in try manager.contentsOfDirectory(atPath: path).sorted() where !name.hasPrefix(".") {
                    files.append(path + "/" + name)
                }
            } else if !day.hasPrefix(".") {
                files.append(path)
            }
        }
        var index = ArchiveIndex(events: [], unreadable: [], ignored: 0, batches: 0, duplicates: 0, outsideRange: 0)
        for path in files {
            let items = read(path)
            if items.count > 1, path.hasSuffix(".hl7") {
                // A batch: the daemon archived each of its messages as a file of its own too.
                index.batches += 1
                continue
            }
            for (number, item) in items.enumerated() {
                switch item {
                case .failure(let reason): index.unreadable.append((path, reason.description))
                case .success(nil): index.ignored += 1
                case .success(let event?):
                    let day = event.occurredAt.localDate
                    if let from, day < from {
                        index.outsideRange += 1
                        continue
                    }
                    if let to, day > to {
                        index.outsideRange += 1
                        continue
                    }
                    index.events.append(
                        ArchivedEvent(
                            occurredAt: event.occurredAt, eventID: event.eventID, path: path, message: number + 1))
                }
            }
        }
        index.events.sort { ($0.occurredAt, $0.path, $0.message) < ($1.occurredAt, $1.path, $1.message) }
        var seen: Set<String> = []
        let before = index.events.count
        index.events.removeAll { !seen.insert($0.eventID).inserted }
        index.duplicates = before - index.events.count
        return index
    }

    /// The archived event `entry` names, read again.
    public func event(_ entry: ArchivedEvent) -> Event? {
        let items = read(entry.path)
        guard entry.message <= items.count, case .success(let event?) = items[entry.message - 1] else { return nil }
        return event
    }

    /// The events of one archived file (`nil`: a message not about an encounter), or why not.
    func read(_ path: String) -> [Result<Event?, ReplayError>] {
        guard let data = FileManager.default.contents(atPath: path) else {
            return [.failure(ReplayError("cannot be read"))]
        }
        return input.entries(name: path, bytes: [UInt8](data)).map { entry in
            switch entry {
            case .event(let event, _): .success(event)
            case .ignored: .success(nil)
            case .invalid(let errors): .failure(ReplayError(errors.map(\.description).joined(separator: "; ")))
            }
        }
    }
}

/// Why a replay cannot be done, or why one file is left out of it.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
