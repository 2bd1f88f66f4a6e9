public import Alerts
public import Daemon
import Events
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdBcrypt
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import Presentation
import Rules
import ServiceLifecycle
public import State
import UnixSignals

/// `riskscreen web`: the social work team's worklist, a process of its own beside the daemon
/// (least privilege: it never touches the inbox). It reads the daemon's state database and records
/// the team's actions in the same audited tables as `riskscreen queue`.
public struct WorklistServer: Sendable {
    let store: any StateStore
    let settings: WebSettings
    /// The teams, by referral id: their names for people.
    let teams: [ReferralTarget]
    let time: SiteTime
    let clock: @Sendable () -> Double
    let logger: Logger
    /// Set when the server shuts down: live streams end.
    let shutdown = ShutdownSignal()

    /// A worklist over `store`.
    ///
    /// - Parameter clock: seconds since the epoch ("now"; the command passes its wall clock).
    public init(
        store: any StateStore, settings: WebSettings, teams: [ReferralTarget], time: SiteTime,
        clock: @escaping @Sendable () -> Double, logger: Logger
    ) {
        self.store = store
        self.settings = settings
        self.teams = teams
        self.time = time
        self.clock = clock
        self.logger = logger
    }

    /// The team's name for people.
    func teamName(_ referral: String) -> String { teams.first { $0.id == referral }?.name ?? referral }

    /// The routes, with their middleware: security headers on every response; a session (and, for
    /// a POST, its CSRF token) for every page but `/healthz`, `/login` and `/static/`.
    public func router() -> Router<WorklistContext> {
        let router = Router(context: WorklistContext.self)
        router.add(middleware: SecurityHeaders(usesTLS: settings.usesTLS))
        router.add(middleware: SessionCheck(server: self))
        router.get("/healthz") { _, _ in
            // No login, no protected health information: whether the state can be read.
            (try? store.worklistFacets(referrals: [])) != nil
                ? Response(
                    status: .ok, headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
                : Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "the state database cannot be read\n")))
        }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/static/worklist.css") { _, _ in Self.asset(Assets.styleSheet, type: "text/css; charset=utf-8") }
        router.get("/static/live.js") { _, _ in Self.asset(Assets.script, type: "text/javascript; charset=utf-8") }
        router.get("/login") { request, context in try loginPage(request, context) }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context in try await logout(request, context) }
        router.get("/") { request, context in try worklistPage(request, context) }
        router.get("/alerts/:id") { request, context in try alertPage(request, context) }
        router.post("/alerts/:id/:action") { request, context in try await act(request, context) }
        router.get("/dashboard") { request, context in try dashboardPage(request, context) }
        router.get("/audit") { request, context in try auditPage(request, context) }
        router.get("/events") { request, context in try liveEvents(request, context) }
        return router
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        let configuration = ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port), serverName: "riskscreen")
        let server: HTTPServerBuilder
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        let app = Application(
            router: router(), server: server, configuration: configuration,
            onServerRunning: { [logger, settings] _ in
                logger.notice(
                    "riskscreen web listening",
                    metadata: ["url": "\(settings.usesTLS ? "https" : "http")://\(settings.host):\(settings.port)/"])
            }, logger: logger)
        // Services shut down in reverse order: the watcher first, so live streams end and the
        // server's own graceful shutdown does not wait for them.
        let group = ServiceGroup(
            configuration: .init(
                services: [app, ShutdownWatcher(signal: shutdown)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An HTML page (never cached: it may hold protected health information).
    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Now, as the audit trail writes it.
    func nowText() -> String { Timestamp(secondsSinceEpoch: Int64(clock())).text }

    func audit(_ context: WorklistContext, _ action: String, alert: QueuedAlert? = nil, detail: String? = nil) {
        do {
            try store.audit(
                AuditEntry(
                    at: nowText(), user: context.user?.name ?? "-", action: action, alertID: alert?.alertID,
                    patientID: alert?.patientID, client: context.client, detail: detail))
        } catch {
            logger.error("cannot write the audit trail", metadata: ["error": "\(error)"])
        }
    }
}
