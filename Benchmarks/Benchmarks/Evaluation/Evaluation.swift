import Alerts
import Benchmark
import Events
import Foundation
import Rules

/// Where the repository's files are, from this file's place.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

private func bytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: root.appendingPathComponent(path)))) ?? []
}

private func decode(_ path: String) -> Event? { try? EventDecoder().decode(bytes(path)) }

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

    Benchmark("decode+validate, reference event") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? EventDecoder().decode(referenceBytes))
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

    Benchmark("load and check the shipped rules", configuration: .init(maxDuration: .seconds(3), maxIterations: 200)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]))
        }
    }
}
