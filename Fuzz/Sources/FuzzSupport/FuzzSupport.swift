public import Events
public import Rules

/// What every fuzz target shares: the hand-over to libFuzzer's driver, and a valid event to
/// evaluate rules on.
public enum FuzzSupport {
    /// Runs libFuzzer's driver with the process's command line and `test` as the target.
    ///
    /// SwiftPM links an executable with `main` bound to `TARGET_main`; with `-parse-as-library`
    /// there is no Swift main, so each target's `TARGET_main` calls this.
    public static func run(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
        _ test: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return runFuzzerDriver(&count, &arguments, test)
    }

    /// A loaded rule set evaluated and explained on ``event``; a refused one must say why.
    public static func exercise(_ result: RuleSetLoader.Result) {
        if let ruleSet = result.ruleSet {
            _ = ruleSet.evaluate(event, now: event.occurredAt).findings.map(\.reason)
            _ = ruleSet.explain(event, now: event.occurredAt)
        } else {
            precondition(result.diagnostics.contains { $0.severity == .error }, "refused without an error")
        }
    }

    /// A valid discharge with something for most rules to read.
    public static let event: Event = {
        let text = #"""
            {"schema_version":1,"event_id":"F-1","event_type":"discharge","occurred_at":"2026-11-22T10:00:00-05:00",
             "patient":{"id":"S-F1","birth_date":"1940-02-29"},
             "encounter":{"id":"E-F1","unit":"4W","admitted_at":"2026-11-18T10:00:00-05:00","discharged_at":"2026-11-22T10:00:00-05:00","discharge_disposition":"home"},
             "diagnoses":[{"code":"I50.9","system":"icd10"},{"code":"E11.22","system":"icd10"}],
             "medications":[{"name":"x","status":"new","monthly_out_of_pocket_usd":600}],
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

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt
