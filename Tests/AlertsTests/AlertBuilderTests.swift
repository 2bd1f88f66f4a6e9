import Alerts
import Events
import Foundation
import Rules
import Testing

@Suite("Building alerts from findings, without state")
struct AlertBuilderTests {
    static let now = Timestamp(rfc3339: "2026-11-22T15:00:00Z")!

    private func event() throws -> Event {
        let text =
            #"{"schema_version":1,"event_id":"T-9","event_type":"discharge","occurred_at":"2026-11-22T10:00:00-05:00","source":{"facility_id":"NORTH"},"patient":{"id":"S-9"},"encounter":{"id":"E-9","unit":"4W","admitted_at":"2026-11-20T10:00:00-05:00","discharged_at":"2026-11-22T10:00:00-05:00"}}"#
        return try EventDecoder().decode(Array(text.utf8))
    }

    /// An admission, optionally with the discharge the team expects.
    private func admission(expectedDischarge: String? = nil) throws -> Event {
        let expected = expectedDischarge.map { #","expected_discharge_at":"\#($0)""# } ?? ""
        let text =
            #"{"schema_version":1,"event_id":"T-8","event_type":"admission","occurred_at":"2026-11-22T10:00:00-05:00","patient":{"id":"S-8"},"encounter":{"id":"E-8","admitted_at":"2026-11-22T09:00:00-05:00"\#(expected)}}"#
        return try EventDecoder().decode(Array(text.utf8))
    }

    private func finding(_ id: String, _ priority: Priority, _ referral: String, reason: String = "because") -> Finding
    {
        Finding(
            ruleID: id, title: "Title of \(id)", category: "c", priority: priority, basePriority: priority,
            referral: referral, reason: reason, scores: [], references: ["ref"], suppressFor: nil, tags: [])
    }

    private func alerts(_ findings: [Finding]) throws -> [Alert] {
        AlertBuilder().alerts(
            for: try event(), evaluation: Evaluation(scores: [], findings: findings), rulesVersion: "sha256:x",
            now: Self.now)
    }

    @Test("one alert per referral, holding every finding for it, at the highest of their priorities")
    func grouping() throws {
        let built = try alerts([
            finding("a", .medium, "discharge-planning"), finding("b", .high, "discharge-planning"),
            finding("c", .low, "social-needs"),
        ])
        #expect(built.map(\.referral) == ["discharge-planning", "social-needs"])
        #expect(built.map(\.priority) == [.high, .low])
        #expect(built.first?.findings.map(\.ruleID) == ["b", "a"])
    }

    @Test("no findings, no alerts")
    func none() throws {
        #expect(try alerts([]).isEmpty)
    }

    @Test("respond_by after an admission is created_at plus the priority's service level: 2 h, 8 h, 24 h, 72 h")
    func serviceLevels() throws {
        for (priority, deadline) in [
            (Priority.critical, "2026-11-22T17:00:00Z"), (.high, "2026-11-22T23:00:00Z"),
            (.medium, "2026-11-23T15:00:00Z"), (.low, "2026-11-25T15:00:00Z"),
        ] {
            let alert = try #require(
                AlertBuilder().alerts(
                    for: try admission(), findings: [finding("a", priority, "x")], rulesVersion: "v", now: Self.now
                ).first)
            #expect(alert.respondBy.text == deadline)
            #expect(alert.createdAt.text == "2026-11-22T15:00:00Z")
        }
    }

    @Test("after a discharge the windows are shorter by default: 1 h, 4 h, 24 h, 48 h")
    func dischargeServiceLevels() throws {
        for (priority, deadline) in [
            (Priority.critical, "2026-11-22T16:00:00Z"), (.high, "2026-11-22T19:00:00Z"),
            (.medium, "2026-11-23T15:00:00Z"), (.low, "2026-11-24T15:00:00Z"),
        ] {
            let alert = try #require(try alerts([finding("a", priority, "x")]).first)
            #expect(alert.respondBy.text == deadline)
        }
    }

    @Test("a patient still on the ward: respond_by is never after the expected discharge, when that is ahead")
    func expectedDischargeCaps() throws {
        let soon = try admission(expectedDischarge: "2026-11-22T12:00:00-05:00")  // 17:00Z, within high's 8 h
        let built = AlertBuilder().alerts(
            for: soon, findings: [finding("a", .high, "x")], rulesVersion: "v", now: Self.now)
        #expect(built.first?.respondBy.text == "2026-11-22T17:00:00Z")
        let past = try admission(expectedDischarge: "2026-11-22T08:00:00-05:00")  // already past: no cap
        #expect(
            AlertBuilder().alerts(for: past, findings: [finding("a", .high, "x")], rulesVersion: "v", now: Self.now)
                .first?.respondBy.text == "2026-11-22T23:00:00Z")
    }

    @Test("service levels are configurable per event type; a priority not listed for it falls back")
    func perEventTypeLevels() throws {
        var levels = ServiceLevels.defaults
        levels.byEventType[.admission] = [.high: 3600]
        #expect(levels.window(for: .high, after: .admission) == 3600)
        #expect(levels.window(for: .medium, after: .admission) == 86_400)
        #expect(levels.window(for: .high, after: .transfer) == 28_800)
        #expect(levels.window(for: .high, after: .discharge) == 14_400)
    }

    @Test("the alert carries where to go: patient, encounter, facility, unit")
    func whereToGo() throws {
        let alert = try #require(try alerts([finding("a", .low, "x")]).first)
        #expect(alert.patientID == "S-9")
        #expect(alert.encounterID == "E-9")
        #expect(alert.facilityID == "NORTH")
        #expect(alert.unit == "4W")
        #expect(alert.status == .open)
        #expect(alert.rulesVersion == "sha256:x")
    }

    @Test("alert ids depend on the event and the referral only")
    func alertIDs() {
        #expect(Alert.id(eventID: "T-9", referral: "x") == Alert.id(eventID: "T-9", referral: "x"))
        #expect(Alert.id(eventID: "T-9", referral: "x") != Alert.id(eventID: "T-9", referral: "y"))
        #expect(Alert.id(eventID: "T-9", referral: "x") != Alert.id(eventID: "T-10", referral: "x"))
        #expect(Alert.id(eventID: "T-9", referral: "x").count == 27)
    }

    @Test("the summary is the top reason, with a count of the others, never over 140 characters or one line")
    func summaries() throws {
        let short = try #require(
            try alerts([finding("a", .high, "x", reason: "LACE 14 ≥ 10"), finding("b", .low, "x")]).first)
        #expect(short.summary == "LACE 14 ≥ 10 (+1 more)")
        let long = String(repeating: "long reason ", count: 20)
        let titled = try #require(try alerts([finding("a", .high, "x", reason: long)]).first)
        #expect(titled.summary == "Title of a")
        let hostile = try #require(try alerts([finding("a", .high, "x", reason: "line one\nline two")]).first)
        #expect(hostile.summary == "line one line two")
        for alert in [short, titled, hostile] { #expect(alert.summary.count <= 140) }
    }

    @Test("the JSON record holds every field of the contract, in order")
    func json() throws {
        let alert = try #require(try alerts([finding("a", .high, "x")]).first)
        guard case .object(let members) = alert.json else {
            Issue.record("not an object")
            return
        }
        #expect(
            members.map(\.key) == [
                "alert_id", "created_at", "event_id", "event_type", "occurred_at", "patient_id", "encounter_id",
                "facility_id", "unit", "priority", "respond_by", "referral", "summary", "findings", "rules_version",
                "status",
            ])
        #expect(alert.json.serialized.contains("\"findings\":[{\"rule_id\":\"a\""))
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("matches the FIPS 180-4 test vectors")
    func vectors() {
        #expect(SHA256Digest.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Digest.hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("alert ids and rule-set versions recorded before keep their values")
    func recordedValues() throws {
        // Computed with the hand-written SHA-256 this replaced (and Python's hashlib).
        #expect(Alert.id(eventID: "E-1", referral: "caregiver-support") == "rs-4907759a7f77a32798822425")
        #expect(Alert.id(eventID: "E-1", referral: "caregiver-support", generation: 2) == "rs-a6e0a445177190fbcbc9538f")
        let rules = """
            rules:
              - id: pin.one
                title: A rule whose file digest is pinned
                category: social-needs
                when: event_type == "admission"
                priority: low
                referral: social-needs
                reason: "pinned"

            """
        let loaded = RuleSetLoader().load(sources: [(name: "rules/one.yaml", bytes: Array(rules.utf8))])
        #expect(
            try #require(loaded.ruleSet).version
                == "sha256:6e369a0526442c5c6a6b0088b9f3b69c3957ebecd2f0d28feff373af932f13e5")
    }

    @Test("bytes fed in pieces of any size give the digest of the whole, at every padding length")
    func pieces() {
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var whole = SHA256Digest()
            whole.update(bytes)
            let expected = whole.hexDigest()
            for size in [1, 3, 63, 64, 65, 200] {
                var digest = SHA256Digest()
                var offset = 0
                while offset < bytes.count {
                    digest.update(bytes[offset..<min(offset + size, bytes.count)])
                    offset += size
                }
                #expect(digest.hexDigest() == expected, "length \(length), pieces of \(size)")
            }
            // A sequence without contiguous storage takes the same path.
            var lazy = SHA256Digest()
            lazy.update(bytes.lazy.map { $0 })
            #expect(lazy.hexDigest() == expected)
        }
    }
}

@Suite("JSON output")
struct JSONWriterTests {
    @Test("strings are escaped so one record stays on one line")
    func escaping() {
        let value: JSONValue = .object([JSONMember(key: "a\"b", value: .string("line\nnext\u{0}\t\u{2028}é"))])
        #expect(value.serialized == #"{"a\"b":"line\nnext\u0000\t\u2028é"}"#)
    }

    @Test("numbers print as integers when whole")
    func numbers() {
        #expect(
            JSONValue.array([.number(3), .number(11.4), .number(-0.5), .number(1e20)]).serialized
                == "[3,11.4,-0.5,1e+20]")
    }

    @Test("what is written reads back the same")
    func roundTrip() throws {
        let value: JSONValue = .object([
            JSONMember(key: "x", value: .array([.null, .bool(true), .number(12.25), .string("é\n")]))
        ])
        let text = value.serialized
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((parsed?["x"] as? [Any])?.count == 4)
    }
}

@Suite("Routing referrals by facility and unit")
struct ReferralRoutingUnitTests {
    /// An event at `facility` (sent by the source, the encounter silent) and `unit`.
    private func event(facility: String?, unit: String?) throws -> Event {
        let source = facility.map { #","source":{"facility_id":"\#($0)"}"# } ?? ""
        let unitField = unit.map { #","unit":"\#($0)""# } ?? ""
        let text =
            #"{"schema_version":1,"event_id":"R-1","event_type":"admission","occurred_at":"2026-11-22T10:00:00-05:00"\#(source),"patient":{"id":"S-1"},"encounter":{"id":"E-1","admitted_at":"2026-11-22T09:00:00-05:00"\#(unitField)}}"#
        return try EventDecoder().decode(Array(text.utf8))
    }

    let routing = ReferralRouting([
        ReferralTarget(
            id: "social-needs", name: "Social needs",
            routes: [
                ReferralRoute(facilities: ["NORTH"], units: ["4W"], to: "social-needs-north-4w"),
                ReferralRoute(facilities: ["NORTH"], to: "social-needs-north"),
                ReferralRoute(units: ["ED"], to: "social-needs-ed"),
            ]),
        ReferralTarget(id: "social-needs-north-4w", name: "4W"),
        ReferralTarget(id: "social-needs-north", name: "North"),
        ReferralTarget(id: "social-needs-ed", name: "ED"),
    ])

    @Test("the first route that applies decides; facility and unit must both hold where both are named")
    func firstThatApplies() throws {
        #expect(
            routing.referral("social-needs", for: try event(facility: "NORTH", unit: "4W")) == "social-needs-north-4w")
        #expect(routing.referral("social-needs", for: try event(facility: "NORTH", unit: "5W")) == "social-needs-north")
        #expect(routing.referral("social-needs", for: try event(facility: "SOUTH", unit: "ED")) == "social-needs-ed")
    }

    @Test(
        "no route applies, or the referral has none: the rule's referral stands; a missing unit matches no unit route")
    func standsOtherwise() throws {
        #expect(routing.referral("social-needs", for: try event(facility: "SOUTH", unit: "4W")) == "social-needs")
        #expect(routing.referral("social-needs", for: try event(facility: nil, unit: nil)) == "social-needs")
        #expect(routing.referral("safety", for: try event(facility: "NORTH", unit: "4W")) == "safety")
    }
}
