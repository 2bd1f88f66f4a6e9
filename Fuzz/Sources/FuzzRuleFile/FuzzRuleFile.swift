import Events
import FuzzSupport
import Rules

/// Any bytes as a rule file: a rule set or diagnostics (every error located); a rule set that
/// loads must evaluate a valid event without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = RuleSetLoader().load(sources: [(name: "rules/fuzz.yaml", bytes: bytes)])
    FuzzSupport.exercise(result)
    return 0
}

@_cdecl("FuzzRuleFile_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv) { data, size in fuzzRuleFile(data, size) }
}
