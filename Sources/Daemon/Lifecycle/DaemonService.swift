import Events
import Foundation
public import Logging
import Rules
public import ServiceLifecycle
import State
import UnixSignals

/// The daemon as a service: drains the inbox whenever inotify, a rescan or a fresh file's minimum
/// age says so; delivers the outbox after each pass (on a thread of its own, ``DeliveryWorker``);
/// reloads the rules on SIGHUP or a change in a rules directory (refusing a rule set with errors
/// and keeping the old one); on graceful shutdown finishes the event in hand and stops.
public struct DaemonService: Service {
    let configuration: DaemonConfiguration
    let logger: Logger

    public init(configuration: DaemonConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Why the daemon looks at the inbox again.
    private enum Wake: Sendable {
        case inbox, rescan, reload
    }

    public func run() async throws {
        let notifier = SystemdNotifier()
        let home = configuration.home
        // Trap SIGHUP before anything that takes time, so an early one does not terminate the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        let started: Startup.Started
        do {
            started = try Startup.begin(configuration, logger: logger)
        } catch {
            for diagnostic in error.diagnostics {
                logger.error("rule error", metadata: ["diagnostic": "\(diagnostic.description)"])
            }
            throw DaemonError(error.description)
        }
        defer { withExtendedLifetime(started.lock) {} }
        let (ruleSet, processor, drain, deliverer, seeded) = (
            started.ruleSet, started.processor, started.drain, started.deliverer, started.seeded
        )
        let startedAt = configuration.clock.seconds
        let metrics = DaemonMetrics()
        processor.metrics = metrics
        let inbox = Inbox(home: home, minimumAge: configuration.minimumAge)
        var reported = Set<String>()
        func writeMetrics() {
            let waiting = inbox.waiting()
            let neverTaken = inbox.neverTaken()
            // Each such name once, while it stays.
            for name in neverTaken where !reported.contains(name) {
                logger.warning(
                    "a file in the inbox that RiskScreen never takes: it takes *.json (one event each) and *.hl7 (HL7 v2 ADT); rename or remove it",
                    metadata: ["file": "\(name)"])
            }
            reported = Set(neverTaken)
            metrics.inbox(backlog: waiting.count, oldestAge: waiting.oldestAge, neverTaken: neverTaken.count)
            // (The outbox's backlog is the delivery thread's to record, after each delivery.)
            do { try metrics.write(to: home.root + "/metrics.prom") } catch {
                logger.warning("cannot write metrics.prom", metadata: ["error": "\(error)"])
            }
        }
        var rulesLoadedAt = startedAt
        var refusedReload: (at: Double, errors: Int)?
        func recordState() {
            let state = DaemonState(
                pid: getpid(), startedAt: startedAt, rulesVersion: processor.ruleSet.version,
                ruleCount: processor.ruleSet.rules.count, rulesLoadedAt: rulesLoadedAt, refusedReload: refusedReload)
            do { try state.write(home: home) } catch {
                logger.warning("cannot write daemon.json", metadata: ["error": "\(error)"])
            }
        }
        recordState()

        let (wakes, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let renamed = LockedNames()
        let inboxWatcher = try DirectoryWatcher(paths: [home.inbox], mask: DirectoryWatcher.inboxMask) { names in
            renamed.add(names)
            continuation.yield(.inbox)
        }
        defer { inboxWatcher.stop() }
        let debounce = configuration.reloadDebounce
        let pendingReload = LockedFlag()
        let rulesWatcher = try? DirectoryWatcher(
            paths: Self.directories(under: configuration.rulePaths), mask: DirectoryWatcher.rulesMask
        ) { _ in
            // Coalesce a burst of edits into one reload.
            guard pendingReload.set() else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + debounce) {
                pendingReload.clear()
                continuation.yield(.reload)
            }
        }
        defer { rulesWatcher?.stop() }

        let listener = configuration.mllp.map {
            MLLPListener(
                settings: $0, home: home, fileMode: configuration.fileAccess.fileMode, clock: configuration.clock,
                logger: logger, crashAt: configuration.crashAt)
        }
        let bound = try await listener?.bind()

        // Deliveries run on a thread of their own (their syncs overlap processing); stopped, after
        // delivering what was asked for, when the daemon stops. The outbox's backlog in
        // metrics.prom is brought up to date after each delivery.
        let (clock, sinks, metricsPath) = (configuration.clock, configuration.sinks, home.root + "/metrics.prom")
        let worker = DeliveryWorker(nextRetryIn: { deliverer.nextRetryIn }) { [logger] in
            do {
                try deliverer.deliverPending(now: clock.now)
            } catch {
                logger.error(
                    "delivery stopped; the outbox keeps the alerts and is retried", metadata: ["error": "\(error)"])
            }
            if let waiting = try? deliverer.waiting() { metrics.outbox(waiting, sinks: sinks) }
            do { try metrics.write(to: metricsPath) } catch {
                logger.warning("cannot write metrics.prom", metadata: ["error": "\(error)"])
            }
        }
        defer { worker.stop() }

        await withTaskGroup(of: Void.self) { group in
            if let listener, let bound {
                group.addTask {
                    do {
                        try await listener.serve(bound)
                    } catch {
                        logger.error("the MLLP listener stopped", metadata: ["error": "\(error)"])
                    }
                }
            }
            group.addTask {
                for await signal in hangups {
                    if signal == .sigusr1 {
                        // logrotate's postrotate: alerts.jsonl is opened for every append, so the
                        // next line goes to the new file already; nothing to reopen.
                        logger.notice("SIGUSR1: alerts.jsonl is reopened on every write")
                    } else {
                        continuation.yield(.reload)
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(configuration.rescanInterval))
                    if !Task.isCancelled { continuation.yield(.rescan) }
                }
            }
            if let interval = notifier.watchdogInterval {
                group.addTask {
                    while !Task.isCancelled {
                        notifier.send("WATCHDOG=1")
                        try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                    }
                }
            }
            logger.notice(
                "riskscreen started", metadata: ["home": "\(home.root)", "rules_version": "\(ruleSet.version)"])
            var nextWake = pass(drain, worker, renamed.take().union(seeded))
            writeMetrics()
            notifier.send("READY=1\nSTATUS=watching \(home.inbox); rules \(ruleSet.version.prefix(19))")
            var timer: Task<Void, Never>? = Self.schedule(nextWake, continuation)
            for await wake in wakes.cancelOnGracefulShutdown() {
                if case .reload = wake {
                    notifier.reloading()
                    switch reload(processor) {
                    case .loaded:
                        rulesLoadedAt = configuration.clock.seconds
                        refusedReload = nil
                        metrics.reload(refused: false)
                    case .refused(let errors):
                        refusedReload = (configuration.clock.seconds, errors)
                        metrics.reload(refused: true)
                    }
                    recordState()
                    notifier.send(
                        "READY=1\nSTATUS=watching \(home.inbox); rules \(processor.ruleSet.version.prefix(19))")
                }
                timer?.cancel()
                nextWake = pass(drain, worker, renamed.take())
                writeMetrics()
                timer = Self.schedule(nextWake, continuation)
            }
            timer?.cancel()
            notifier.send("STOPPING=1")
            group.cancelAll()
        }
        continuation.finish()
        worker.stop()
        logger.notice("riskscreen stopped")
    }

    /// One pass: claimed and ready files in groups (one commit each), asking for a delivery after
    /// every group (so a backlog's alerts reach the queue as it drains) and at the end. Returns when
    /// a fresh file will be ready.
    private func pass(_ drain: InboxDrain, _ worker: DeliveryWorker, _ renamedIn: Set<String>) -> Double? {
        let now = configuration.clock.now
        // During a backlog, ask for a delivery between groups at most every `deliveryInterval`:
        // each delivery costs a sync per sink, and the backlog's own queueing dwarfs the wait.
        var lastDelivery = ContinuousClock.now
        let summary = drain.runOnce(
            now: now, renamedIn: renamedIn, group: configuration.groupSize,
            between: {
                guard ContinuousClock.now - lastDelivery >= configuration.deliveryInterval else { return }
                worker.request()
                lastDelivery = ContinuousClock.now
            },
            shouldStop: { Task.isShuttingDownGracefully })
        worker.request()
        if summary.processed + summary.duplicates + summary.conflicts + summary.invalid + summary.refused > 0 {
            logger.info(
                "inbox pass",
                metadata: [
                    "processed": "\(summary.processed)", "duplicates": "\(summary.duplicates)",
                    "conflicts": "\(summary.conflicts)", "invalid": "\(summary.invalid)",
                    "refused": "\(summary.refused)", "alerts": "\(summary.alerts)",
                ])
        }
        // (A sink in back-off is retried by the delivery worker when its wait is over.)
        return summary.nextReadyIn
    }

    /// What a reload came to.
    private enum Reload {
        case loaded
        case refused(errors: Int)
    }

    /// Loads the rules off to the side and swaps them in only when they load without errors.
    private func reload(_ processor: EventProcessor) -> Reload {
        let loaded = configuration.ruleLoader.load(paths: configuration.rulePaths)
        guard let ruleSet = loaded.ruleSet else {
            let errors = loaded.diagnostics.filter { $0.severity == .error }
            for diagnostic in errors {
                logger.error("rule error", metadata: ["diagnostic": "\(diagnostic.description)"])
            }
            logger.error(
                "reload refused: the rules have errors; the previous rules stay in use",
                metadata: ["errors": "\(errors.count)", "rules_version": "\(processor.ruleSet.version)"])
            return .refused(errors: errors.count)
        }
        let changed = ruleSet.version != processor.ruleSet.version
        if changed { processor.ruleSet = ruleSet }
        logger.notice(
            changed ? "rules reloaded" : "rules reloaded, unchanged",
            metadata: ["rules_version": "\(ruleSet.version)", "rules": "\(ruleSet.rules.count)"])
        return .loaded
    }

    private static func schedule(_ delay: Double?, _ continuation: AsyncStream<Wake>.Continuation) -> Task<Void, Never>?
    {
        guard let delay else { return nil }
        return Task {
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000) + 20))
            if !Task.isCancelled { continuation.yield(.rescan) }
        }
    }

    /// The rule paths that are directories, and their subdirectories, to watch for changes.
    static func directories(under paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            result.append(path)
            // A directory named through a symbolic link is followed, as the loader does.
            let enumerator = FileManager.default.enumerator(
                atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
            while let relative = enumerator?.nextObject() as? String {
                var inner: ObjCBool = false
                let full = path + "/" + relative
                if FileManager.default.fileExists(atPath: full, isDirectory: &inner), inner.boolValue {
                    result.append(full)
                }
            }
        }
        return result
    }
}
