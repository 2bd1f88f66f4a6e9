public import ArgumentParser
import Daemon
import Events
import Feeds
import Foundation

/// `riskscreen convert FILE…`: the contract event each message of a feed file becomes — the
/// interface analyst's view of what RiskScreen reads from an HL7 v2 feed.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Print the contract event(s) each feed file becomes, one JSON line each.",
        discussion: """
            HL7 v2 ADT files (*.hl7, or content beginning MSH, FHS or BHS; a batch gives one event per \
            message) and FHIR R4 bundles (JSON with a resourceType) are mapped as docs/feeds.md \
            describes; contract JSON files are printed as they are read. A message that is not about an encounter (A28, A31, A05…) is reported on stderr \
            as ignored. A message that cannot be mapped prints every problem on stderr as \
            FILE: PLACE: MESSAGE (PV1-45, MSH-9, …). Exit status: 0 when every message became an \
            event or was ignored, 1 otherwise.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Read every file as this format instead of telling by name and content (json, hl7, fhir).")
    var format: FeedFormat?

    @Option(help: "The configuration file: its timezone and site mapping say how HL7 and FHIR feeds are read.")
    var config: String?

    @Option(help: "A site mapping file to try (instead of the one the configuration names).")
    var mapping: String?

    @Argument(help: "Feed files: HL7 v2 (*.hl7), FHIR R4 bundles or contract JSON.", completion: .file())
    var files: [String]

    func run() throws {
        _ = global.bootstrapLogging()
        let feeds = try feedInput(config: config, mapping: mapping, for: "convert")
        var failed = false
        for file in files {
            for entry in FeedFile.read(file, format: format, input: feeds) {
                switch entry.content {
                case .unreadable:
                    printError("\(entry.label): cannot be read (missing, unreadable or a directory)")
                    failed = true
                case .invalid(let errors):
                    for problem in errors { printError("\(entry.label): \(problem)") }
                    failed = true
                case .ignored(let reason):
                    printError("\(entry.label): ignored: \(reason)")
                case .event(_, let contract):
                    if let contract {
                        print(contract.text)
                    } else if let data = FileManager.default.contents(atPath: file),
                        let value = JSONValue.parse([UInt8](data))
                    {
                        print(value.serialized)
                    }
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

extension FeedFormat: ExpressibleByArgument {}

/// How feeds are read: a configuration file's site mapping and time zone, else the system's zone
/// and the standards alone; `mapping` (a site mapping file) replaces the configuration's. A
/// mistake in either is printed and stops the command.
func feedInput(config: String?, mapping: String?, for command: String) throws -> FeedInput {
    var file = ConfigurationFile()
    if let config { file = try ConfigurationFile.load(config, for: command, consequence: "nothing was done") }
    guard let mapping else { return file.feedInput }
    let (site, problems) = SiteMappingReader().read(path: mapping)
    if !problems.isEmpty {
        for problem in problems { printError(problem.description) }
        printError("\(command): the site mapping \(mapping) has mistakes; nothing was done")
        throw ExitCode(2)
    }
    return FeedInput(timeZone: file.siteZone, site: site)
}
