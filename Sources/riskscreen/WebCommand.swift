import Alerts
import ArgumentParser
import Daemon
import Foundation
import Logging
import Presentation
import State
import Worklist

/// `riskscreen web`: the worklist in the browser.
struct WebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve the social work team's worklist over HTTP(S) (default http://127.0.0.1:8480).",
        discussion: """
            A process of its own beside the daemon: it reads the daemon's state database and records \
            the team's actions in it, and never touches the inbox. Accounts come from `riskscreen users`. \
            GET /healthz answers without login and without protected health information. The \
            configuration's web: section sets the address, TLS, session lifetime and trusted proxies; \
            display.patient_identity whether names show; timezone the times.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: StateOptions

    @Option(help: "HOST:PORT to listen on (default 127.0.0.1:8480, or the configuration's web.listen).")
    var listen: String?

    func validate() throws {
        if let listen, WebSettings.listen(listen) == nil {
            throw ValidationError("--listen \(listen) is not HOST:PORT, e.g. 127.0.0.1:8480")
        }
    }

    func run() async throws {
        let logger = global.bootstrapLogging()
        let file = try options.configuration()
        var settings = file?.web ?? WebSettings()
        if let listen, let (host, port) = WebSettings.listen(listen) {
            settings.host = host
            settings.port = port
        }
        let store = try options.store()
        let server = WorklistServer(
            store: store, settings: settings, teams: file?.referrals ?? ReferralTarget.shipped,
            time: try options.siteTime(), clock: { TestHooks.clock.seconds }, logger: logger)
        do {
            try await server.run()
        } catch {
            printError("web: \(error)")
            throw ExitCode(1)
        }
    }
}
