import Events
import Rules

/// Any bytes as a rule file: a rule set or diagnostics (every error located); a rule set that
/// loads must evaluate a valid event without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = RuleSetLoader().load(sources: [(name: "rules/fuzz.yaml", bytes: bytes)])
    if let ruleSet = result.ruleSet {
        let event = FuzzEvent.sample
        _ = ruleSet.evaluate(event, now: event.occurredAt).findings.map(\.reason)
        _ = ruleSet.explain(event, now: event.occurredAt)
    } else {
        precondition(result.diagnostics.contains { $0.severity == .error }, "refused without an error")
    }
    return 0
}

enum FuzzEvent {
    static let sample: Event = {
        let text = #"""
            {"schema_version":1,"event_id":"F-1","event_type":"discharge","occurred_at":"2026-11-22T10:00:00-05:00",
             "patient":{"id":"S-F1","birth_date":"1940-02-29"},
             "encounter":{"id":"E-F1","admitted_at":"2026-11-18T10:00:00-05:00","discharged_at":"2026-11-22T10:00:00-05:00","discharge_disposition":"home"},
             "diagnoses":[{"code":"I50.9","system":"icd10"},{"code":"E11.22","system":"icd10"}],"medications":[{"name":"x","status":"new","monthly_out_of_pocket_usd":600}],
             "labs":[{"loinc":"718-7","value":9.5}],"utilization":{"ed_visits_6mo":3},
             "social":{"lives_alone":true,"caregiver":{"status":"limited","age":80,"mcsi_items":[2,2,2,2,2,2,2,1,1,1,1,1,1]}},
             "functional":{"adl_dependencies":3},"extensions":{"site":{"flag":true}}}
            """#
        do {
            return try EventDecoder().decode(Array(text.utf8))
        } catch {
            fatalError("the fuzz event does not decode: \(error)")
        }
    }()
}

// SwiftPM links an executable with `main` bound to `FuzzRuleFile_main`; with -parse-as-library there is
// no Swift main, so this entry hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzRuleFile_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzRuleFile(data, size) }
}
