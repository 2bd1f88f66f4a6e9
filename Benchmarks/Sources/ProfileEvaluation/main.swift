import Events
import Feeds
import Foundation
import Rules

// A plain loop for profilers (perf, callgrind), not a benchmark:
//   ProfileEvaluation [evaluate|decode|parse|pipeline] [EVENT.json] [N]
//   ProfileEvaluation hl7 MESSAGE.hl7 [N]   (read, map and validate an HL7 v2 file N times)
//   ProfileEvaluation fhir BUNDLE.json [N]  (the same for a FHIR bundle)
//   ProfileEvaluation fhir-map BUNDLE.json [N]  (only the mapping, on a bundle parsed once)
//   ProfileEvaluation attempt FILE [N]      (the event decoder on any JSON, valid event or not)
//   ProfileEvaluation feed-ratio FILE [N] --batches B  (an HL7 or FHIR file's read+map against the
//       decode+validate of the contract event it becomes, alternating in each round: the median
//       of each and of the rounds' ratios, steady on a noisy machine); --event EVENT.json decodes
//       that file instead (the same event written otherwise, e.g. indented as the feed file is:
//       it must decode to the event the mapping gives)
// evaluate: the shipped rules on one decoded event N times (the default);
// decode: decode and validate the file N times; parse: only the JSON reader (JSONValue.parse);
// pipeline: decode + evaluate.
// --batches B: B rounds of N iterations, printing the median of the rounds' means (and
// `median_ns=` for scripts/bench-compare); a relative path is taken from the package root.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
var arguments = Array(CommandLine.arguments.dropFirst())
let modes = ["evaluate", "decode", "parse", "pipeline", "hl7", "fhir", "fhir-map", "attempt", "feed-ratio"]
let mode = arguments.first.flatMap { modes.contains($0) ? $0 : nil } ?? "evaluate"
if arguments.first == mode { arguments.removeFirst() }
var batches = 1
if let flag = arguments.firstIndex(of: "--batches"), flag + 1 < arguments.count {
    batches = max(1, Int(arguments[flag + 1]) ?? 1)
    arguments.removeSubrange(flag...(flag + 1))
}
var eventPath: String?
if let flag = arguments.firstIndex(of: "--event"), flag + 1 < arguments.count {
    eventPath = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
let path = arguments.first ?? "../shared/data/reference-event.json"
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
guard let ruleSet = RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]).ruleSet,
    let data = try? Data(contentsOf: file)
else { fatalError("cannot load the rules or \(path)") }
// The event the other modes evaluate (an HL7 file is not one).
let feedModes = ["hl7", "fhir", "fhir-map", "attempt", "feed-ratio"]
let event = feedModes.contains(mode) ? nil : try? EventDecoder().decode([UInt8](data))
if !feedModes.contains(mode) && event == nil { fatalError("\(path) is not a valid event") }
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
    case "fhir-map":
        // The mapping alone, on a bundle parsed once.
        let site = FeedInput(timeZone: TimeZone(identifier: "America/New_York")!)
        guard let tape = JSONTape.parse(bytes) else { fatalError("\(path) is not JSON") }
        for _ in 0..<iterations {
            if case .success(.event(let contract)) = site.fhir(document: tape.root, bytes: bytes).result {
                count &+= contract.bytes.count
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

if mode == "feed-ratio" {
    // Read+map of the feed file (HL7 v2 by its extension, else FHIR), then the decode of the
    // contract event it maps to, in turn within each round.
    let site = FeedInput(timeZone: TimeZone(identifier: "America/New_York")!)
    let isHL7 = path.hasSuffix(".hl7")
    // As the daemon reads an inbox file: HL7 by name; JSON as a contract event first, a FHIR
    // resource when it is not one.
    func mapped() -> [UInt8]? {
        let item: FeedItem
        if isHL7 {
            let items = site.hl7(bytes)
            guard items.count == 1 else { return nil }
            item = items[0]
        } else {
            guard case .fhir(let document) = FeedInput.readJSON(bytes) else { return nil }
            item = site.fhir(document: document, bytes: bytes)
        }
        guard case .success(.event(let contract)) = item.result else { return nil }
        return contract.bytes
    }
    guard let mappedEvent = mapped() else { fatalError("\(path) does not map to one contract event") }
    var contract = mappedEvent
    if let eventPath {
        guard let data = FileManager.default.contents(atPath: eventPath) else { fatalError("cannot read \(eventPath)") }
        contract = [UInt8](data)
        guard (try? EventDecoder().decode(contract)) != nil, let given = JSONValue.parse(contract),
            given == JSONValue.parse(mappedEvent)
        else { fatalError("\(eventPath) is not the event \(path) maps to") }
    }
    func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
    }
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    var feed: [Double] = []
    var decode: [Double] = []
    for _ in 0..<batches {
        feed.append(time { for _ in 0..<iterations { count &+= mapped()?.count ?? 0 } })
        decode.append(
            time { for _ in 0..<iterations { count &+= (try? EventDecoder().decode(contract))?.diagnoses.count ?? 0 } })
    }
    let ratios = zip(feed, decode).map { $0 / $1 }
    print(
        "feed-ratio: \(batches) rounds of \(iterations); read+map \(String(format: "%.2f", median(feed) / 1e3)) µs"
            + " (\(bytes.count) bytes), decode+validate of its contract event \(String(format: "%.2f", median(decode) / 1e3)) µs"
            + " (\(contract.count) bytes); read+map / decode: median \(String(format: "%.2f", median(ratios)))×"
            + " (rounds \(String(format: "%.2f", ratios.min()!))–\(String(format: "%.2f", ratios.max()!))), \(count)")
    exit(0)
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
