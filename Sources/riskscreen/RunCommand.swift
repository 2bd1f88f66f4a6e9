import ArgumentParser
import Daemon
import Events
import Foundation
import Logging
import Rules
import ServiceLifecycle
import State

/// `riskscreen run`: the daemon. Watches the inbox (or, with `--once`, drains it and exits).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process the inbox: every event to the ledger once, its alerts to the queue.",
        discussion: """
            The home holds inbox/, archive/, quarantine/, alerts/, alerts.jsonl and state.db. Files claimed \
            before a crash (inbox/.work/) are processed first; the ledger makes a second pass a duplicate. \
            Without --once it runs until SIGTERM or SIGINT (exit 0 after the event in hand), watching the \
            inbox with inotify and rescanning every --rescan-interval seconds; SIGHUP, or a change in a rules \
            directory, reloads the rules (a rule set with errors is refused and the old one kept). With \
            --once, the inbox is drained, the alerts delivered, and the command exits (0, or 1 when a file \
            could not be processed and stays for the next run).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The home directory (created).")
    var home = "var"

    @Option(name: .customLong("rules"), help: "A rule directory or file; repeat to layer site rules over shipped ones.")
    var rulePaths: [String] = ["rules"]

    @Flag(help: "Drain the inbox and deliver once, then exit.")
    var once = false

    @Flag(help: "Copy the sample events (./samples, valid and invalid) into the inbox first, to see it work.")
    var demo = false

    @Option(help: "Seconds a file must be unchanged before it is taken (for feeds that write in place).")
    var minimumAge: Double = 1

    @Option(help: "Files larger than this many bytes are quarantined without being read.")
    var sizeLimit: Int = 1 << 20

    @Option(help: "Seconds between safety-net rescans of the inbox.")
    var rescanInterval: Double = 30

    func run() async throws {
        let logger = global.bootstrapLogging()
        if !once {
            if demo { try copySamples(into: Home(home).inbox, creating: true) }
            var configuration = DaemonConfiguration(home: Home(home), rulePaths: rulePaths)
            configuration.minimumAge = minimumAge
            configuration.rescanInterval = rescanInterval
            configuration.sizeLimit = sizeLimit
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
        let home = Home(home)
        do {
            try home.create()
        } catch {
            printError("run: cannot create the home \(home.root): \(error)")
            throw ExitCode(1)
        }
        let loaded = RuleSetLoader().load(paths: rulePaths)
        guard let ruleSet = loaded.ruleSet else {
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { printError(diagnostic.rendered) }
            printError("run: the rules do not load; nothing was processed")
            throw ExitCode(2)
        }
        if demo { try copySamples(into: home.inbox, creating: false) }
        let store: SQLiteStateStore
        do {
            store = try SQLiteStateStore(path: home.stateDatabase)
        } catch {
            printError("run: cannot open the state database \(home.stateDatabase): \(error)")
            throw ExitCode(1)
        }
        let sinks: [any Sink] = [DirectoryQueueSink(directory: home.alerts), JSONLinesSink(path: home.alertsLog)]
        let processor = EventProcessor(
            home: home, store: store, ruleSet: ruleSet, sinks: sinks.map(\.name), logger: logger)
        processor.sizeLimit = sizeLimit
        let drain = InboxDrain(home: home, processor: processor, minimumAge: minimumAge, logger: logger)
        let summary = drain.runOnce(now: Self.now)
        let delivered: Int
        do {
            delivered = try Deliverer(store: store, sinks: sinks, logger: logger).deliverPending(now: Self.now)
        } catch {
            printError("run: delivery stopped: \(error); the outbox keeps the alerts for the next run")
            throw ExitCode(1)
        }
        print(
            "\(summary.processed) processed, \(summary.duplicates) duplicate, \(summary.conflicts) conflict, \(summary.invalid) invalid, \(summary.refused) refused, \(summary.failed) failed; \(summary.alerts) alert\(summary.alerts == 1 ? "" : "s") raised, \(delivered) deliveries"
        )
        if summary.failed > 0 { throw ExitCode(1) }
    }

    static var now: Timestamp {
        Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }

    private func copySamples(into inbox: String, creating: Bool) throws {
        let manager = FileManager.default
        if creating { try manager.createDirectory(atPath: inbox, withIntermediateDirectories: true) }
        for directory in ["samples", "samples/invalid"] {
            for name in ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            where name.hasSuffix(".json") {
                let target = inbox + "/" + name
                if !manager.fileExists(atPath: target) {
                    try manager.copyItem(atPath: directory + "/" + name, toPath: target)
                }
            }
        }
    }
}
