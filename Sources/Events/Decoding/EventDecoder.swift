/// Decodes one event file into an ``Event`` and validates it against the event contract.
///
/// This is the only way into the event model: bytes (or an already-parsed ``JSONValue``, as a rule
/// test's inline event arrives) in, a validated event or every problem out. How the JSON is read
/// is private to it.
///
/// Unknown properties are ignored, as the contract promises the feed. A known property of the
/// wrong type, a missing required one, a value outside its enum, a malformed date or date-time, a
/// number out of its range, a duplicated key, or a discharge without `discharged_at` is an error
/// naming the JSON path and what was expected.
public struct EventDecoder: Sendable {
    /// How deeply the JSON may nest (the contract needs 5 levels; `extensions` may use more).
    public var maximumDepth: Int

    /// Creates a decoder.
    public init(maximumDepth: Int = 64) {
        self.maximumDepth = maximumDepth
    }

    /// Decodes and validates one event file's bytes.
    public func decode(_ bytes: [UInt8]) throws(InvalidEvent) -> Event {
        let reader = JSONReader(maximumDepth: maximumDepth, rejectsDuplicateKeys: true)
        let tape: JSONTape
        do {
            tape = try reader.tape(bytes)
        } catch {
            throw InvalidEvent(
                errors: [
                    EventValidationError(
                        path: error.path.description,
                        message: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
                ], eventID: nil)
        }
        return try decode(tape: tape)
    }

    /// Validates a document already read (by ``JSONTape/parse(_:)``, which reads as this decoder
    /// does at its default depth), so that a file read to tell what it is is not read twice.
    public func decode(tape: JSONTape) throws(InvalidEvent) -> Event {
        let outcome: Result<Event, InvalidEvent> = tape.withReader { reader in
            var validator = EventValidator(tape: tape, reader: reader)
            if let event = validator.event(), validator.errors.isEmpty { return .success(event) }
            return .failure(InvalidEvent(errors: validator.reportedErrors, eventID: validator.eventID))
        }
        return try outcome.get()
    }

    /// Validates an already-parsed JSON value as an event (rule tests' inline events): it is
    /// written out and read back, so both ways in share one reader and one validator.
    public func decode(json: JSONValue) throws(InvalidEvent) -> Event {
        try decode(Array(json.serialized.utf8))
    }
}
