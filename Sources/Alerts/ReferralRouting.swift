public import Events
public import Rules

/// Where a referral target's alerts go instead, for patients at some facilities or units: the
/// site's teams split by campus or ward while rules name one referral.
public struct ReferralRoute: Sendable, Equatable {
    /// The facilities (`facility_id`) it applies to; empty: any.
    public var facilities: [String]
    /// The units (`unit`, e.g. `4W`) it applies to; empty: any.
    public var units: [String]
    /// The referral target that takes the alerts instead.
    public var to: String

    public init(facilities: [String] = [], units: [String] = [], to: String) {
        self.facilities = facilities
        self.units = units
        self.to = to
    }

    /// Whether it applies to the event: its facility (the encounter's, else the sending source's) and unit.
    public func applies(to event: Event) -> Bool {
        let facility = event.encounter.facilityID ?? event.source?.facilityID
        if !facilities.isEmpty, !(facility.map(facilities.contains) ?? false) { return false }
        if !units.isEmpty, !(event.encounter.unit.map(units.contains) ?? false) { return false }
        return true
    }
}

/// The site's routing: for each referral target with `routes`, the first route that applies to the
/// event decides the team; otherwise the rule's referral stands. Routes are not followed twice (a
/// target routed to does not route again; the configuration refuses such chains).
public struct ReferralRouting: Sendable, Equatable {
    /// Routes by the referral they apply to, in the order written.
    public var routes: [String: [ReferralRoute]]

    /// No routing: every alert goes to its rule's referral.
    public static let none = ReferralRouting(routes: [:])

    public init(routes: [String: [ReferralRoute]]) { self.routes = routes }

    /// The routing the targets declare.
    public init(_ targets: [ReferralTarget]) {
        var routes: [String: [ReferralRoute]] = [:]
        for target in targets where !target.routes.isEmpty { routes[target.id] = target.routes }
        self.routes = routes
    }

    /// The team `referral`'s alerts for `event` go to.
    public func referral(_ referral: String, for event: Event) -> String {
        routes[referral]?.first { $0.applies(to: event) }?.to ?? referral
    }

    /// `evaluation` with each finding's referral routed for `event`.
    public func route(_ evaluation: Evaluation, for event: Event) -> Evaluation {
        guard !routes.isEmpty else { return evaluation }
        var routed = evaluation
        for index in routed.findings.indices {
            routed.findings[index].referral = referral(routed.findings[index].referral, for: event)
        }
        return routed
    }
}

extension AlertPolicy {
    /// The policy a site configures: its service levels with each referral target's own, its
    /// targets' routing, its windows.
    public init(
        serviceLevels: ServiceLevels, referrals: [ReferralTarget], defaultSuppressFor: Double, staleAfter: Double?
    ) {
        self.init(
            builder: AlertBuilder(serviceLevels: serviceLevels.with(referrals)), defaultSuppressFor: defaultSuppressFor,
            staleAfter: staleAfter, routing: ReferralRouting(referrals))
    }
}
