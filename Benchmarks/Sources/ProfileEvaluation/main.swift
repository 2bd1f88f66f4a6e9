import Events
import Feeds
import Foundation
import Rules

// A plain loop for profilers (perf, callgrind), not a benchmark:
//   ProfileEvaluation [evaluate|decode|parse|pipeline] [EVENT.json] [N]
//   ProfileEvaluation hl7 MESSAGE.hl7 [N]   (read, map and validate an HL7 v2 file N times)
//   ProfileEvaluation fhir BUNDLE.json [N]  (the same for a FHIR bundle)
//   ProfileEvaluation attempt FILE [N]      (the event decoder on any JSON, valid event or not)
// evaluate: the shipped rules on one decoded event N times (the default);
// decode: decode and validate the file N times; parse: only the JSON reader (JSONValue.parse);
// pipeline: decode + evaluate.
// --batches B: B rounds of N iterations, printing the median of the rounds' means (and
// `median_ns=` for scripts/bench-compare); a relative path is taken from the package root.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
var arguments = Array(CommandLine.arguments.dropFirst())
let modes = ["evaluate", "decode", "parse", "pipeline", "hl7", "fhir", "attempt"]
let mode = arguments.first.flatMap { modes.contains($0) ? $0 : nil } ?? "evaluate"
if arguments.first == mode { arguments.removeFirst() }
var batches = 1
if let flag = arguments.firstIndex(of: "--batches"), flag + 1 < arguments.count {
    batches = max(1, Int(arguments[flag + 1]) ?? 1)
    arguments.removeSubrange(flag...(flag + 1))
}
let path = arguments.first ?? "../shared/data/reference-event.json"
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
guard let ruleSet = RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]).ruleSet,
    let data = try? Data(contentsOf: file)
else { fatalError("cannot load the rules or \(path)") }
// The event the other modes evaluate (an HL7 file is not one).
let event = ["hl7", "fhir", "attempt"].contains(mode) ? nil : try? EventDecoder().decode([UInt8](data))
if !["hl7", "fhir", "attempt"].contains(mode) && event == nil { fatalError("\(path) is not a valid event") }
let bytes = [UInt8](data)
let now = Timestamp(secondsSinceEpoch: 1_795_400_000)
var count = 0

/// One round: the mode's work `iterations` times.
@MainActor func round() {
    switch mode {
    case "decode":
        for _ in 0..<iterations { count &+= (try? EventDecoder().decode(bytes))?.diagnoses.count ?? 0 }
    case "hl7":
        let site = FeedInput(timeZone: TimeZone(identifier: "America/New_York")!)
        for _ in 0..<iterations {
            for item in site.hl7(bytes) {
                if case .success(.event(let contract)) = item.result, let event = try? contract.decoded() {
                    count &+= event.diagnoses.count
                }
            }
        }
    case "fhir":
        let site = FeedInput(timeZone: TimeZone(identifier: "America/New_York")!)
        for _ in 0..<iterations {
            if case .success(.event(let contract)) = site.fhir(bytes).result, let event = try? contract.decoded() {
                count &+= event.diagnoses.count
            }
        }
    case "attempt":
        // The decoder's reader and validator on any file, valid event or not (a FHIR bundle's parse).
        for _ in 0..<iterations { count &+= (try? EventDecoder().decode(bytes)) == nil ? 1 : 0 }
    case "parse":
        for _ in 0..<iterations { if JSONValue.parse(bytes) != nil { count &+= 1 } }
    case "pipeline":
        for _ in 0..<iterations {
            if let decoded = try? EventDecoder().decode(bytes) {
                count &+= ruleSet.evaluate(decoded, now: now).findings.count
            }
        }
    default:
        for _ in 0..<iterations { count &+= ruleSet.evaluate(event!, now: now).findings.count }
    }
}

var means: [Double] = []
for _ in 0..<batches {
    let start = DispatchTime.now().uptimeNanoseconds
    round()
    means.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
}
let sorted = means.sorted()
let median =
    sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
if batches == 1 {
    print("\(mode): \(iterations) iterations, \(String(format: "%.2f", median / 1e3)) µs each (mean), \(count)")
} else {
    print(
        "\(mode): \(batches) rounds of \(iterations) iterations, median \(String(format: "%.2f", median / 1e3)) µs each"
            + " (rounds \(String(format: "%.2f", sorted[0] / 1e3))–\(String(format: "%.2f", sorted[sorted.count - 1] / 1e3))),"
            + " \(count) median_ns=\(String(format: "%.1f", median))")
}
