import ArgumentParser
import Events
import Foundation
import Logging

/// `riskscreen validate EVENT.json…`: checks event files against the event contract and shows what
/// RiskScreen derives from each, so an interface analyst can test a feed's output before it goes live.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check event files against the event contract and show the facts derived from each.",
        discussion: """
            Valid events print one line each on stdout. Invalid ones print every problem on stderr as \
            FILE: JSON-PATH: MESSAGE. Exit status: 0 when every file is a valid event, 1 otherwise.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Event files (JSON, one event each).", completion: .file(extensions: ["json"]))
    var files: [String]

    func run() throws {
        let logger = global.bootstrapLogging()
        let decoder = EventDecoder()
        var invalid = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot be read (missing, unreadable or a directory)")
                invalid += 1
                continue
            }
            do {
                let event = try decoder.decode([UInt8](data))
                print("\(file): ok \(EventSummary(event))")
            } catch {
                invalid += 1
                for problem in error.errors { printError("\(file): \(problem)") }
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
