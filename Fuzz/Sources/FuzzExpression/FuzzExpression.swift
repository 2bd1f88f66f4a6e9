import Events
import FuzzSupport
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
    FuzzSupport.exercise(result)
    return 0
}

@_cdecl("FuzzExpression_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv) { data, size in fuzzExpression(data, size) }
}
