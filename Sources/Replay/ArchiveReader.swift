public import Events
public import Feeds
import Foundation

/// One archived event's place: enough to read it again, in the order it happened — 32 bytes, as
/// an archive holds many.
public struct ArchivedEvent: Sendable, Equatable {
    /// When it happened: seconds since the epoch and nanoseconds (the replay's order).
    public var seconds: Int64
    public var nanoseconds: Int32
    /// The archived file it is in, by position in ``ArchiveIndex/files``.
    public var file: Int32
    /// Its message in that file (1-based; a contract file has one).
    public var message: Int32
    /// Its event id's hash (``ArchiveReader/hash(_:)``), to find duplicates.
    var idHash: UInt64

    /// Whether it comes before `other` in the replay: by time, then by file and message.
    func precedes(_ other: ArchivedEvent) -> Bool {
        (seconds, nanoseconds, file, message) < (other.seconds, other.nanoseconds, other.file, other.message)
    }
}

/// File paths packed into one buffer (an archive's hundreds of thousands of names in a few bytes
/// each, not a string allocation each).
public struct PathList: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int32] = []

    public var count: Int { ends.count }

    mutating func append(_ path: String) {
        bytes.append(contentsOf: path.utf8)
        ends.append(Int32(bytes.count))
    }

    public subscript(position: Int) -> String {
        let start = position == 0 ? 0 : Int(ends[position - 1])
        return String(decoding: bytes[start..<Int(ends[position])], as: UTF8.self)
    }
}

/// What an archive holds, read once for its events' times and ids.
public struct ArchiveIndex: Sendable {
    /// The archive's files, in the order read (day directories by name, each's files by name).
    public var files: PathList
    /// The events to replay, in `occurred_at` order (ties in the files' order), each event id once.
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
    ///
    /// The index keeps 24 bytes per event and a few per file name: the events' ids are compared
    /// by a 64-bit hash while indexing, and read again to tell a true duplicate from two ids that
    /// share a hash.
    public func index(_ directory: String, from: LocalDate? = nil, to: LocalDate? = nil) throws -> ArchiveIndex {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReplayError("\(directory) is not a directory (an archive: HOME/archive)")
        }
        var files = PathList()
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
        var index = ArchiveIndex(
            files: files, events: [], unreadable: [], ignored: 0, batches: 0, duplicates: 0, outsideRange: 0)
        for file in 0..<files.count {
            let path = files[file]
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
                            seconds: event.occurredAt.secondsSinceEpoch, nanoseconds: event.occurredAt.nanoseconds,
                            file: Int32(file), message: Int32(number + 1), idHash: Self.hash(event.eventID)))
                }
            }
        }
        // Duplicates side by side (by id hash, then in replay order): the first of each id in time
        // is replayed, a later one under the same id is not. Ids that share a hash are told apart
        // by reading them again.
        index.events.sort {
            ($0.idHash, $0.seconds, $0.nanoseconds, $0.file, $0.message) < (
                $1.idHash, $1.seconds, $1.nanoseconds, $1.file, $1.message
            )
        }
        var start = 0
        while start < index.events.count {
            var end = start + 1
            while end < index.events.count, index.events[end].idHash == index.events[start].idHash { end += 1 }
            if end - start > 1 {
                var seen: Set<String> = []
                for position in start..<end {
                    let eventID = event(index.events[position], files: files)?.eventID ?? ""
                    if !seen.insert(eventID).inserted { index.events[position].message = 0 }
                }
            }
            start = end
        }
        let before = index.events.count
        index.events.removeAll { $0.message == 0 }
        index.duplicates = before - index.events.count
        index.events.sort { $0.precedes($1) }
        return index
    }

    /// FNV-1a, 64 bits, of an event id.
    static func hash(_ eventID: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in eventID.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The archived event `entry` names, read again.
    public func event(_ entry: ArchivedEvent, in index: ArchiveIndex) -> Event? {
        event(entry, files: index.files)
    }

    func event(_ entry: ArchivedEvent, files: PathList) -> Event? {
        let items = read(files[Int(entry.file)])
        let message = Int(entry.message)
        guard message <= items.count, case .success(let event?) = items[message - 1] else { return nil }
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
