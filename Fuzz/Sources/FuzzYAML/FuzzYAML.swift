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

// SwiftPM links an executable with `main` bound to `FuzzYAML_main`; with -parse-as-library there is
// no Swift main, so this entry hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzYAML_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzYAML(data, size) }
}
