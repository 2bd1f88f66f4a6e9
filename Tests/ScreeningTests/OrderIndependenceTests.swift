import Alerts
import Events
import Foundation
import Rules
import Screening
import TestSupport
import Testing

/// Random multi-patient histories: stays with admissions, transfers, updates and discharges;
/// readmissions 1 to 45 days after a discharge (inside and outside every window); cancelled
/// admissions and cancelled discharges (some followed by the real discharge).
enum HistoryMaker {
    static func history(seed: UInt64) throws -> [Event] {
        var random = SplitMix(seed: seed)
        var events: [Event] = []
        for patientIndex in 0..<Int.random(in: 1...3, using: &random) {
            let patient = "S-\(seed)-\(patientIndex)"
            var minute = Int.random(in: 0..<600, using: &random)
            for stay in 0..<Int.random(in: 1...4, using: &random) {
                let encounter = "E-\(patientIndex)-\(stay)"
                var count = 0
                func make(
                    _ type: EventType, at time: Int, admitted: Int, discharged: Int? = nil
                ) throws -> Event {
                    count += 1
                    return try ScreeningFixture.event(
                        "P\(patientIndex)-S\(stay)-\(count)", type, patient: patient, encounter: encounter, at: time,
                        admitted: admitted, discharged: discharged, strain: Int.random(in: 0...2, using: &random),
                        risk: Int.random(in: 0...1, using: &random), social: Bool.random(using: &random))
                }
                let admitted = minute
                let length = Int.random(in: 2...6, using: &random) * 1440 + Int.random(in: 0..<600, using: &random)
                var discharged = admitted + length
                events.append(try make(.admission, at: admitted, admitted: admitted))
                if Bool.random(using: &random) {
                    events.append(try make(.transfer, at: admitted + 1440 + 7, admitted: admitted))
                }
                if Bool.random(using: &random) {
                    events.append(try make(.update, at: admitted + 2 * 1440 - 13, admitted: admitted))
                }
                if Int.random(in: 0..<6, using: &random) == 0 {
                    // Registered in error: cancelled before the discharge; half the time the stay ends there.
                    events.append(try make(.cancelAdmission, at: admitted + 1440 + 300, admitted: admitted))
                    if Bool.random(using: &random) {
                        minute = admitted + 1440 * Int.random(in: 2...10, using: &random)
                        continue
                    }
                }
                events.append(try make(.discharge, at: discharged, admitted: admitted, discharged: discharged))
                if Int.random(in: 0..<5, using: &random) == 0 {
                    events.append(try make(.cancelDischarge, at: discharged + 90, admitted: admitted))
                    if Bool.random(using: &random) {
                        discharged += 1440
                        events.append(try make(.discharge, at: discharged, admitted: admitted, discharged: discharged))
                    }
                }
                minute = discharged + 1440 * [1, 4, 8, 20, 45].randomElement(using: &random)! + 37
            }
        }
        return events
    }
}

@Suite("Order independence: what the team is told does not depend on the order events arrive in")
struct OrderIndependenceTests {
    static let histories = 40
    static let orders = 25

    private func screener() throws -> Screener {
        var screener = Screener(
            ruleSet: try ScreeningFixture.ruleSet(), policy: AlertPolicy(staleAfter: 60 * 86_400))
        screener.explainsAlerts = false
        return screener
    }

    @Test(
        "for each patient and rule, the findings covered by an open alert and the highest open priority are the same in order and shuffled",
        arguments: 0..<histories)
    func shuffledHistories(seed: Int) throws {
        let events = try HistoryMaker.history(seed: UInt64(seed))
        let sorted = events.sorted { ($0.occurredAt, $0.eventID) < ($1.occurredAt, $1.eventID) }
        let now = try #require(sorted.last).occurredAt.adding(seconds: 86_400)
        let screener = try screener()
        var inOrder = ScreeningRun(screener: screener, now: now)
        for event in sorted { inOrder.step(event) }
        let expected = inOrder.coverage
        #expect(!expected.isEmpty)
        #expect(inOrder.breaches.isEmpty, "seed \(seed), in order: \(inOrder.breaches)")

        var random = SplitMix(seed: UInt64(10_000 + seed))
        for order in 0..<Self.orders {
            var arrival = events.shuffled(using: &random)
            if order % 2 == 1 {
                // As the daemon takes a backlog: in groups, each group decided in occurred_at order.
                var grouped: [Event] = []
                while !arrival.isEmpty {
                    let size = min(arrival.count, Int.random(in: 1...6, using: &random))
                    grouped += arrival.prefix(size).sorted { ($0.occurredAt, $0.eventID) < ($1.occurredAt, $1.eventID) }
                    arrival.removeFirst(size)
                }
                arrival = grouped
            }
            var run = ScreeningRun(screener: screener, now: now)
            for event in arrival { run.step(event) }
            #expect(run.breaches.isEmpty, "seed \(seed), order \(order): \(run.breaches)")
            let actual = run.coverage
            let differing = Set(expected.keys).union(actual.keys).filter { expected[$0] != actual[$0] }.sorted()
            #expect(
                differing.isEmpty,
                """
                seed \(seed), order \(order) (\(arrival.map(\.eventID).joined(separator: " "))):
                \(differing.map { "\($0): in order \(expected[$0]?.description ?? "none"), shuffled \(actual[$0]?.description ?? "none")" }.joined(separator: "\n"))
                """)
        }
    }
}
