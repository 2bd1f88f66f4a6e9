public import Alerts
public import Feeds
public import Foundation
public import Rules
public import State

/// How the daemon runs: where, with which rules, and its limits.
public struct DaemonConfiguration: Sendable {
    public var home: Home
    /// Rule directories or files, in load order.
    public var rulePaths: [String]
    /// Seconds a file must be unchanged before it is taken.
    public var minimumAge: Double = 1
    /// Seconds between safety-net rescans of the inbox.
    public var rescanInterval: Double = 30
    /// Files larger than this are quarantined unread.
    public var sizeLimit = 1 << 20
    /// Seconds to wait after a change in a rules directory before reloading (edits come in bursts).
    public var reloadDebounce: Double = 0.5
    /// Deadlines per priority for `respond_by`.
    public var serviceLevels = ServiceLevels.defaults
    /// Who may read the files with protected health information (owner-only by default).
    public var fileAccess = FileAccess.owner
    /// Events recorded together in one transaction when a backlog drains (group commit).
    public var groupSize = 100
    /// While a backlog drains, alerts are delivered at least this often (and at the end of the
    /// pass); a live feed's alerts are delivered at once, at the end of each short pass.
    public var deliveryInterval = Duration.milliseconds(500)
    /// The suppression window of a rule without `suppress_for`, in seconds.
    public var suppressFor = AlertPolicy.standardSuppressFor
    /// Events that happened longer ago than this (seconds) are recorded but open no alert.
    public var staleAfter = AlertPolicy.standardStaleAfter
    /// The MLLP listener, when the configuration has one.
    public var mllp: MLLPSettings?
    /// The site's time zone: where HL7 times sent without an offset are (default the system's).
    public var timeZone = TimeZone.current
    /// How this site's HL7 v2 and FHIR feeds say things (identifiers, codes, site fields, code maps).
    public var siteMapping = SiteMapping.none
    /// Whether a rule set with no rule is accepted (it is not by default: it would screen nothing).
    public var allowsEmptyRules = false
    /// The teams alerts go to; a rule naming any other is refused at start and reload.
    public var referrals = ReferralTarget.shipped

    /// The loader for this configuration's rules: its referral targets, empty rule sets allowed or not.
    public var ruleLoader: RuleSetLoader {
        RuleSetLoader(allowsEmpty: allowsEmptyRules, referrals: referrals.map(\.id))
    }
    /// Files to drop into the inbox once the home is locked, taken at once whatever their age
    /// (`run --demo`'s samples): name and content.
    public var seedFiles: [(name: String, text: String)] = []
    /// The sinks alerts are delivered to, by name (`queue`, `jsonl`, `syslog`).
    public var sinks: [SinkName] = [.queue, .jsonl]
    /// How the syslog sink sends, when `sinks` names it.
    public var syslog = SyslogConfiguration()
    /// The wall clock: the system's, or one the test suite moved.
    public var clock = WallClock.system
    /// Where the crash tests make the process kill itself; `nil` in production.
    public var crashAt: CrashPoint?

    public init(home: Home, rulePaths: [String]) {
        self.home = home
        self.rulePaths = rulePaths
    }
}
