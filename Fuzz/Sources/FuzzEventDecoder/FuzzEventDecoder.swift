import Events

/// Any bytes: decoding must return an event or errors, never crash, hang or run out of memory; a
/// decoded event must serialise its extensions; the errors must name a path.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let event = try EventDecoder().decode(bytes)
        _ = event.extensions?.serialized
        _ = event.derived.lengthOfStayDays
    } catch {
        precondition(!error.errors.isEmpty, "an invalid event without an error")
        for problem in error.errors { precondition(problem.path.hasPrefix("$"), "an error without a path") }
    }
    // The same bytes through the JSON value API must agree on validity of the JSON itself.
    _ = JSONValue.parse(bytes)?.serialized
    return 0
}

// SwiftPM links an executable with `main` bound to `FuzzEventDecoder_main`; with -parse-as-library there is
// no Swift main, so this entry hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzEventDecoder_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzEventDecoder(data, size) }
}
