import ArgumentParser
import Daemon
import Foundation
import Presentation
import State

/// The options of the commands that work on a daemon's state (`queue`, `users`, `audit`): where
/// the home is, and the configuration for its teams and time zone.
struct StateOptions: ParsableArguments {
    @Option(help: "The daemon's home (default var, or the configuration's home).")
    var home: String?

    @Option(help: "The daemon's configuration file: its home, referral targets and time zone.")
    var config: String?

    /// The configuration file, when one is given.
    func configuration() throws -> ConfigurationFile? {
        guard let config else { return nil }
        return try ConfigurationFile.load(config, for: "riskscreen", consequence: "nothing was done")
    }

    /// The site's time zone: the configuration's `timezone`, else the system's.
    func siteTime() throws -> SiteTime {
        try configuration()?.timezone.flatMap(SiteTime.init(identifier:)) ?? .system
    }

    func store() throws -> any StateStore {
        let home = Home(try self.home ?? configuration()?.home ?? "var")
        guard FileManager.default.fileExists(atPath: home.stateDatabase) else {
            printError("riskscreen: no state database at \(home.stateDatabase); has the daemon run on this home?")
            throw ExitCode(1)
        }
        return try StateDatabase.open(home.stateDatabase)
    }
}
