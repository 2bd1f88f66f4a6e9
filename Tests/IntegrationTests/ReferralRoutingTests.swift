import Foundation
import Testing

@Suite("Referral targets routed by facility and unit")
struct ReferralRoutingTests {
    static let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path

    /// The shipped five, with discharge planning on the medicine wards of NORTH as a team of its own.
    static func configuration(home: String, routes: String) -> String {
        """
        home: \(home)
        rules: [\(rules)]
        minimum_age: 0s
        sinks: [queue]
        referrals:
          - id: discharge-planning
            name: Discharge planning
            routes:
        \(routes)
          - id: discharge-planning-medicine
            name: Discharge planning, medicine wards
          - { id: caregiver-support, name: Caregiver support }
          - { id: pharmacy-financial-counseling, name: Pharmacy and financial counseling }
          - { id: social-needs, name: Social needs }
          - { id: safety, name: Safety }

        """
    }

    @Test("an alert for a patient on a routed unit goes to that unit's team, in the daemon and in eval --config alike")
    func routed() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        let file = directory.path + "/riskscreen.yaml"
        try Self.configuration(
            home: home, routes: "      - { facility: NORTH, unit: [5W, 6W], to: discharge-planning-medicine }"
        ).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try RiskScreenProcess.run(["check", "--config", file]).status == 0)

        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // Sample 08: discharged homeless from NORTH 5W; sample 10: admitted to NORTH OBS, a safety alert.
        for sample in ["08-discharge-homeless.json", "10-admission-positive-safety-screen.json"] {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        let run = try RiskScreenProcess.run(["run", "--once", "--config", file])
        #expect(run.status == 0, "\(run.stderr)")
        var referralsByEvent: [String: Set<String>] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: home + "/alerts") where name.hasSuffix(".json")
        {
            let alert = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/alerts/" + name)))
                    as? [String: Any])
            referralsByEvent[alert["unit"] as? String ?? "?", default: []].insert(alert["referral"] as? String ?? "?")
        }
        #expect(referralsByEvent["5W"]?.contains("discharge-planning-medicine") == true, "\(referralsByEvent)")
        #expect(referralsByEvent["5W"]?.contains("discharge-planning") == false, "\(referralsByEvent)")
        #expect(referralsByEvent["OBS"] == ["safety"], "\(referralsByEvent)")

        let list = try RiskScreenProcess.run(
            ["queue", "list", "--home", home, "--referral", "discharge-planning-medicine"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdoutLines.contains { $0.contains("discharge-planning-medicine") }, "\(list.stdout)")

        let sample = directory.path + "/08.json"
        try SampleEvents.write("08-discharge-homeless.json", to: sample)
        let eval = try RiskScreenProcess.run(["eval", "--config", file, "--rules", Self.rules, sample])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains(#""referral":"discharge-planning-medicine""#), "\(eval.stdout)")
        #expect(!eval.stdout.contains(#""referral":"discharge-planning""#), "\(eval.stdout)")
    }

    @Test(
        "check --config refuses a route to an unknown team (did you mean), to itself, into another routing, or to nowhere in particular"
    )
    func badRoutes() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/riskscreen.yaml"
        try Self.configuration(
            home: directory.path + "/home",
            routes: """
                      - { unit: 5W, to: discharge-planing-medicine }
                      - { unit: 6W, to: discharge-planning }
                      - { to: discharge-planning-medicine }
                      - { ward: 7W, unit: 7W, to: discharge-planning-medicine }
                """
        ).write(toFile: file, atomically: true, encoding: .utf8)
        let check = try RiskScreenProcess.run(["check", "--config", file])
        #expect(check.status == 1)
        let errors = check.stdoutLines.filter { $0.contains(": error: ") }.map {
            $0.replacingOccurrences(of: file + ":", with: "")
        }
        #expect(
            errors == [
                #"11:9: error: a route names a facility or a unit (or both): where it applies"#,
                #"12:11: error: unknown key "ward" in a route; expected one of facility, unit, to"#,
                #"9:25: error: a route goes to "discharge-planing-medicine", which is not a declared referral target (did you mean "discharge-planning-medicine"?); declare the team under referrals"#,
                #"10:25: error: the referral "discharge-planning" routes to itself"#,
            ], "\(check.stdout)")

        // A route into a target that routes again: routes are followed once, so it is refused.
        let chain = directory.path + "/chain.yaml"
        try Self.configuration(home: directory.path + "/home", routes: "      - { unit: 5W, to: safety }")
            .replacingOccurrences(
                of: "  - { id: safety, name: Safety }",
                with: "  - { id: safety, name: Safety, routes: [{ facility: SOUTH, to: social-needs }] }"
            ).write(toFile: chain, atomically: true, encoding: .utf8)
        let chained = try RiskScreenProcess.run(["check", "--config", chain])
        #expect(chained.status == 1)
        #expect(
            chained.stdout.contains(
                #"9:25: error: "safety" has routes of its own; a route goes to a team, not to another routing (routes are followed once)"#
            ), "\(chained.stdout)")
    }
}
