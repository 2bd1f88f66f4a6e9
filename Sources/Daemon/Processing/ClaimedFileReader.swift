public import Events
public import Feeds
import Rules

/// A claimed file as read: what its bytes are, and their digest. Nothing recorded, nothing moved.
public struct ClaimedFile: Sendable {
    /// What a claimed file's bytes came to.
    public enum Reading: Sendable {
        /// Gone before it could be read.
        case gone
        /// A symlink, FIFO, device or directory: not read.
        case notRegular(String)
        /// Over the size limit (its size in bytes): not read.
        case tooLarge(Int)
        /// It could not be read (the system's message); it stays claimed and is tried again.
        case unreadable(String)
        /// An HL7 v2 batch: its messages, to be split into the inbox one file each.
        case batch([FeedItem])
        /// A feed message not about an encounter (an HL7 A28, a planned FHIR encounter): why.
        case ignored(String)
        /// A valid event, and the content the state keeps of it (the file, or the contract JSON a
        /// feed message was mapped to).
        case event(Event, content: [UInt8])
        /// Not a valid event: every problem.
        case invalid(InvalidEvent)
    }

    /// The file's name in `inbox/.work/`.
    public var name: String
    /// The SHA-256 of its bytes, in hex (`nil` when it was not read).
    public var digest: String?
    public var reading: Reading
}

/// Reads claimed files (`inbox/.work/NAME`) safely, hashes and decodes them — HL7 v2 and FHIR
/// mapped onto the contract — and nothing else: no state, no file moved, no log. So it can run on
/// a thread of its own: the daemon reads the next group of files while the current one is recorded.
public struct ClaimedFileReader: Sendable {
    /// `inbox/.work/`.
    public var work: String
    /// Files larger than this are refused without reading.
    public var sizeLimit: Int
    /// How HL7 v2 and FHIR files are read (the site's time zone and mapping).
    public var feedInput: FeedInput

    /// Creates a reader of the claimed files in `work`.
    public init(work: String, sizeLimit: Int, feedInput: FeedInput) {
        self.work = work
        self.sizeLimit = sizeLimit
        self.feedInput = feedInput
    }

    /// Reads `.work/NAME`.
    public func read(_ name: String) -> ClaimedFile {
        let bytes: [UInt8]
        switch FileSystem.readRegularFile(work + "/" + name, limit: sizeLimit) {
        case .success(let read): bytes = read
        case .failure(.missing): return ClaimedFile(name: name, reading: .gone)
        case .failure(.notRegular(let what)): return ClaimedFile(name: name, reading: .notRegular(what))
        case .failure(.tooLarge(let size)): return ClaimedFile(name: name, reading: .tooLarge(size))
        case .failure(.failed(let message)): return ClaimedFile(name: name, reading: .unreadable(message))
        }
        var hasher = SHA256Digest()
        hasher.update(bytes)
        let digest = hasher.hexDigest()
        return ClaimedFile(name: name, digest: digest, reading: reading(name, bytes))
    }

    private func reading(_ name: String, _ bytes: [UInt8]) -> ClaimedFile.Reading {
        if name.hasSuffix(".hl7") {
            let items = feedInput.hl7(bytes)
            return items.count > 1 ? .batch(items) : message(items[0])
        }
        switch FeedInput.readJSON(bytes) {
        case .event(let event): return .event(event, content: bytes)
        case .invalid(let error): return .invalid(error)
        case .fhir(let document):
            // Not a contract event: a FHIR bundle is read as one (the contract path is unchanged).
            return message(feedInput.fhir(document: document, bytes: bytes))
        }
    }

    /// One mapped message (HL7 or FHIR): an event with its contract form, ignored, or invalid.
    private func message(_ item: FeedItem) -> ClaimedFile.Reading {
        switch item.result {
        case .success(.ignored(let reason)): return .ignored(reason)
        case .success(.event(let contract)):
            do {
                return .event(try contract.decoded(), content: contract.bytes)
            } catch {
                return .invalid(error)
            }
        case .failure(let error): return .invalid(error)
        }
    }
}
