public import Hummingbird
import NIOCore
public import State

/// What a request to the worklist carries besides itself: where it came from, and once the session
/// is checked, who sent it.
public struct WorklistContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address (before any proxy's `X-Forwarded-For` is believed).
    public let peer: String
    /// The client's address for the audit trail: the peer, or the first `X-Forwarded-For` hop when
    /// the peer is a trusted proxy.
    public var client: String
    /// The logged-in user, set by the session check.
    public var user: User?
    /// Their session (for its CSRF token).
    public var session: Session?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
        client = peer
    }
}
