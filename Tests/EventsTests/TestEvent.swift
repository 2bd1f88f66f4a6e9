import Events
import Foundation
import TestSupport

/// A minimal valid discharge event that a test changes in one place, so each test shows only what
/// it is about.
enum TestEvent {
    static func base() -> [String: Any] {
        [
            "schema_version": 1,
            "event_id": "T-0001",
            "event_type": "discharge",
            "occurred_at": "2026-11-22T10:15:00-05:00",
            "patient": ["id": "S-1", "birth_date": "1950-06-15"],
            "encounter": [
                "id": "E-1", "admitted_at": "2026-11-14T22:40:00-05:00", "discharged_at": "2026-11-22T10:15:00-05:00",
            ],
        ]
    }

    /// The bytes of the base event after `change`.
    static func bytes(_ change: (inout [String: Any]) -> Void = { _ in }) -> [UInt8] {
        var object = base()
        change(&object)
        // Test-only use of Foundation's JSON writer; the product never depends on it.
        return [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// Decodes the base event after `change`.
    static func decode(_ change: (inout [String: Any]) -> Void = { _ in }) throws(InvalidEvent) -> Event {
        try EventDecoder().decode(bytes(change))
    }

    /// The error lines for the base event after `change`; empty when it is valid.
    static func errors(_ change: (inout [String: Any]) -> Void) -> [String] {
        do {
            _ = try decode(change)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    /// Sets `value` at a nested key path such as `["encounter", "admitted_at"]`.
    static func set(_ object: inout [String: Any], _ path: [String], _ value: Any?) {
        KeyPaths.set(&object, path, value)
    }
}
