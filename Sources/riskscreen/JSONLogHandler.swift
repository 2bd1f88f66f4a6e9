import Events
import Foundation
import Logging

/// swift-log to stderr as one JSON object per line (`--log-format json`), for log shippers:
/// `{"time":"…","level":"notice","label":"riskscreen","message":"…","event_id":"…",…}`.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let seconds = Date().timeIntervalSince1970
        let time = Timestamp(
            secondsSinceEpoch: Int64(seconds.rounded(.down)),
            nanoseconds: Int32((seconds - seconds.rounded(.down)) * 1e9))
        var members: [JSONMember] = [
            JSONMember(key: "time", value: .string(time.text)),
            JSONMember(key: "level", value: .string(event.level.rawValue)),
            JSONMember(key: "label", value: .string(label)),
            JSONMember(key: "message", value: .string(event.message.description)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            members.append(JSONMember(key: key, value: .string(value.description)))
        }
        // The JSON writer escapes every control character, so a value cannot forge a line.
        FileHandle.standardError.write(Data((JSONValue.object(members).serialized + "\n").utf8))
    }
}
