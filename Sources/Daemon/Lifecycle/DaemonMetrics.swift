import CoreMetrics
import Foundation
import Prometheus
import Rules
import State
import Synchronization

/// The daemon's metrics, through swift-metrics, written as a Prometheus text exposition to
/// `<home>/metrics.prom` (node_exporter's textfile collector) after every pass and every rescan.
///
/// Names: `riskscreen_events_total{outcome}`, `riskscreen_alerts_total{priority,referral}`,
/// `riskscreen_suppressed_total`, `riskscreen_withdrawn_total`, `riskscreen_stale_total`,
/// `riskscreen_data_warnings_total`,
/// `riskscreen_quarantined_total`,
/// `riskscreen_rule_evaluation_seconds` (histogram), `riskscreen_inbox_backlog`,
/// `riskscreen_inbox_oldest_age_seconds`, `riskscreen_inbox_never_taken`, `riskscreen_outbox_backlog{sink}`,
/// `riskscreen_reloads_total`, `riskscreen_reloads_refused_total`.
public final class DaemonMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Creates the metrics on a registry of their own (not the process-wide swift-metrics system,
    /// so several daemons in one test process stay apart).
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
            .microseconds(250), .microseconds(1000), .milliseconds(10),
        ]
        self.factory = factory
        // Counters that exist before anything happens, so dashboards see zeros.
        for outcome in ["processed", "duplicate", "conflict", "invalid", "refused"] { event(outcome, count: 0) }
        for name in [
            "riskscreen_suppressed_total", "riskscreen_withdrawn_total", "riskscreen_stale_total",
            "riskscreen_data_warnings_total",
            "riskscreen_quarantined_total",
            "riskscreen_reloads_total", "riskscreen_reloads_refused_total",
        ] {
            counter(name).increment(by: 0)
        }
    }

    private func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    private func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    func event(_ outcome: String, count: Int = 1) {
        counter("riskscreen_events_total", [("outcome", outcome)]).increment(by: count)
        if ["conflict", "invalid", "refused"].contains(outcome) {
            counter("riskscreen_quarantined_total").increment(by: count)
        }
    }

    func alert(priority: Priority, referral: String) {
        counter("riskscreen_alerts_total", [("priority", priority.rawValue), ("referral", referral)]).increment()
    }

    /// Findings recorded against an earlier alert instead of opening one.
    func suppressed(_ count: Int) {
        if count > 0 { counter("riskscreen_suppressed_total").increment(by: count) }
    }

    /// Alerts withdrawn by cancel events.
    func withdrawn(_ count: Int) {
        if count > 0 { counter("riskscreen_withdrawn_total").increment(by: count) }
    }

    /// An event older than `stale_after`: recorded, no alert.
    func stale() {
        counter("riskscreen_stale_total").increment()
    }

    /// Data problems found in events (a screening answer not in its question's list).
    func dataWarnings(_ count: Int) {
        if count > 0 { counter("riskscreen_data_warnings_total").increment(by: count) }
    }

    func evaluation(nanoseconds: Int64) {
        CoreMetrics.Timer(label: "riskscreen_rule_evaluation_seconds", dimensions: [], factory: factory)
            .recordNanoseconds(nanoseconds)
    }

    func reload(refused: Bool) {
        counter(refused ? "riskscreen_reloads_refused_total" : "riskscreen_reloads_total").increment()
    }

    func inbox(backlog: Int, oldestAge: Double, neverTaken: Int) {
        gauge("riskscreen_inbox_backlog").record(backlog)
        gauge("riskscreen_inbox_oldest_age_seconds").record(oldestAge)
        gauge("riskscreen_inbox_never_taken").record(neverTaken)
    }

    func outbox(_ backlog: [SinkName: Int], sinks: [SinkName]) {
        for sink in sinks {
            gauge("riskscreen_outbox_backlog", [("sink", sink.rawValue)]).record(backlog[sink] ?? 0)
        }
    }

    /// The exposition text.
    public var text: String { registry.emitToString() }

    /// Writes the exposition to `path` atomically (a temporary name, then a rename); one writer at
    /// a time (the service's loop and the delivery thread both write it).
    func write(to path: String) throws {
        try writing.withLock { _ in
            try FileSystem.writeAtomically(registry.emitToBuffer(), to: path, mode: 0o640)
        }
    }

    private let writing = Mutex(())
}
