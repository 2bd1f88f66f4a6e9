/// One way an event file breaks the event contract, at a JSON path.
///
/// Its `description` is the line an interface analyst reads in a quarantine reason:
/// `$.encounter.admitted_at: expected RFC 3339 date-time, got "yesterday"`.
public struct EventValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where, as a JSON path (`$.labs[2].value`).
    public var path: String
    /// What was expected and what came instead.
    public var message: String

    /// Creates an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// An event file that is not a valid event: every problem found in it, reported together.
public struct InvalidEvent: Error, Sendable, CustomStringConvertible {
    /// Every problem, in the order the contract lists the properties.
    public var errors: [EventValidationError]
    /// The event's id, when the file had a valid one (so a ledger can still record it).
    public var eventID: String?

    /// Creates the error.
    public init(errors: [EventValidationError], eventID: String?) {
        self.errors = errors
        self.eventID = eventID
    }

    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
