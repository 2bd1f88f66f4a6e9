public import Events
public import Feeds
import Foundation
public import State

/// What an archive holds, read once for its events' times and ids.
///
/// The events' places are kept in a temporary database (``ScratchEventIndex``), so an archive of
/// any size is indexed in the same memory.
public struct ArchiveIndex {
    /// The events to replay, in `occurred_at` order (ties in the files' order: day directories by
    /// name, each's files by name, messages in a file in order), each event id once.
    public var events: ScratchEventIndex
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

    /// How many events a replay reads.
    public var count: Int { events.count }
}

/// The indexed events read again one at a time, in the replay's order (a page of places at a
/// time from the index).
public struct ArchiveCursor {
    let reader: ArchiveReader
    let index: ArchiveIndex
    private var page: [ScratchEventIndex.Place] = []
    private var position = 0
    private var last: ScratchEventIndex.Place?
    private var finished = false

    init(reader: ArchiveReader, index: ArchiveIndex) {
        self.reader = reader
        self.index = index
    }

    /// The next event, or `nil` after the last; an event whose file no longer reads as it did
    /// when indexed is passed over.
    public mutating func next() throws -> Event? {
        while true {
            if position == page.count {
                guard !finished else { return nil }
                page = try index.events.places(after: last, limit: 1024)
                position = 0
                last = page.last
                if page.count < 1024 { finished = true }
                if page.isEmpty { return nil }
            }
            let place = page[position]
            position += 1
            if let event = reader.event(path: place.path, message: place.message) { return event }
        }
    }
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
        let events: ScratchEventIndex
        do {
            events = try ScratchEventIndex()
        } catch {
            throw ReplayError(
                "cannot open a temporary database to index the archive in (SQLITE_TMPDIR or TMPDIR): \(error)")
        }
        var index = ArchiveIndex(
            events: events, unreadable: [], ignored: 0, batches: 0, duplicates: 0, outsideRange: 0)
        do {
            for day in try manager.contentsOfDirectory(atPath: directory).sorted() {
                let path = directory + "/" + day
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    for name in try manager.contentsOfDirectory(atPath: path).sorted() where !name.hasPrefix(".") {
                        try add(path + "/" + name, to: &index, from: from, to: to)
                    }
                } else if !day.hasPrefix(".") {
                    try add(path, to: &index, from: from, to: to)
                }
            }
            index.duplicates = try events.removeDuplicates()
        } catch let error as ReplayError {
            throw error
        } catch let error as CocoaError {
            throw ReplayError("\(directory): cannot be listed: \(error.localizedDescription)")
        } catch {
            throw ReplayError("the temporary index of the archive failed (SQLITE_TMPDIR or TMPDIR): \(error)")
        }
        return index
    }

    /// Indexes the events of the archived file at `path`.
    private func add(_ path: String, to index: inout ArchiveIndex, from: LocalDate?, to: LocalDate?) throws {
        let items = read(path)
        if items.count > 1, path.hasSuffix(".hl7") {
            // A batch: the daemon archived each of its messages as a file of its own too.
            index.batches += 1
            return
        }
        var file: Int?
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
                let fileNumber = try file ?? index.events.addFile(path)
                file = fileNumber
                try index.events.add(
                    seconds: event.occurredAt.secondsSinceEpoch, nanoseconds: event.occurredAt.nanoseconds,
                    file: fileNumber, message: number + 1, eventID: event.eventID)
            }
        }
    }

    /// The indexed events read again, one at a time in the replay's order.
    public func events(_ index: ArchiveIndex) -> ArchiveCursor {
        ArchiveCursor(reader: self, index: index)
    }

    /// The event that is message `message` (1-based) of the archived file at `path`, read again.
    func event(path: String, message: Int) -> Event? {
        let items = read(path)
        guard message >= 1, message <= items.count, case .success(let event?) = items[message - 1] else { return nil }
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
