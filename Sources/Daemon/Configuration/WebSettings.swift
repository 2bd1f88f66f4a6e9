/// How `riskscreen web` serves the worklist: the configuration's `web:` and `display:` sections.
public struct WebSettings: Sendable, Equatable {
    /// Where it listens; loopback by default (a reverse proxy or TLS in front for anything else).
    public var host = "127.0.0.1"
    public var port = 8480
    /// PEM files for HTTPS; both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// How long a login lasts, in seconds.
    public var sessionLifetime: Double = 8 * 3600
    /// Addresses of reverse proxies whose `X-Forwarded-For` (and `userHeader`) are believed.
    public var trustedProxies: [String] = []
    /// Single sign-on: the header carrying the user name, accepted only from `trustedProxies`.
    public var userHeader: String?
    /// Whether the worklist shows the patient's name, age and sex (behind the login); the record
    /// number is always shown.
    public var showsPatientIdentity = true

    public init() {}

    /// Whether it serves HTTPS.
    public var usesTLS: Bool { tlsCertificate != nil }

    /// `HOST:PORT` → host and port, or `nil`.
    public static func listen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
