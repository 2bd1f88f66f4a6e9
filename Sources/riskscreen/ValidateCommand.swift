import ArgumentParser
import Events
import Feeds
import Foundation
import Logging

/// `riskscreen validate EVENT.json…`: checks event files against the event contract and shows what
/// RiskScreen derives from each, so an interface analyst can test a feed's output before it goes live.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check event files against the event contract and show the facts derived from each.",
        discussion: """
            Valid events print one line each on stdout (an HL7 batch, one per message: FILE#N). Invalid \
            ones print every problem on stderr as FILE: PLACE: MESSAGE (a JSON path, or an HL7 field \
            such as PV1-45). An HL7 message not about an encounter (A28, A31…) prints as ignored. Exit status: 0 when every file is a valid event, 1 otherwise.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Read every file as this format instead of telling by name and content (json, hl7, fhir).")
    var format: FeedFormat?

    @Option(help: "The configuration file: its timezone and site mapping say how HL7 and FHIR feeds are read.")
    var config: String?

    @Argument(
        help: "Event files: contract JSON (one event each) or HL7 v2 (*.hl7; a batch, one per message).",
        completion: .file())
    var files: [String]

    func run() throws {
        let logger = global.bootstrapLogging()
        let feeds = try feedInput(config: config, mapping: nil, for: "validate")
        var invalid = 0
        for file in files {
            for entry in FeedFile.read(file, format: format, input: feeds) {
                switch entry.content {
                case .unreadable:
                    printError("\(entry.label): cannot be read (missing, unreadable or a directory)")
                    invalid += 1
                case .invalid(let errors):
                    invalid += 1
                    for problem in errors { printError("\(entry.label): \(problem)") }
                case .ignored(let reason):
                    print("\(entry.label): ignored: \(reason)")
                case .event(let event, _):
                    print("\(entry.label): ok \(EventSummary(event))")
                }
            }
        }
        logger.info("validated event files", metadata: ["files": "\(files.count)", "invalid": "\(invalid)"])
        if invalid > 0 { throw ExitCode(1) }
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
