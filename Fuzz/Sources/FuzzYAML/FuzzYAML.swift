import FuzzSupport
import YAMLDocument

/// Any bytes as YAML: a tree or a located error, within the alias budget and depth limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try YAMLParser(aliasExpansionBudget: 10_000, maximumDepth: 64).parse(bytes: bytes, file: "fuzz.yaml")
    } catch {
        precondition(error.mark.line >= 1 && error.mark.column >= 1, "an error without a place")
    }
    return 0
}

@_cdecl("FuzzYAML_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv) { data, size in fuzzYAML(data, size) }
}
