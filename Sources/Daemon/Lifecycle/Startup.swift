import Alerts
import CSystemExtras
import Feeds
import Foundation
public import Logging
public import Rules
import State

/// The one start-up of `riskscreen run` and `run --once`, in the order that creates nothing a
/// failed start would leave behind: the rules (refused → nothing created), the home, the lock
/// (another daemon → nothing touched), the state database, the pipeline, and only then the seeded
/// files (`--demo`'s samples).
public enum Startup {
    /// What a successful start holds: keep `lock` alive for as long as the home is in use.
    public struct Started {
        public let lock: HomeLock
        public let ruleSet: RuleSet
        public let processor: EventProcessor
        public let drain: InboxDrain
        public let deliverer: Deliverer
        /// The seeded files' names, for the first pass to take whatever their age.
        public let seeded: Set<String>
    }

    /// Why a start failed; nothing after the failed stage was done.
    public enum Failure: Error, CustomStringConvertible {
        /// The rules do not load: nothing was created.
        case rules([Diagnostic])
        /// The home cannot be created.
        case home(String, any Error)
        /// Another process holds the home (or the lock cannot be taken): nothing was touched.
        case lock(any Error)
        /// The state database cannot be opened or migrated.
        case state(String, any Error)
        /// The seeded files cannot be written into the inbox.
        case seed(any Error)

        /// The rule errors, for a `rules` failure.
        public var diagnostics: [Diagnostic] {
            if case .rules(let diagnostics) = self { return diagnostics.filter { $0.severity == .error } }
            return []
        }

        public var description: String {
            switch self {
            case .rules: "the rules do not load; nothing was created or started (run `riskscreen check` on them)"
            case .home(let root, let error): "cannot create the home \(root): \(error)"
            case .lock(let error): "\(error)"
            case .state(let path, let error): "cannot open the state database \(path): \(error)"
            case .seed(let error): "cannot write the demonstration samples into the inbox: \(error)"
            }
        }
    }

    /// Starts: see ``Startup`` for the order.
    public static func begin(_ configuration: DaemonConfiguration, logger: Logger) throws(Failure) -> Started {
        // One malloc arena for the process: the processing, read-ahead and delivery threads would
        // otherwise each grow one of their own (a 100,000-file backlog peaked 1.6 MB higher with
        // glibc's default), and an uncontended lock costs them nothing measurable.
        _ = riskscreen_limit_malloc_arenas(1)
        let home = configuration.home
        let loaded = configuration.ruleLoader.load(paths: configuration.rulePaths)
        guard let ruleSet = loaded.ruleSet else { throw .rules(loaded.diagnostics) }
        umask(configuration.fileAccess.umask)
        do { try home.create(access: configuration.fileAccess) } catch { throw .home(home.root, error) }
        let lock: HomeLock
        do { lock = try HomeLock(home: home) } catch { throw .lock(error) }
        let pipeline: (EventProcessor, InboxDrain, Deliverer)
        do { pipeline = try makePipeline(configuration, ruleSet: ruleSet, logger: logger) } catch {
            throw .state(home.stateDatabase, error)
        }
        let seeded: Set<String>
        do { seeded = try seed(configuration.seedFiles, into: home) } catch { throw .seed(error) }
        return Started(
            lock: lock, ruleSet: ruleSet, processor: pipeline.0, drain: pipeline.1, deliverer: pipeline.2,
            seeded: seeded)
    }

    /// Writes `files` into the home's inbox (each under a temporary dot-name, then renamed in, as a
    /// feed should), skipping names already there; returns the names written, for the first pass to
    /// take at once.
    static func seed(_ files: [(name: String, text: String)], into home: Home) throws -> Set<String> {
        var written = Set<String>()
        for (name, text) in files {
            let target = home.inbox + "/" + name
            guard !FileManager.default.fileExists(atPath: target) else { continue }
            try FileSystem.writeAtomically(Array(text.utf8), to: target, mode: 0o600)
            written.insert(name)
        }
        return written
    }

    /// The processor, the inbox drain and the deliverer for `configuration`, on its state database.
    static func makePipeline(
        _ configuration: DaemonConfiguration, ruleSet: RuleSet, logger: Logger
    ) throws -> (EventProcessor, InboxDrain, Deliverer) {
        let home = configuration.home
        let access = configuration.fileAccess
        let store = try StateDatabase.open(home.stateDatabase, mode: access.databaseMode)
        var sinks: [any Sink] = []
        if configuration.sinks.contains(.queue) {
            var queue = DirectoryQueueSink(directory: home.alerts)
            queue.mode = access.fileMode
            sinks.append(queue)
        }
        if configuration.sinks.contains(.jsonl) {
            var lines = JSONLinesSink(path: home.alertsLog)
            lines.mode = access.fileMode
            sinks.append(lines)
        }
        if configuration.sinks.contains(.syslog) { sinks.append(SyslogSink(configuration: configuration.syslog)) }
        let processor = EventProcessor(
            home: home, store: store, ruleSet: ruleSet, sinks: sinks.map(\.name), logger: logger)
        processor.sizeLimit = configuration.sizeLimit
        processor.fileMode = access.fileMode
        processor.policy = AlertPolicy(
            serviceLevels: configuration.serviceLevels, referrals: configuration.referrals,
            defaultSuppressFor: configuration.suppressFor, staleAfter: configuration.staleAfter)
        processor.crashAt = configuration.crashAt
        processor.feedInput = FeedInput(timeZone: configuration.timeZone, site: configuration.siteMapping)
        let drain = InboxDrain(
            home: home, processor: processor, minimumAge: configuration.minimumAge, clock: configuration.clock,
            logger: logger)
        var deliverer = Deliverer(store: store, sinks: sinks, logger: logger)
        deliverer.crashAt = configuration.crashAt
        return (processor, drain, deliverer)
    }
}
