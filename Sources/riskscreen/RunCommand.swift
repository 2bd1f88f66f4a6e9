import ArgumentParser
import Daemon
import Events
import Feeds
import Foundation
import Logging
import Rules
import ServiceLifecycle

/// `riskscreen run`: the daemon. Watches the inbox (or, with `--once`, drains it and exits).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: every event to the ledger once, its alerts to the queue.",
        discussion: """
            The home holds inbox/, archive/, quarantine/, alerts/, alerts.jsonl and state.db. Files claimed \
            before a crash (inbox/.work/) are processed first; the ledger makes a second pass a duplicate. \
            It runs until SIGTERM or SIGINT (exit 0 after the event in hand), watching the inbox with inotify \
            and rescanning it periodically; SIGHUP, or a change in a rules directory, reloads the rules (a rule \
            set with errors is refused and the old one kept). With --once, the inbox is drained, the alerts \
            delivered, and the command exits: 0; 1 when a file could not be processed and stays for the \
            next run; 2 when the rules or the configuration have errors (nothing is created then); 3 when \
            alerts remain undelivered in the outbox (a sink is failing; the next run retries them). Options \
            override the --config file, which overrides the defaults.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "A configuration file (YAML); see docs/operations.md.")
    var config: String?

    @Option(help: "The home directory, created when missing (default: var).")
    var home: String?

    @Option(name: .customLong("rules"), help: "A rule directory or file; repeat to layer site rules (default: rules).")
    var rulePaths: [String] = []

    @Flag(help: "Drain the inbox and deliver once, then exit.")
    var once = false

    @Flag(
        help:
            "Drop the sample events (./samples, valid and invalid, and the HL7 v2 and FHIR samples, moved with the clock) into the inbox first, to see it work."
    )
    var demo = false

    @Flag(help: "Accept a rule set with no rules (by default refused: it would screen nothing).")
    var allowEmptyRules = false

    @Option(help: "Seconds a file must be unchanged before it is taken (default 1).")
    var minimumAge: Double?

    @Option(help: "Files larger than this many bytes are quarantined without being read (default 1048576).")
    var sizeLimit: Int?

    @Option(help: "Seconds between safety-net rescans of the inbox (default 30).")
    var rescanInterval: Double?

    func run() async throws {
        let logger = global.bootstrapLogging()
        var configuration = try resolvedConfiguration()
        if demo { configuration.seedFiles = try samples() }
        if TestHooks.anySet {
            logger.warning(
                "a test hook is set (RISKSCREEN_TEST_CLOCK_OFFSET or RISKSCREEN_TEST_CRASH_AT); never in production",
                metadata: [
                    "clock_offset_seconds": "\(TestHooks.clock.offset)",
                    "crash_at": "\(TestHooks.crashAt?.rawValue ?? "-")",
                ])
        }
        if !once {
            let group = ServiceGroup(
                configuration: .init(
                    services: [DaemonService(configuration: configuration, logger: logger)],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
            } catch {
                printError("run: \(error)")
                throw ExitCode(1)
            }
            return
        }
        try runOnce(configuration, logger: logger)
    }

    /// Options over the configuration file over the defaults.
    private func resolvedConfiguration() throws -> DaemonConfiguration {
        var file = ConfigurationFile()
        if let config {
            file = try ConfigurationFile.load(config, for: "run", consequence: "nothing was started")
        }
        var configuration = DaemonConfiguration(
            home: Home(home ?? file.home ?? "var"), rulePaths: rulePaths.isEmpty ? (file.rules ?? ["rules"]) : rulePaths
        )
        configuration.minimumAge = minimumAge ?? file.minimumAge ?? configuration.minimumAge
        configuration.rescanInterval = rescanInterval ?? file.rescanInterval ?? configuration.rescanInterval
        configuration.sizeLimit = sizeLimit ?? file.sizeLimit ?? configuration.sizeLimit
        configuration.serviceLevels = file.serviceLevels ?? configuration.serviceLevels
        configuration.suppressFor = file.suppressFor ?? configuration.suppressFor
        configuration.staleAfter = file.staleAfter ?? configuration.staleAfter
        configuration.timeZone = file.siteZone
        configuration.siteMapping = file.siteMapping
        configuration.mllp = file.mllp
        configuration.sinks = file.sinks ?? configuration.sinks
        configuration.fileAccess = file.fileAccess ?? configuration.fileAccess
        configuration.syslog = file.syslog ?? configuration.syslog
        configuration.allowsEmptyRules = allowEmptyRules || (file.allowEmptyRules ?? false)
        configuration.referrals = file.referrals ?? configuration.referrals
        configuration.clock = TestHooks.clock
        configuration.crashAt = TestHooks.crashAt
        return configuration
    }

    private func runOnce(_ configuration: DaemonConfiguration, logger: Logger) throws {
        let started: Startup.Started
        do {
            started = try Startup.begin(configuration, logger: logger)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.rendered) }
            printError("run: \(error)")
            if case .rules = error { throw ExitCode(2) }
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(started.lock) {} }
        let (drain, deliverer, seeded) = (started.drain, started.deliverer, started.seeded)
        let summary = drain.runOnce(now: TestHooks.clock.now, renamedIn: seeded)
        let delivered: Int
        do {
            delivered = try deliverer.deliverPending(now: TestHooks.clock.now)
        } catch {
            printError("run: delivery stopped: \(error); the outbox keeps the alerts for the next run")
            throw ExitCode(1)
        }
        let waiting = (try? deliverer.undelivered()) ?? 0
        print(
            "\(summary.processed) processed, \(summary.duplicates) duplicate, \(summary.conflicts) conflict, \(summary.invalid) invalid, \(summary.refused) refused, \(summary.failed) failed; \(summary.alerts) alert\(summary.alerts == 1 ? "" : "s") raised, \(delivered) deliveries\(waiting > 0 ? ", \(waiting) undelivered (a sink is failing; retried next run)" : ""); \(summary.stale) stale (recorded, no alert)\(summary.ignored + summary.batches > 0 ? "; \(summary.ignored) HL7 ignored (not about an encounter), \(summary.batches) HL7 batch\(summary.batches == 1 ? "" : "es") split" : "")"
        )
        if summary.failed > 0 { throw ExitCode(1) }
        if waiting > 0 {
            printError(
                "run: \(waiting) deliver\(waiting == 1 ? "y" : "ies") could not be made; the outbox keeps them for the next run"
            )
            throw ExitCode(3)
        }
    }

    /// The samples to drop into the inbox, the valid ones moved with the clock (each patient's events
    /// by whole days, so that its latest happened within the last day): the demonstration shows
    /// alerts due soon, not a backlog too old to raise any, whatever today's date is.
    private func samples() throws -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = []
        for directory in ["samples", "samples/invalid"] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().filter {
                $0.hasSuffix(".json")
            }
            let texts = try names.map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
            files += zip(names, SampleClock.move(texts, before: TestHooks.clock.now)).map { ($0, $1) }
        }
        // Some of each standard feed too: HL7 v2 messages and FHIR bundles, moved the same way.
        for (directory, fhir) in [("samples/hl7v2", false), ("samples/fhir", true)] {
            // The cancels stay out: they would withdraw the very alerts the demonstration shows.
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().filter {
                (fhir ? $0.hasSuffix(".json") : $0.hasSuffix(".hl7")) && !$0.contains("cancel")
                    && !$0.contains("entered-in-error")
            }
            // (The ISO 8859-1 sample is not text the seeds can carry; the tests read it.)
            let readable = names.compactMap { name in
                (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)).map { (name, $0) }
            }
            let moved = FeedSampleClock.move(readable.map(\.1), fhir: fhir, before: TestHooks.clock.now)
            files += zip(readable.map(\.0), moved).map { ($0, $1) }
        }
        return files
    }
}
