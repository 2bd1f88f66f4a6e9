import Alerts
import Benchmark
import Events
import Feeds
import Foundation
import Rules

/// Where the repository's files are, from this file's place.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

private func bytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: root.appendingPathComponent(path)))) ?? []
}

private func decode(_ path: String) -> Event? { try? EventDecoder().decode(bytes(path)) }

/// The reference event grown to about 20 KB: its diagnoses, medications and labs repeated.
private func largeEvent(from reference: [UInt8]) -> [UInt8] {
    guard case .object(let original)? = JSONValue.parse(reference) else { return reference }
    for copies in 2...100 {
        let members = original.map { member -> JSONMember in
            guard ["diagnoses", "medications", "labs"].contains(member.key), case .array(let items) = member.value
            else { return member }
            return JSONMember(key: member.key, value: .array(Array(repeating: items, count: copies).flatMap { $0 }))
        }
        let text = JSONValue.object(members).serialized
        if text.utf8.count >= 20_000 { return Array(text.utf8) }
    }
    return reference
}

/// A rule set of `count` rules in files of 100, each rule a different threshold on fields, lists
/// and the shipped scores' kind of expressions: what a large site's rule directory might hold.
private func generatedRules(_ count: Int) -> [(name: String, bytes: [UInt8])] {
    var files: [(name: String, bytes: [UInt8])] = []
    var index = 0
    while index < count {
        var text = """
            lists:
              heart_failure_\(index): { codes: ["I50", "I11.0", "I13.0"] }
              units_\(index): ["4W", "5E", "6N", "ICU"]
            rules:

            """
        for rule in index..<min(index + 100, count) {
            let referrals = [
                "discharge-planning", "caregiver-support", "social-needs", "pharmacy-financial-counseling",
            ]
            text += """
                  - id: generated.rule-\(rule)
                    title: Generated rule \(rule)
                    category: generated
                    events: [\(rule % 2 == 0 ? "discharge" : "admission, transfer")]
                    params: { threshold: \(rule % 40 + 1) }
                    when: (age >= 60 + param.threshold / 2 and any(diagnoses, code in heart_failure_\(index))) or (length_of_stay > param.threshold and encounter.unit in units_\(index)) or count(medications, monthly_out_of_pocket_usd >= param.threshold * 10) >= 2
                    escalate:
                      - when: social.lives_alone and functional.adl_dependencies >= 2
                        priority: high
                    priority: medium
                    referral: \(referrals[rule % referrals.count])
                    reason: "Rule \(rule): age {age}, stay {length_of_stay} d, unit {encounter.unit}"

                """
        }
        files.append((name: "generated/rules-\(index / 100).yaml", bytes: Array(text.utf8)))
        index += 100
    }
    return files
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 100,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 200_000
    )

    guard let ruleSet = RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]).ruleSet else {
        fatalError("the shipped rules do not load; run `riskscreen check rules`")
    }
    let now = Timestamp(secondsSinceEpoch: 1_795_400_000)
    let referenceBytes = bytes("../shared/data/reference-event.json")
    let samples: [(String, String)] = [
        ("reference event", "../shared/data/reference-event.json"),
        ("sample 02 (LACE high)", "samples/02-discharge-long-emergency-stay-comorbid.json"),
        ("sample 13 (calm)", "samples/13-discharge-low-risk-elective.json"),
    ]

    // The figure the rule-language issue asks for: the shipped rule set on an already-decoded event.
    for (label, path) in samples {
        guard let event = decode(path) else { continue }
        Benchmark("evaluate shipped rules, \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(ruleSet.evaluate(event, now: now))
            }
        }
    }

    // Every sample in turn: the time per iteration divided by their number is the mean per event.
    let sampleDirectory = root.appendingPathComponent("samples")
    let allSamples: [Event] =
        ((try? FileManager.default.contentsOfDirectory(atPath: sampleDirectory.path)) ?? []).sorted()
        .filter { $0.hasSuffix(".json") }.compactMap { decode("samples/" + $0) }
    Benchmark("evaluate shipped rules, all \(allSamples.count) samples in turn") { benchmark in
        for _ in benchmark.scaledIterations {
            for event in allSamples { blackHole(ruleSet.evaluate(event, now: now)) }
        }
    }

    let smallBytes = bytes("samples/19-registration-emergency-visit.json")
    let largeBytes = largeEvent(from: referenceBytes)
    for (label, input) in [
        ("a small event (sample 19, \(smallBytes.count) B)", smallBytes),
        ("reference event (\(referenceBytes.count) B)", referenceBytes),
        ("a large event (\(largeBytes.count) B)", largeBytes),
    ] {
        precondition((try? EventDecoder().decode(input)) != nil, "\(label) does not decode")
        Benchmark("decode+validate, \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? EventDecoder().decode(input))
            }
        }
    }

    // HL7 v2 against the contract: the same A03 read, mapped and validated, beside the contract
    // JSON it becomes decoded and validated — samples/hl7v2/a03-discharge.hl7 (1 KB), and the same
    // with 12 more diagnoses and 12 more lab results (3 KB, the issue's typical size).
    let site = FeedInput(timeZone: TimeZone(identifier: "America/New_York")!)
    let hl7 = bytes("samples/hl7v2/a03-discharge.hl7")
    let extra = (1...12).map {
        "DG1|\($0 + 2)|I10|E11.\($0)^Type 2 diabetes mellitus, complication \($0)^I10|||F\r"
            + "OBX|\($0 + 3)|NM|2160-0^Creatinine^LN||1.\($0)|mg/dL|||||F|||2026112406\($0 + 10)00-0500\r"
    }
    let hl7Large = hl7 + Array(extra.joined().utf8)
    for (label, input) in [("A03 1 KB", hl7), ("A03 3 KB", hl7Large)] {
        guard case .success(.event(let json))? = site.hl7(input).first?.result else {
            preconditionFailure("the benchmark's HL7 does not map")
        }
        let equivalent = json.bytes
        precondition((try? EventDecoder().decode(equivalent)) != nil, "the equivalent JSON does not decode")
        Benchmark("HL7 v2 read+map+validate, \(label) (\(input.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                for item in site.hl7(input) {
                    if case .success(.event(let json)) = item.result { blackHole(try? json.decoded()) }
                }
            }
        }
        Benchmark("decode+validate, the same \(label) as contract JSON (\(equivalent.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? EventDecoder().decode(equivalent)) }
        }
    }

    // FHIR R4 against the contract: a one-encounter bundle (samples/fhir/collection-discharge.json)
    // read, mapped and validated, beside the contract JSON it becomes.
    let bundle = bytes("samples/fhir/collection-discharge.json")
    guard case .success(.event(let bundleEvent)) = site.fhir(bundle).result else {
        preconditionFailure("the benchmark's FHIR bundle does not map")
    }
    Benchmark("FHIR R4 read+map+validate, one-encounter bundle (\(bundle.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            if case .success(.event(let contract)) = site.fhir(bundle).result { blackHole(try? contract.decoded()) }
        }
    }
    Benchmark("decode+validate, the same bundle as contract JSON (\(bundleEvent.bytes.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? EventDecoder().decode(bundleEvent.bytes)) }
    }

    Benchmark("decode+validate+evaluate, reference event") { benchmark in
        for _ in benchmark.scaledIterations {
            if let event = try? EventDecoder().decode(referenceBytes) {
                blackHole(ruleSet.evaluate(event, now: now))
            }
        }
    }

    Benchmark("decode+validate+evaluate+alerts, reference event") { benchmark in
        let builder = AlertBuilder()
        for _ in benchmark.scaledIterations {
            if let event = try? EventDecoder().decode(referenceBytes) {
                let evaluation = ruleSet.evaluate(event, now: now)
                blackHole(builder.alerts(for: event, evaluation: evaluation, rulesVersion: ruleSet.version, now: now))
            }
        }
    }

    let thousand = generatedRules(1000)
    precondition(RuleSetLoader().load(sources: thousand).ruleSet != nil, "the generated rules do not load")
    Benchmark(
        "load and check 1,000 generated rules (10 files)",
        configuration: .init(maxDuration: .seconds(5), maxIterations: 20)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RuleSetLoader().load(sources: thousand))
        }
    }

    Benchmark("load and check the shipped rules", configuration: .init(maxDuration: .seconds(3), maxIterations: 200)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]))
        }
    }
}
