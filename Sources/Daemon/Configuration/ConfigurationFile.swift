public import Alerts
import Events
public import Feeds
public import Foundation
public import Rules
public import State
import YAMLDocument

/// The daemon's configuration file (YAML, read through the same YAML layer as the rules), with
/// every mistake reported as `file:line:column: error: …`.
///
/// ```yaml
/// home: /var/lib/riskscreen
/// rules: [/etc/riskscreen/rules, /etc/riskscreen/site]
/// minimum_age: 1s
/// rescan_interval: 30s
/// size_limit: 1048576
/// service_levels: { critical: 2h, high: 8h, medium: 24h, low: 72h, discharge: { critical: 1h, high: 4h } }
/// suppress_for: 7d
/// stale_after: 7d           # events that happened longer ago open no alert (recorded, counted)
/// file_access: owner        # or group: the team's group may read the queue and use `riskscreen queue`
/// sinks: [queue, jsonl]
/// timezone: America/New_York  # times people read (queue, status); default the system's
/// site_mapping: site-mapping.yaml  # how this site's HL7/FHIR feed says things (docs/feeds.md)
/// referrals:                # the teams alerts go to; rules naming any other are refused
///   - { id: discharge-planning, name: Discharge planning, service_levels: { critical: 30m } }
///   - { id: social-needs, name: Social needs, routes: [{ unit: [4W, 5W], to: social-needs-medicine }] }
///   - { id: social-needs-medicine, name: Social needs, medicine wards }
/// ```
///
/// Every key is optional; a command-line option wins over the file, the file over the defaults.
public struct ConfigurationFile: Sendable {
    public var home: String?
    public var rules: [String]?
    public var minimumAge: Double?
    public var rescanInterval: Double?
    public var sizeLimit: Int?
    public var serviceLevels: ServiceLevels?
    /// The suppression window of a rule without `suppress_for`.
    public var suppressFor: Double?
    /// Events that happened longer ago than this open no alert.
    public var staleAfter: Double?
    /// Whether a rule set with no rules is accepted.
    public var allowEmptyRules: Bool?
    /// The site's time zone (IANA name) for the times people read; `nil`: the system's.
    public var timezone: String?
    /// The site's zone: the site mapping's, else `timezone` (checked when the file was read), else
    /// the system's.
    public var siteZone: TimeZone {
        siteMapping.timeZone ?? timezone.flatMap(TimeZone.init(identifier:)) ?? .current
    }
    /// The worklist's server (`web:`) and what it shows (`display:`).
    public var web: WebSettings?
    /// The MLLP listener (`mllp:`); `nil`: none.
    public var mllp: MLLPSettings?
    /// The site mapping file's path as written (`site_mapping:`, relative to this file).
    public var siteMappingPath: String?
    /// The site mapping it names, read and checked with this file; `.none` without one.
    public var siteMapping = SiteMapping.none
    /// How feeds are read: the site mapping, times without an offset in its zone, else `timezone`.
    public var feedInput: FeedInput { FeedInput(timeZone: siteZone, site: siteMapping) }
    /// The referral targets (teams) the site declares; `nil`: the shipped five.
    public var referrals: [ReferralTarget]?
    /// Who may read the files with protected health information.
    public var fileAccess: FileAccess?
    public var sinks: [SinkName]?
    public var syslog: SyslogConfiguration?

    /// Every mistake found; the configuration is unusable when any is an error.
    public var diagnostics: [Diagnostic] = []

    static let keys = [
        "home", "rules", "minimum_age", "rescan_interval", "size_limit", "service_levels", "suppress_for",
        "stale_after", "sinks", "syslog", "file_access", "allow_empty_rules", "referrals",
        "timezone", "web", "display", "mllp", "site_mapping",
    ]
    static let mllpKeys = ["listen", "max_message_bytes", "idle_timeout"]
    static let syslogKeys = [
        "transport", "address", "format", "facility", "content", "min_priority", "pen", "max_message_bytes",
    ]

    public init() {}

    /// One `priority: duration` entry of `service_levels`, or `nil` after reporting its mistake.
    private static func serviceLevel(
        _ entry: YAMLMappingEntry, report: (SourceMark, String) -> Void
    ) -> (Priority, Double)? {
        guard let priority = Priority(rawValue: entry.key.text) else {
            let names = Priority.allCases.map(\.rawValue) + EventType.allCases.map(\.rawValue)
            report(
                entry.keyMark,
                "unknown priority or event type \"\(entry.key.text)\"\(Suggestions.hint(for: entry.key.text, among: names))"
            )
            return nil
        }
        guard let text = entry.value.scalar?.text, let seconds = DurationText.seconds(text), seconds > 0 else {
            report(entry.value.mark, "a service level is a duration such as 2h or 3d")
            return nil
        }
        return (priority, seconds)
    }

    /// Reads the file at `path`.
    public init(path: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            diagnostics.append(Diagnostic(.error, at: SourceMark(file: path, line: 1, column: 1), "cannot be read"))
            return
        }
        let bytes = [UInt8](data)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        func report(_ mark: SourceMark, _ message: String) {
            let line = mark.line >= 1 && mark.line <= lines.count ? String(lines[mark.line - 1]) : nil
            diagnostics.append(Diagnostic(.error, at: mark, message, sourceLine: line))
        }
        let root: YAMLNode?
        do {
            root = try YAMLParser().parse(bytes: bytes, file: path)
        } catch {
            report(error.mark, error.message)
            return
        }
        guard let root else { return }
        guard let entries = root.mapping else {
            report(root.mark, "a configuration file is a mapping of \(Self.keys.joined(separator: ", "))")
            return
        }
        for entry in entries {
            let value = entry.value
            switch entry.key.text {
            case "home":
                home = value.scalar?.text
                if home == nil { report(value.mark, "home must be a path") }
            case "rules":
                let items = value.sequence ?? [value]
                rules = items.compactMap(\.scalar?.text)
                if rules?.count != items.count || rules?.isEmpty == true {
                    report(value.mark, "rules must be a path or a list of paths")
                }
            case "minimum_age", "rescan_interval":
                guard let text = value.scalar?.text, let seconds = DurationText.seconds(text) ?? Double(text),
                    seconds >= 0
                else {
                    report(value.mark, "\(entry.key.text) must be a duration such as 1s, 30s or 2m")
                    continue
                }
                if entry.key.text == "minimum_age" { minimumAge = seconds } else { rescanInterval = seconds }
            case "size_limit":
                guard let text = value.scalar?.text, let bytes = Int(text), bytes > 0 else {
                    report(value.mark, "size_limit must be a number of bytes, e.g. 1048576")
                    continue
                }
                sizeLimit = bytes
            case "service_levels":
                var levels = ServiceLevels.defaults
                if value.mapping == nil {
                    report(value.mark, "service_levels is a mapping of priority (or event type) to duration")
                }
                for level in value.mapping ?? [] {
                    if let type = EventType(rawValue: level.key.text) {
                        guard let windows = level.value.mapping else {
                            report(
                                level.value.mark,
                                "service levels of an event type are a mapping of priority to duration")
                            continue
                        }
                        for window in windows {
                            if let (priority, seconds) = Self.serviceLevel(window, report: report) {
                                levels.byEventType[type, default: [:]][priority] = seconds
                            }
                        }
                    } else if let (priority, seconds) = Self.serviceLevel(level, report: report) {
                        levels.seconds[priority] = seconds
                    }
                }
                serviceLevels = levels
            case "file_access":
                guard let text = value.scalar?.text, let access = FileAccess(rawValue: text) else {
                    report(
                        value.mark,
                        "file_access is owner (files 0600, the default) or group (files 0640, the state database 0660)")
                    continue
                }
                fileAccess = access
            case "suppress_for":
                guard let text = value.scalar?.text, let seconds = DurationText.seconds(text), seconds >= 0 else {
                    report(value.mark, "suppress_for is a duration such as 72h or 7d")
                    continue
                }
                suppressFor = seconds
            case "referrals":
                referrals = Self.referrals(value, report: report)
            case "web":
                web = Self.web(value, into: web ?? WebSettings(), report: report)
            case "mllp":
                mllp = Self.mllp(value, report: report)
            case "site_mapping":
                guard let text = value.scalar?.text, !text.isEmpty else {
                    report(value.mark, "site_mapping is the path of the site mapping file (YAML, docs/feeds.md)")
                    continue
                }
                siteMappingPath = text
                let resolved =
                    text.hasPrefix("/")
                    ? text : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(text).path
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    report(
                        value.mark, "the site mapping \(resolved) cannot be read (missing, unreadable or a directory)")
                    continue
                }
                // Read once: the mapping, and the lines its mistakes are shown with.
                let bytes = [UInt8](data)
                let (mapping, problems) = SiteMappingReader().read(bytes: bytes, file: resolved)
                let sourceLines = String(decoding: bytes, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false)
                for problem in problems {
                    let line =
                        problem.mark.line >= 1 && problem.mark.line <= sourceLines.count
                        ? String(sourceLines[problem.mark.line - 1]) : nil
                    diagnostics.append(Diagnostic(.error, at: problem.mark, problem.message, sourceLine: line))
                }
                if problems.isEmpty { siteMapping = mapping }
            case "display":
                guard let fields = value.mapping else {
                    report(value.mark, "display is a mapping: { patient_identity: true }")
                    continue
                }
                var settings = web ?? WebSettings()
                for field in fields {
                    guard field.key.text == "patient_identity" else {
                        report(
                            field.keyMark,
                            "unknown key \"\(field.key.text)\" in display\(Self.hintOrList(field.key.text, ["patient_identity"]))"
                        )
                        continue
                    }
                    guard let text = field.value.scalar?.text, text == "true" || text == "false" else {
                        report(field.value.mark, "patient_identity is true or false")
                        continue
                    }
                    settings.showsPatientIdentity = text == "true"
                }
                web = settings
            case "timezone":
                guard let text = value.scalar?.text, TimeZone(identifier: text) != nil else {
                    let text = value.scalar?.text ?? ""
                    report(
                        value.mark,
                        "unknown time zone \"\(text)\"\(Suggestions.hint(for: text, among: TimeZone.knownTimeZoneIdentifiers)); timezone is an IANA name such as America/New_York"
                    )
                    continue
                }
                timezone = text
            case "allow_empty_rules":
                guard let text = value.scalar?.text, text == "true" || text == "false" else {
                    report(value.mark, "allow_empty_rules is true or false")
                    continue
                }
                allowEmptyRules = text == "true"
            case "stale_after":
                guard let text = value.scalar?.text, let seconds = DurationText.seconds(text), seconds > 0 else {
                    report(value.mark, "stale_after is a duration such as 7d or 48h")
                    continue
                }
                staleAfter = seconds
            case "sinks":
                let names = (value.sequence ?? [value]).compactMap { item -> SinkName? in
                    guard let name = item.scalar.flatMap({ SinkName(rawValue: $0.text) }) else {
                        let known = SinkName.allCases.map(\.rawValue).joined(separator: ", ")
                        report(item.mark, "unknown sink \"\(item.scalar?.text ?? "")\"; the sinks are \(known)")
                        return nil
                    }
                    return name
                }
                sinks = names
            case "syslog":
                guard let fields = value.mapping else {
                    report(value.mark, "syslog is a mapping of \(Self.syslogKeys.joined(separator: ", "))")
                    continue
                }
                var syslog = SyslogConfiguration()
                var transport = "unix"
                var address: (String, SourceMark)?
                for field in fields {
                    let text = field.value.scalar?.text ?? ""
                    switch field.key.text {
                    case "transport":
                        transport = text
                        if !["unix", "udp", "tcp"].contains(text) {
                            report(field.value.mark, "transport must be unix, udp or tcp")
                        }
                    case "address": address = (text, field.value.mark)
                    case "format":
                        if let format = SyslogConfiguration.Format(rawValue: text) {
                            syslog.format = format
                        } else {
                            report(field.value.mark, "format must be rfc5424 or rfc3164")
                        }
                    case "facility":
                        if let number = SyslogConfiguration.facilities[text] {
                            syslog.facility = number
                        } else {
                            report(
                                field.value.mark,
                                "unknown facility \"\(text)\"\(Suggestions.hint(for: text, among: SyslogConfiguration.facilities.keys))"
                            )
                        }
                    case "content":
                        if let content = SyslogConfiguration.Content(rawValue: text) {
                            syslog.content = content
                        } else {
                            report(field.value.mark, "content must be minimal, standard or full")
                        }
                    case "min_priority":
                        if let priority = Priority(rawValue: text) {
                            syslog.minimumPriority = priority
                        } else {
                            report(field.value.mark, "min_priority must be critical, high, medium or low")
                        }
                    case "pen":
                        if !text.isEmpty, text.allSatisfy(\.isNumber) {
                            syslog.enterpriseNumber = text
                        } else {
                            report(field.value.mark, "pen must be a private enterprise number (digits)")
                        }
                    case "max_message_bytes":
                        if let bytes = Int(text), bytes >= 256 {
                            syslog.maximumMessageBytes = bytes
                        } else {
                            report(field.value.mark, "max_message_bytes must be a number of at least 256")
                        }
                    default:
                        report(
                            field.keyMark,
                            "unknown key \"\(field.key.text)\" in syslog\(Suggestions.hint(for: field.key.text, among: Self.syslogKeys))"
                        )
                    }
                }
                switch transport {
                case "unix":
                    syslog.transport = .unix(address?.0 ?? "/dev/log")
                default:
                    let parts = (address?.0 ?? "").split(separator: ":")
                    guard parts.count == 2, let port = UInt16(parts[1]) else {
                        report(address?.1 ?? value.mark, "a \(transport) address is HOST:PORT, e.g. 127.0.0.1:514")
                        continue
                    }
                    syslog.transport = transport == "udp" ? .udp(String(parts[0]), port) : .tcp(String(parts[0]), port)
                }
                self.syslog = syslog
            default:
                report(
                    entry.keyMark,
                    "unknown key \"\(entry.key.text)\"\(Suggestions.hint(for: entry.key.text, among: Self.keys)); expected one of \(Self.keys.joined(separator: ", "))"
                )
            }
        }
        // One site, one zone: the mapping's must not contradict the configuration's.
        if let zone = siteMapping.timeZone, let timezone, let configured = TimeZone(identifier: timezone),
            zone.identifier != configured.identifier,
            let entry = entries.first(where: { $0.key.text == "site_mapping" })
        {
            report(
                entry.value.mark,
                "the site mapping's timezone \(zone.identifier) differs from timezone \(timezone) here; give the site's zone once"
            )
        }
    }

    static let referralKeys = ["id", "name", "service_levels", "routes"]
    static let routeKeys = ["facility", "unit", "to"]

    /// A did-you-mean for `name` among `keys`, or the list of them when none is close.
    static func hintOrList(_ name: String, _ keys: [String]) -> String {
        let hint = Suggestions.hint(for: name, among: keys)
        return hint.isEmpty ? "; expected one of \(keys.joined(separator: ", "))" : hint
    }

    /// The `referrals:` list: each team's id (lower case, digits and dashes), name and optional
    /// service levels per priority.
    private static func referrals(_ value: YAMLNode, report: (SourceMark, String) -> Void) -> [ReferralTarget]? {
        guard let items = value.sequence, !items.isEmpty else {
            report(value.mark, "referrals is a list of teams: - { id: discharge-planning, name: Discharge planning }")
            return nil
        }
        var targets: [ReferralTarget] = []
        /// Each route's target, where it was written, and the referral it belongs to: checked once
        /// every target is known.
        var routeTargets: [(to: String, mark: SourceMark, from: String)] = []
        for item in items {
            guard let fields = item.mapping else {
                report(item.mark, "a referral target is a mapping of \(referralKeys.joined(separator: ", "))")
                continue
            }
            var id: String?
            var name: String?
            var levels: [Priority: Double] = [:]
            var routes: [ReferralRoute] = []
            var routeMarks: [SourceMark] = []
            for field in fields {
                switch field.key.text {
                case "id":
                    let text = field.value.scalar?.text ?? ""
                    if !text.isEmpty, text.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
                        if targets.contains(where: { $0.id == text }) {
                            report(field.value.mark, "the referral \"\(text)\" is declared twice")
                        }
                        id = text
                    } else {
                        report(
                            field.value.mark,
                            "a referral id is lower-case letters, digits and dashes, e.g. social-needs")
                    }
                case "name":
                    name = field.value.scalar?.text
                    if name?.isEmpty ?? true {
                        report(field.value.mark, "a referral's name is the team's name, as text")
                    }
                case "service_levels":
                    guard let entries = field.value.mapping else {
                        report(field.value.mark, "a referral's service_levels map a priority to a duration")
                        continue
                    }
                    for entry in entries {
                        if let (priority, seconds) = serviceLevel(entry, report: report) { levels[priority] = seconds }
                    }
                case "routes":
                    for (route, mark) in Self.routes(field.value, report: report) {
                        routes.append(route)
                        routeMarks.append(mark)
                    }
                default:
                    report(
                        field.keyMark,
                        "unknown key \"\(field.key.text)\" in a referral target\(Self.hintOrList(field.key.text, referralKeys))"
                    )
                }
            }
            guard let id else {
                report(item.mark, "a referral target needs an id")
                continue
            }
            targets.append(ReferralTarget(id: id, name: name ?? id, serviceLevels: levels, routes: routes))
            routeTargets += zip(routes, routeMarks).map { ($0.to, $1, id) }
        }
        let ids = targets.map(\.id)
        for (to, mark, from) in routeTargets {
            if to == from {
                report(mark, "the referral \"\(from)\" routes to itself")
            } else if let target = targets.first(where: { $0.id == to }) {
                if !target.routes.isEmpty {
                    report(
                        mark,
                        "\"\(to)\" has routes of its own; a route goes to a team, not to another routing (routes are followed once)"
                    )
                }
            } else {
                report(
                    mark,
                    "a route goes to \"\(to)\", which is not a declared referral target\(Suggestions.hint(for: to, among: ids)); declare the team under referrals"
                )
            }
        }
        return targets
    }

    /// A referral target's `routes:` list: `{ facility: …, unit: …, to: … }`, each with a facility
    /// or a unit (one, or a list) and the target that takes the alerts there.
    private static func routes(_ value: YAMLNode, report: (SourceMark, String) -> Void) -> [(ReferralRoute, SourceMark)]
    {
        guard let items = value.sequence else {
            report(value.mark, "routes is a list: - { unit: [4W, 5W], to: social-needs-medicine }")
            return []
        }
        var routes: [(ReferralRoute, SourceMark)] = []
        for item in items {
            guard let fields = item.mapping else {
                report(item.mark, "a route is a mapping of \(routeKeys.joined(separator: ", "))")
                continue
            }
            var route = ReferralRoute(to: "")
            var toMark = item.mark
            var valid = true
            for field in fields {
                let names = (field.value.sequence ?? [field.value]).compactMap { $0.scalar?.text }.filter {
                    !$0.isEmpty
                }
                switch field.key.text {
                case "facility": route.facilities = names
                case "unit": route.units = names
                case "to":
                    route.to = field.value.scalar?.text ?? ""
                    toMark = field.value.mark
                default:
                    report(
                        field.keyMark,
                        "unknown key \"\(field.key.text)\" in a route\(Self.hintOrList(field.key.text, routeKeys))"
                    )
                    valid = false
                }
            }
            if route.facilities.isEmpty && route.units.isEmpty {
                report(item.mark, "a route names a facility or a unit (or both): where it applies")
                valid = false
            }
            if route.to.isEmpty {
                report(item.mark, "a route needs `to:`, the referral target that takes the alerts there")
                valid = false
            }
            if valid { routes.append((route, toMark)) }
        }
        return routes
    }

    static let webKeys = ["listen", "tls_certificate", "tls_key", "session_lifetime", "trusted_proxies", "user_header"]

    /// The `web:` section.
    private static func web(_ value: YAMLNode, into start: WebSettings, report: (SourceMark, String) -> Void)
        -> WebSettings
    {
        var settings = start
        guard let fields = value.mapping else {
            report(value.mark, "web is a mapping of \(webKeys.joined(separator: ", "))")
            return settings
        }
        var certificateMark: SourceMark?
        for field in fields {
            let text = field.value.scalar?.text
            switch field.key.text {
            case "listen":
                guard let (host, port) = text.flatMap(WebSettings.listen) else {
                    report(field.value.mark, "listen is HOST:PORT, e.g. 127.0.0.1:8480")
                    continue
                }
                settings.host = host
                settings.port = port
            case "tls_certificate":
                settings.tlsCertificate = text
                certificateMark = field.value.mark
            case "tls_key": settings.tlsKey = text
            case "session_lifetime":
                guard let seconds = text.flatMap(DurationText.seconds), seconds >= 60 else {
                    report(field.value.mark, "session_lifetime is a duration of a minute or more, e.g. 8h")
                    continue
                }
                settings.sessionLifetime = seconds
            case "trusted_proxies":
                settings.trustedProxies = (field.value.sequence ?? [field.value]).compactMap { $0.scalar?.text }
            case "user_header":
                settings.userHeader = text
            default:
                report(
                    field.keyMark,
                    "unknown key \"\(field.key.text)\" in web\(Self.hintOrList(field.key.text, webKeys))")
            }
        }
        if (settings.tlsCertificate == nil) != (settings.tlsKey == nil) {
            report(certificateMark ?? value.mark, "web needs both tls_certificate and tls_key for HTTPS, or neither")
        }
        if settings.userHeader != nil && settings.trustedProxies.isEmpty {
            report(value.mark, "user_header (single sign-on) needs trusted_proxies: the proxies allowed to send it")
        }
        return settings
    }

    private static func mllp(_ value: YAMLNode, report: (SourceMark, String) -> Void) -> MLLPSettings {
        var settings = MLLPSettings()
        guard let fields = value.mapping else {
            report(
                value.mark, "mllp is a mapping of \(mllpKeys.joined(separator: ", ")), e.g. { listen: 127.0.0.1:2575 }")
            return settings
        }
        for field in fields {
            let text = field.value.scalar?.text
            switch field.key.text {
            case "listen":
                guard let (host, port) = text.flatMap(WebSettings.listen) else {
                    report(field.value.mark, "listen is HOST:PORT, e.g. 127.0.0.1:2575")
                    continue
                }
                settings.host = host
                settings.port = port
            case "max_message_bytes":
                guard let bytes = text.flatMap(Int.init), bytes >= 1024, bytes <= 64 << 20 else {
                    report(field.value.mark, "max_message_bytes is a number of bytes from 1024 to 67108864")
                    continue
                }
                settings.maxMessageBytes = bytes
            case "idle_timeout":
                guard let seconds = text.flatMap(DurationText.seconds), seconds >= 1 else {
                    report(field.value.mark, "idle_timeout is a duration of a second or more, e.g. 5m")
                    continue
                }
                settings.idleTimeout = seconds
            default:
                report(
                    field.keyMark,
                    "unknown key \"\(field.key.text)\" in mllp\(Self.hintOrList(field.key.text, mllpKeys))")
            }
        }
        return settings
    }

    /// Whether there is any error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
