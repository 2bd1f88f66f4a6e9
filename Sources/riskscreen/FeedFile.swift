import Events
import Feeds
import Foundation

/// An input file of `validate`, `eval` and `convert`, in any feed format, as the events it holds:
/// a contract JSON file is one event; an HL7 v2 file one per message (a batch, several).
struct FeedFile {
    /// What one message of the file came to.
    enum Content {
        case event(Event, contract: FeedEvent?)
        case ignored(String)
        case invalid([EventValidationError])
        case unreadable
    }

    /// `FILE`, or `FILE#2` for the second message of a batch.
    let label: String
    let content: Content

    /// The entries of `path`; `format` forces one (else by name and content). HL7 and FHIR are
    /// read by `input` (the site's zone and mapping).
    static func read(_ path: String, format: FeedFormat?, input: FeedInput) -> [FeedFile] {
        guard let data = FileManager.default.contents(atPath: path) else {
            return [FeedFile(label: path, content: .unreadable)]
        }
        let entries = input.entries(name: path, bytes: [UInt8](data), format: format)
        return entries.enumerated().map { index, entry in
            let label = entries.count > 1 ? "\(path)#\(index + 1)" : path
            switch entry {
            case .event(let event, let contract):
                return FeedFile(label: label, content: .event(event, contract: contract))
            case .ignored(let reason): return FeedFile(label: label, content: .ignored(reason))
            case .invalid(let errors): return FeedFile(label: label, content: .invalid(errors))
            }
        }
    }
}
