import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import State
import Synchronization

/// Set when the server begins its graceful shutdown, so that live streams end instead of holding
/// it open.
final class ShutdownSignal: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// Waits for the graceful shutdown and says so.
struct ShutdownWatcher: Service {
    let signal: ShutdownSignal
    func run() async throws {
        try? await gracefulShutdown()
        signal.set()
    }
}

extension WorklistServer {
    /// Server-Sent Events: `changed` whenever the user's worklist may have (checked twice a second),
    /// with the alerts withdrawn since the last look; a comment every 5 s keeps proxies from closing
    /// the stream and finds a browser that has gone. The page's script then fetches its table again.
    func liveEvents(_ request: Request, _ context: WorklistContext) throws -> Response {
        guard let user = context.user else { throw HTTPError(.unauthorized) }
        let teams = user.role.seesAllTeams ? nil : user.teams
        let store = self.store
        let clock = self.clock
        let shutdown = self.shutdown
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            var version = try store.worklistVersion()
            var mark = try store.changeMark(teams: teams)
            var since = clock() - 1
            var ticks = 0
            while !Task.isCancelled && !shutdown.isSet {
                try await Task.sleep(for: .milliseconds(500))
                ticks += 1
                let now = clock()
                // One row read while nothing changes; the teams' own mark only when something did.
                let latest = try store.worklistVersion()
                let current = latest == version ? mark : try store.changeMark(teams: teams)
                version = latest
                if current != mark {
                    let withdrawn = try store.withdrawnAlerts(since: since, teams: teams)
                    let list = withdrawn.map { "\"\($0)\"" }.joined(separator: ",")
                    try await writer.write(ByteBuffer(string: "event: changed\ndata: {\"withdrawn\":[\(list)]}\n\n"))
                    mark = current
                    since = now - 1
                } else if ticks % 10 == 0 {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: body)
    }
}
