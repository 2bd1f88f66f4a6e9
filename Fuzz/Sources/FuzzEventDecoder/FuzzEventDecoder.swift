import Events
import Feeds
import FuzzSupport

/// Any bytes: decoding must return an event or errors, never crash, hang or run out of memory; a
/// decoded event must serialise its extensions; the errors must name a path; the daemon's reading
/// (`FeedInput.readJSON`) must agree with the decoder. The same bytes are read as a FHIR bundle too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decodedID: String?
    do {
        let event = try EventDecoder().decode(bytes)
        decodedID = event.eventID
        _ = event.extensions?.serialized
        _ = event.derived.lengthOfStayDays
    } catch {
        precondition(!error.errors.isEmpty, "an invalid event without an error")
        for problem in error.errors { precondition(problem.path.hasPrefix("$"), "an error without a path") }
    }
    // Read as the daemon reads a JSON file (parsed once): the decoder's verdict, whatever else.
    switch FeedInput.readJSON(bytes) {
    case .event(let event): precondition(event.eventID == decodedID, "readJSON found another event")
    case .fhir, .invalid: precondition(decodedID == nil, "readJSON missed a valid event")
    }
    // The same bytes through the JSON value API must agree on validity of the JSON itself.
    _ = JSONValue.parse(bytes)?.serialized
    // And as a FHIR bundle: an event, an ignored bundle, or errors that name an element.
    switch FeedInput().fhir(bytes).result {
    case .success(.event(let json)): _ = try? json.decoded()
    case .success(.ignored): break
    case .failure(let invalid):
        precondition(!invalid.errors.isEmpty, "a refused bundle without an error")
        for problem in invalid.errors { precondition(!problem.path.isEmpty, "an error without a place") }
    }
    return 0
}

@_cdecl("FuzzEventDecoder_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv) { data, size in fuzzEventDecoder(data, size) }
}
