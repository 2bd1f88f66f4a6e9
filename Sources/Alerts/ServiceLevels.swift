public import Rules

/// How long the team has to respond to an alert of each priority.
public struct ServiceLevels: Sendable, Equatable {
    /// Seconds per priority.
    public var seconds: [Priority: Double]

    /// The defaults: critical 2 h, high 8 h, medium 24 h, low 72 h.
    public static let defaults = ServiceLevels(seconds: [
        .critical: 7200, .high: 28_800, .medium: 86_400, .low: 259_200,
    ])

    /// Creates service levels.
    public init(seconds: [Priority: Double]) { self.seconds = seconds }

    /// The time allowed for `priority`.
    public func window(for priority: Priority) -> Double {
        seconds[priority] ?? ServiceLevels.defaults.seconds[priority] ?? 86_400
    }
}
