import Events
import Foundation
import Rules

// A plain loop for profilers (perf, callgrind): evaluate the shipped rules on one event N times.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : "../shared/data/reference-event.json"
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000
guard let ruleSet = RuleSetLoader().load(paths: [root.appendingPathComponent("rules").path]).ruleSet,
    let data = try? Data(contentsOf: root.appendingPathComponent(path)),
    let event = try? EventDecoder().decode([UInt8](data))
else { fatalError("cannot load rules or event") }
let now = Timestamp(secondsSinceEpoch: 1_795_400_000)
var findings = 0
let start = DispatchTime.now().uptimeNanoseconds
for _ in 0..<iterations { findings &+= ruleSet.evaluate(event, now: now).findings.count }
let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(iterations)
print("\(iterations) evaluations, \(String(format: "%.2f", elapsed)) µs each (mean), \(findings) findings")
