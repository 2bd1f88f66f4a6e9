import ArgumentParser
import Logging

/// The `riskscreen` command: screens hospital ADT events for psychosocial risk.
@main
struct RiskScreen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "riskscreen",
        abstract: "Screens hospital admission, discharge and transfer events for psychosocial risk.",
        discussion: """
            RiskScreen points medical social workers at the patients who need them: readmission risk, \
            caregiver strain, medication cost barriers, social needs and unsafe discharges.
            """,
        version: "0.1.0",
        subcommands: [
            AuditCommand.self, CheckCommand.self, ConvertCommand.self, EvalCommand.self, QueueCommand.self,
            ReplayCommand.self, RunCommand.self,
            StatusCommand.self, TestCommand.self, UsersCommand.self, ValidateCommand.self, WebCommand.self,
        ]
    )
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(help: "How much to log on stderr.")
    var logLevel: LogLevel = .notice

    @Option(help: "Log lines as text for people, or JSON objects for log shippers.")
    var logFormat: LogFormat = .text

    /// Sends swift-log output to stderr at the chosen level; call once, first thing in `run()`.
    func bootstrapLogging() -> Logger {
        let level = Logger.Level(rawValue: logLevel.rawValue) ?? .notice
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = TextLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return Logger(label: "riskscreen")
    }
}

/// How log lines are written.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// The log levels a user may pick, spelled as swift-log spells them.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical
}
