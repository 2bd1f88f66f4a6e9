import Events
import Feeds
import FuzzSupport

/// Any bytes as an HL7 v2 file: reading and mapping must give events, ignored messages or errors
/// that name a place — never crash, hang or run out of memory; a mapped event is then validated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHL7(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for item in FeedInput().hl7(bytes) {
        switch item.result {
        case .success(.event(let json)):
            do {
                _ = try json.decoded().derived.lengthOfStayDays
            } catch {
                precondition(!error.errors.isEmpty, "an invalid event without an error")
            }
        case .success(.ignored(let reason)):
            precondition(!reason.isEmpty, "ignored without a reason")
        case .failure(let invalid):
            precondition(!invalid.errors.isEmpty, "a refused message without an error")
            for problem in invalid.errors { precondition(!problem.path.isEmpty, "an error without a place") }
        }
    }
    return 0
}

@_cdecl("FuzzHL7_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv) { data, size in fuzzHL7(data, size) }
}
