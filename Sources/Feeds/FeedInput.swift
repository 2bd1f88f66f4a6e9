public import Events
public import Foundation

/// The formats an inbox file may be in.
public enum FeedFormat: String, Sendable, CaseIterable {
    /// RiskScreen's own event contract (JSON).
    case json
    /// HL7 v2 ER7: one ADT message, or a batch.
    case hl7
    /// A FHIR R4 Bundle (JSON with a `resourceType`).
    case fhir

    /// The format of a file: `*.hl7` is HL7 v2; otherwise what the content looks like (JSON
    /// whose root has a `resourceType` is FHIR).
    public static func of(name: String, bytes: [UInt8]) -> FeedFormat {
        if name.lowercased().hasSuffix(".hl7") { return .hl7 }
        if HL7Reader.looksLikeHL7(bytes) { return .hl7 }
        if FHIRBundleMapper.resource(in: bytes) != nil { return .fhir }
        return .json
    }
}

/// One message of a feed file, and what it became.
public struct FeedItem: Sendable {
    /// The message's position in its file (1-based).
    public var index: Int
    /// The message's own bytes as received (a batch's message alone, segments ended by CR).
    public var text: [UInt8]
    /// The event, an ignored message, or why it cannot be read (with the place in the message).
    public var result: Result<FeedMessage, InvalidEvent>
}

/// Reads a feed file in any supported format into contract events: the one way HL7 reaches the
/// event model (the daemon, `convert`, `validate` and `eval` all use it).
public struct FeedInput: Sendable {
    public var mapper: ADTMapper
    public var fhirMapper: FHIRBundleMapper

    /// Reads feeds as `site` says (its time zone, when it has one, before `timeZone`).
    public init(timeZone: TimeZone = .current, site: SiteMapping = .none) {
        mapper = ADTMapper(timeZone: timeZone, site: site)
        fhirMapper = FHIRBundleMapper(timeZone: timeZone, site: site)
    }

    /// A FHIR R4 bundle's event (one per bundle).
    public func fhir(_ bytes: [UInt8]) -> FeedItem {
        guard let tape = JSONTape.parse(bytes) else {
            return FeedItem(
                index: 1, text: bytes,
                result: .failure(
                    InvalidEvent(
                        errors: [EventValidationError(path: "$", message: "not JSON (a FHIR bundle is JSON)")],
                        eventID: nil)))
        }
        return fhir(document: tape.root, bytes: bytes)
    }

    /// A FHIR R4 bundle's event, from the bundle already parsed (`document`: the root of the
    /// tape of `bytes`, the file as received).
    public func fhir(document: JSONItem, bytes: [UInt8]) -> FeedItem {
        do {
            return FeedItem(index: 1, text: bytes, result: .success(try fhirMapper.map(document)))
        } catch {
            return FeedItem(index: 1, text: bytes, result: .failure(error))
        }
    }

    /// The messages of an HL7 v2 file, each mapped; a file that cannot be read at all is one
    /// invalid item.
    public func hl7(_ bytes: [UInt8]) -> [FeedItem] {
        func refused(_ error: HL7ReadError, eventID: String? = nil) -> Result<FeedMessage, InvalidEvent> {
            .failure(
                InvalidEvent(
                    errors: [EventValidationError(path: error.place, message: error.message)], eventID: eventID))
        }
        let reader = HL7Reader()
        let raws: [HL7Reader.RawMessage]
        do {
            raws = try reader.split(bytes)
        } catch {
            return [FeedItem(index: 1, text: bytes, result: refused(error))]
        }
        var items: [FeedItem] = []
        for (index, raw) in raws.enumerated() {
            let result: Result<FeedMessage, InvalidEvent>
            // The message's own bytes as received (its character set intact), for a split batch.
            let text = raws.count == 1 ? bytes : raw.bytes
            do {
                let message = try reader.message(raw)
                do {
                    result = .success(try mapper.map(message))
                } catch {
                    result = .failure(error)
                }
            } catch {
                // Unreadable as a message (its delimiters, its character set).
                result = refused(error)
            }
            items.append(FeedItem(index: index + 1, text: text, result: result))
        }
        return items
    }

    /// The messages of a feed file, each read into the event model — what `validate`, `eval`,
    /// `convert` and `replay` read. HL7 v2 by name or content; anything else as a contract event
    /// first, and as a FHIR bundle only when it is not one (the daemon's order: the contract path
    /// pays nothing for FHIR). `format` forces one.
    public func entries(name: String, bytes: [UInt8], format: FeedFormat? = nil) -> [FeedEntry] {
        let items: [FeedItem]
        switch format ?? (name.lowercased().hasSuffix(".hl7") || HL7Reader.looksLikeHL7(bytes) ? .hl7 : nil) {
        case .hl7?: items = hl7(bytes)
        case .fhir?: items = [fhir(bytes)]
        case .json?:
            do throws(InvalidEvent) {
                return [.event(try EventDecoder().decode(bytes), contract: nil)]
            } catch {
                return [.invalid(error.errors)]
            }
        case nil:
            switch Self.readJSON(bytes) {
            case .event(let event): return [.event(event, contract: nil)]
            case .invalid(let error): return [.invalid(error.errors)]
            case .fhir(let document): items = [fhir(document: document, bytes: bytes)]
            }
        }
        return items.map { item in
            switch item.result {
            case .failure(let invalid): return .invalid(invalid.errors)
            case .success(.ignored(let reason)): return .ignored(reason)
            case .success(.event(let contract)):
                do throws(InvalidEvent) {
                    return .event(try contract.decoded(), contract: contract)
                } catch {
                    return .invalid(error.errors)
                }
            }
        }
    }
}

/// A JSON inbox file read once: a contract event, or — when it is not one and its root has a
/// `resourceType` — the FHIR resource to map, or why it is neither.
public enum JSONFeedFile {
    case event(Event)
    case fhir(JSONItem)
    case invalid(InvalidEvent)
}

extension FeedInput {
    /// Reads a JSON file as the daemon does: a contract event first, a FHIR resource only when it
    /// is not one (the contract path pays nothing for FHIR), the document parsed once for both.
    public static func readJSON(_ bytes: [UInt8]) -> JSONFeedFile {
        guard let tape = JSONTape.parse(bytes) else {
            // Not JSON: the decoder says where.
            do throws(InvalidEvent) {
                return .event(try EventDecoder().decode(bytes))
            } catch {
                return .invalid(error)
            }
        }
        let root = tape.root
        let isFHIR = FHIRBundleMapper.isFHIR(root)
        // A resource without schema_version (which every contract event has) is not validated as
        // an event first: it cannot be one.
        if isFHIR, root["schema_version"] == nil { return .fhir(root) }
        do throws(InvalidEvent) {
            return .event(try EventDecoder().decode(tape: tape))
        } catch {
            return isFHIR ? .fhir(root) : .invalid(error)
        }
    }
}

/// What one message of a feed file came to.
public enum FeedEntry: Sendable {
    /// The event; for HL7 and FHIR, the contract JSON it was mapped to.
    case event(Event, contract: FeedEvent?)
    /// A message not about an encounter (HL7 A28…, a planned FHIR encounter).
    case ignored(String)
    /// Why it cannot be read, each problem at its place.
    case invalid([EventValidationError])
}
