public import Rules

/// A team the alerts are referred to: the id rules name under `referral:`, the name the social work
/// team knows it by, and its own service levels where they differ from the site's.
///
/// The site declares its targets under `referrals:` in the configuration; a rule that names any
/// other is refused (`riskscreen check`), since its alerts would go to a team nobody watches.
public struct ReferralTarget: Sendable, Equatable {
    /// The id rules name (`discharge-planning`).
    public var id: String
    /// The team's name, for people ("Discharge planning").
    public var name: String
    /// Seconds per priority for this team's alerts, where they differ from the site's service levels.
    public var serviceLevels: [Priority: Double]
    /// Where its alerts go instead for some facilities or units (the first route that applies).
    public var routes: [ReferralRoute]

    public init(id: String, name: String, serviceLevels: [Priority: Double] = [:], routes: [ReferralRoute] = []) {
        self.id = id
        self.name = name
        self.serviceLevels = serviceLevels
        self.routes = routes
    }

    /// The five teams the shipped rules refer to: the targets when the configuration declares none.
    public static let shipped: [ReferralTarget] = [
        ReferralTarget(id: "discharge-planning", name: "Discharge planning"),
        ReferralTarget(id: "caregiver-support", name: "Caregiver support"),
        ReferralTarget(id: "pharmacy-financial-counseling", name: "Pharmacy and financial counseling"),
        ReferralTarget(id: "social-needs", name: "Social needs"),
        ReferralTarget(id: "safety", name: "Safety"),
    ]
}

extension ServiceLevels {
    /// These service levels with each target's own windows for its alerts.
    public func with(_ targets: [ReferralTarget]) -> ServiceLevels {
        var levels = self
        for target in targets where !target.serviceLevels.isEmpty {
            levels.byReferral[target.id] = target.serviceLevels
        }
        return levels
    }
}
