import Alerts
import Events
import Foundation
import Rules
import State
import TestSupport
import Testing

/// A feed's worth of events for many patients, built to meet the shipped rules: caregiver strain
/// that rises and falls (medium, escalations to high), homelessness at discharge (critical),
/// readmissions 3 to 60 days after a discharge (the bounce-back rule, inside and outside its
/// window), cancelled admissions and cancelled discharges.
enum FeedMaker {
    struct Item {
        var id: String
        var occurredAt: Timestamp
        var patient: String
        var text: String
    }

    static func feed(patients: Int, seed: UInt64) -> [Item] {
        var random = SplitMix(seed: seed)
        var items: [Item] = []
        let start = RiskScreenProcess.now.adding(seconds: -200 * 86_400)
        for index in 0..<patients {
            let patient = "S-ORD-\(index)"
            var minute = Int.random(in: 0..<1440, using: &random)
            var stay = 0
            while items.filter({ $0.patient == patient }).count < 10 {
                stay += 1
                let encounter = "E-ORD-\(index)-\(stay)"
                var count = 0
                func add(_ type: String, at time: Int, admitted: Int, discharged: Int? = nil, homeless: Bool = false) {
                    count += 1
                    let id = "ORD-\(index)-\(stay)-\(count)"
                    let occurred = start.adding(seconds: Double(time) * 60)
                    let mcsi = [0, 14, 14, 21].randomElement(using: &random)!
                    var items13 = Array(repeating: 0, count: 13)
                    for item in 0..<mcsi { items13[item % 13] += 1 }
                    var encounterJSON =
                        #""id":"\#(encounter)","class":"inpatient","admission_type":"emergency","admitted_at":"\#(start.adding(seconds: Double(admitted) * 60).text)","unit":"4W""#
                    if let discharged {
                        encounterJSON +=
                            #","discharged_at":"\#(start.adding(seconds: Double(discharged) * 60).text)","discharge_disposition":"home""#
                    }
                    let text = #"""
                        {"schema_version":1,"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(occurred.text)",
                         "patient":{"id":"\#(patient)","birth_date":"1950-03-01"},
                         "encounter":{\#(encounterJSON)},
                         "social":{"housing":"\#(homeless ? "homeless" : "stable")",
                                   "caregiver":{"status":"available","relationship":"son","age":60,"mcsi_items":\#(items13)}}}
                        """#
                    items.append(Item(id: id, occurredAt: occurred, patient: patient, text: text))
                }
                let admitted = minute
                let discharged = admitted + Int.random(in: 2...5, using: &random) * 1440 + 60
                add("admission", at: admitted, admitted: admitted)
                if Bool.random(using: &random) { add("transfer", at: admitted + 1500, admitted: admitted) }
                if Bool.random(using: &random) { add("update", at: admitted + 2000, admitted: admitted) }
                if Int.random(in: 0..<6, using: &random) == 0 {
                    add("cancel_admission", at: admitted + 1700, admitted: admitted)
                    minute = admitted + 3 * 1440
                    continue
                }
                let homeless = Int.random(in: 0..<4, using: &random) == 0
                add("discharge", at: discharged, admitted: admitted, discharged: discharged, homeless: homeless)
                if Int.random(in: 0..<6, using: &random) == 0 {
                    add("cancel_discharge", at: discharged + 90, admitted: admitted)
                }
                minute = discharged + 1440 * [3, 9, 25, 60].randomElement(using: &random)!
            }
        }
        return items
    }

}

@Suite("Order independence through the real daemon", .serialized)
struct OrderIndependenceIntegrationTests {
    /// Per patient and rule: the events whose finding an open alert covers, and the highest priority.
    private func coverage(home: String, patients: Set<String>) throws -> [String: String] {
        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        var result: [String: (Set<String>, Priority)] = [:]
        for patient in patients {
            let state = try store.patientState(patient)
            let active = Set(state.alerts.filter(\.isActive).map(\.alertID))
            for finding in state.findings {
                guard let id = finding.alertID, active.contains(id) else { continue }
                let key = patient + " " + finding.ruleID
                var entry = result[key] ?? ([], finding.priority)
                entry.0.insert(finding.eventID)
                entry.1 = max(entry.1, finding.priority)
                result[key] = entry
            }
        }
        return result.mapValues { "\($0.0.sorted()) at \($0.1.rawValue)" }
    }

    private func home(_ directory: TemporaryDirectory, _ name: String) throws -> (home: String, config: String) {
        let home = directory.path + "/" + name
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // The feed spans 200 days; none of it is stale here.
        let config = directory.path + "/" + name + ".yaml"
        try "stale_after: 3650d\n".write(toFile: config, atomically: true, encoding: .utf8)
        return (home, config)
    }

    @Test(
        "over 500 events in order, as one shuffled backlog, and shuffled into a running daemon in batches: the same findings covered, the same highest priorities"
    )
    func sameQueues() throws {
        let feed = FeedMaker.feed(patients: 52, seed: 2026)
        #expect(feed.count >= 500)
        let patients = Set(feed.map(\.patient))
        let directory = try TemporaryDirectory()

        // In order: one backlog whose files are listed in the order the events happened.
        let (ordered, orderedConfig) = try home(directory, "ordered")
        try backlog(feed.sorted(by: { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }), in: ordered)
        let first = try RiskScreenProcess.run([
            "run", "--once", "--home", ordered, "--config", orderedConfig, "--minimum-age", "0",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("\(feed.count) processed"), "\(first.stdout)")
        let expected = try coverage(home: ordered, patients: patients)
        #expect(expected.keys.contains { $0.hasSuffix("readmission.bounce-back-30d") })
        #expect(expected.keys.contains { $0.hasSuffix("discharge-safety.homeless-at-discharge") })
        #expect(expected.values.contains { $0.hasSuffix("at high") })

        // One backlog in a shuffled order: groups of 100 in random order across groups.
        var random = SplitMix(seed: 7)
        let (shuffled, shuffledConfig) = try home(directory, "backlog")
        try backlog(feed.shuffled(using: &random), in: shuffled)
        let second = try RiskScreenProcess.run([
            "run", "--once", "--home", shuffled, "--config", shuffledConfig, "--minimum-age", "0",
        ])
        #expect(second.status == 0, "\(second.stderr)")
        let fromBacklog = try coverage(home: shuffled, patients: patients)
        #expect(fromBacklog == expected, "\(difference(expected, fromBacklog))")

        // A running daemon fed in shuffled batches, each taken before the next arrives.
        let (live, liveConfig) = try home(directory, "live")
        let daemon = try RunningDaemon(
            home: live, rules: RiskScreenProcess.packageRoot.appendingPathComponent("rules").path,
            extra: ["--config", liveConfig])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        let arrivals = feed.shuffled(using: &random)
        var dropped = 0
        for batch in stride(from: 0, to: arrivals.count, by: 40) {
            for item in arrivals[batch..<min(batch + 40, arrivals.count)] {
                let staging = live + "/\(item.id).staging"
                try item.text.write(toFile: staging, atomically: false, encoding: .utf8)
                #expect(rename(staging, live + "/inbox/\(item.id).json") == 0)
                dropped += 1
            }
            #expect(daemon.wait(seconds: 30) { archived(live) == dropped }, "\(daemon.log.suffix(2000))")
        }
        #expect(daemon.stop().status == 0)
        let fromLive = try coverage(home: live, patients: patients)
        #expect(fromLive == expected, "\(difference(expected, fromLive))")
    }

    /// Writes `items` into the home's inbox as a backlog the daemon lists in this order (modification
    /// times one second apart).
    private func backlog(_ items: [FeedMaker.Item], in home: String) throws {
        for (position, item) in items.enumerated() {
            let path = home + "/inbox/\(item.id).json"
            try item.text.write(toFile: path, atomically: false, encoding: .utf8)
            let time = timeval(tv_sec: 1_700_000_000 + position, tv_usec: 0)
            var times = [time, time]
            #expect(utimes(path, &times) == 0)
        }
    }

    private func archived(_ home: String) -> Int {
        let days = (try? FileManager.default.contentsOfDirectory(atPath: home + "/archive")) ?? []
        return days.reduce(0) {
            $0 + ((try? FileManager.default.contentsOfDirectory(atPath: home + "/archive/" + $1))?.count ?? 0)
        }
    }

    private func difference(_ a: [String: String], _ b: [String: String]) -> String {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted().prefix(10).map {
            "\($0): in order \(a[$0] ?? "none"), here \(b[$0] ?? "none")"
        }.joined(separator: "\n")
    }
}
