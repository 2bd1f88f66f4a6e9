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
    /// Files that hold no event to replay: ignored HL7 messages (A28…), a batch whose messages
    /// were archived one by one, and anything that no longer reads (with why).
    public var skipped: [(path: String, reason: String)]
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
        var index = ArchiveIndex(events: [], skipped: [], duplicates: 0, outsideRange: 0)
        for path in files {
            let items = read(path)
            if items.count > 1, path.hasSuffix(".hl7") {
                // A batch: the daemon archived each of its messages as a file of its own too.
                index.skipped.append((path, "an HL7 batch (its messages are archived one by one)"))
                continue
            }
            for (number, item) in items.enumerated() {
                switch item {
                case .failure(let reason): index.skipped.append((path, reason.description))
                case .success(nil): index.skipped.append((path, "not about an encounter (ignored by the daemon)"))
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
        let bytes = [UInt8](data)
        switch FeedFormat.of(name: path, bytes: bytes) {
        case .json:
            do {
                return [.success(try EventDecoder().decode(bytes))]
            } catch {
                // A FHIR bundle is told apart by content, as the daemon does.
                if let value = JSONValue.parse(bytes), FHIRBundleMapper.isFHIR(value) {
                    return [Self.event(input.fhir(json: value, bytes: bytes))]
                }
                return [.failure(ReplayError(error.errors.map(\.description).joined(separator: "; ")))]
            }
        case .fhir:
            return [Self.event(input.fhir(bytes))]
        case .hl7:
            return input.hl7(bytes).map(Self.event)
        }
    }

    static func event(_ item: FeedItem) -> Result<Event?, ReplayError> {
        switch item.result {
        case .failure(let invalid):
            return .failure(ReplayError(invalid.errors.map(\.description).joined(separator: "; ")))
        case .success(.ignored): return .success(nil)
        case .success(.event(let contract)):
            do {
                return .success(try contract.decoded())
            } catch {
                return .failure(ReplayError(error.errors.map(\.description).joined(separator: "; ")))
            }
        }
    }
}

/// Why a replay cannot be done, or why one file is left out of it.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
