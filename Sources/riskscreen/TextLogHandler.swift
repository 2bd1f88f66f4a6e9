import Events
import Foundation
import Logging

/// swift-log's text lines on stderr, with every control character in the message and the metadata
/// escaped (`\n`, `\u{1B}`…): a file name or a value from the inbox cannot forge a log line or
/// drive the terminal.
struct TextLogHandler: LogHandler {
    private var inner: StreamLogHandler

    init(label: String) { inner = StreamLogHandler.standardError(label: label) }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var safe = event
        safe.message = Logger.Message(stringLiteral: Self.escaped(event.message.description))
        safe.metadata = event.metadata?.mapValues { .string(Self.escaped($0.description)) }
        inner.log(event: safe)
    }

    /// `text` with control characters (C0, DEL, C1, U+2028/9) written as escapes.
    static func escaped(_ text: String) -> String { ControlCharacters.escaped(text, style: .swift) }
}
