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
        let bytes = [UInt8](data)
        let chosen = format ?? FeedFormat.of(name: path, bytes: bytes)
        switch chosen {
        case .json:
            do {
                return [FeedFile(label: path, content: .event(try EventDecoder().decode(bytes), contract: nil))]
            } catch {
                return [FeedFile(label: path, content: .invalid(error.errors))]
            }
        case .hl7, .fhir:
            let items = chosen == .fhir ? [input.fhir(bytes)] : input.hl7(bytes)
            return items.map { item in
                let label = items.count > 1 ? "\(path)#\(item.index)" : path
                switch item.result {
                case .failure(let invalid): return FeedFile(label: label, content: .invalid(invalid.errors))
                case .success(.ignored(let reason)): return FeedFile(label: label, content: .ignored(reason))
                case .success(.event(let contract)):
                    do throws(InvalidEvent) {
                        return FeedFile(label: label, content: .event(try contract.decoded(), contract: contract))
                    } catch {
                        return FeedFile(label: label, content: .invalid(error.errors))
                    }
                }
            }
        }
    }
}
