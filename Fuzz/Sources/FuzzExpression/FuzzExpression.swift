import Events
import Rules

/// Any text as a rule's condition (and as its reason template): compiled or refused with a
/// located error; a compiled condition must evaluate and explain without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // As a YAML double-quoted scalar: every character escaped, so the input is the expression.
    var quoted = "\""
    for scalar in text.unicodeScalars {
        quoted +=
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\"
            ? String(scalar)
            : "\\U" + String(repeating: "0", count: 8 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
    }
    quoted += "\""
    let file = """
        lists:
          units: ["4W", "5E"]
          heart: { codes: [I50*, I11.0] }
        rules:
          - id: fuzz
            title: Fuzz
            category: fuzz
            when: \(quoted)
            priority: high
            referral: x
            reason: \(quoted)
        """
    let result = RuleSetLoader().load(sources: [(name: "rules/fuzz.yaml", bytes: Array(file.utf8))])
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
             "encounter":{"id":"E-F1","unit":"4W","admitted_at":"2026-11-18T10:00:00-05:00","discharged_at":"2026-11-22T10:00:00-05:00"},
             "diagnoses":[{"code":"I50.9","system":"icd10"}],"medications":[{"name":"x","status":"new","monthly_out_of_pocket_usd":600}],
             "labs":[{"loinc":"718-7","value":9.5}],"social":{"lives_alone":true},"functional":{"adl_dependencies":3}}
            """#
        do {
            return try EventDecoder().decode(Array(text.utf8))
        } catch {
            fatalError("the fuzz event does not decode: \(error)")
        }
    }()
}

// SwiftPM links an executable with `main` bound to `FuzzExpression_main`; with -parse-as-library there is
// no Swift main, so this entry hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzExpression_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzExpression(data, size) }
}
