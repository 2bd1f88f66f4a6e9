import Events
import Feeds
import Foundation
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The MLLP listener (`mllp:` in the configuration): HL7 v2 over TCP, as interface engines send it.
///
/// Each message is written durably into the inbox (the file and the directory synced) **before**
/// its ACK (`AA`) is sent, so a sender that got an ACK never loses the message; the daemon then
/// takes the file like any other (exactly once, by MSH-10: a message resent because an ACK was
/// lost is a duplicate). A message that cannot be read as HL7 is answered `AE` with an `ERR`
/// segment and kept in `quarantine/` with its reason; one that cannot be stored (a full disk) is
/// answered `AR`, and the sender sends it again. Several connections at once; a message over the
/// size limit is refused and its connection closed; an idle connection is closed.
public struct MLLPListener: Service {
    let settings: MLLPSettings
    let home: Home
    let fileMode: UInt32
    let logger: Logger
    /// The wall clock the ACKs and file names are stamped with.
    let clock: WallClock
    /// Told the port once it listens (a test may ask for port 0).
    let onListening: @Sendable (Int) -> Void
    /// Where to kill the process, for the crash tests; `nil` in production.
    var crashAt: CrashPoint?

    public init(
        settings: MLLPSettings, home: Home, fileMode: UInt32 = 0o600, clock: WallClock = .system, logger: Logger,
        crashAt: CrashPoint? = nil, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.crashAt = crashAt
        self.settings = settings
        self.home = home
        self.fileMode = fileMode
        self.clock = clock
        self.logger = logger
        self.onListening = onListening
    }

    /// A listener bound to its port, ready to serve.
    public struct Bound: Sendable {
        let server: NIOAsyncChannel<NIOAsyncChannel<MLLPFrame, ByteBuffer>, Never>
        /// The port it listens on.
        public var port: Int { server.channel.localAddress?.port ?? 0 }
    }

    /// Binds the port: done before the daemon says it has started, so a port in use stops it
    /// with a clear error instead of leaving the feed without a listener.
    public func bind() async throws -> Bound {
        let limit = settings.maxMessageBytes
        let idle = TimeAmount.milliseconds(Int64(settings.idleTimeout * 1000))
        do {
            let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                        try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(MLLPFrameDecoder(limit: limit)))
                        return try NIOAsyncChannel<MLLPFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return Bound(server: server)
        } catch {
            throw DaemonError(
                "cannot listen for MLLP on \(settings.host):\(settings.port): \(error); change mllp.listen, or stop what uses the port"
            )
        }
    }

    public func run() async throws { try await serve(try await bind()) }

    /// Accepts connections until the graceful shutdown.
    public func serve(_ bound: Bound) async throws {
        let server = bound.server
        logger.notice("MLLP listening", metadata: ["address": "\(settings.host):\(bound.port)"])
        onListening(bound.port)
        let connections = OpenConnections()
        let serverChannel = server.channel
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        let id = ObjectIdentifier(connection.channel)
                        connections.add(id, connection.channel)
                        group.addTask {
                            await serve(connection)
                            connections.remove(id)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            // Stop accepting; end the connections (a message in hand is stored and acknowledged
            // first: its write runs to its end).
            serverChannel.close(promise: nil)
            for channel in connections.all { channel.close(promise: nil) }
        }
        logger.notice("MLLP listener stopped")
    }

    private func serve(_ connection: NIOAsyncChannel<MLLPFrame, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.description ?? "-"
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    switch frame {
                    case .message(let bytes):
                        let ack = await accept(bytes, peer: peer)
                        try await outbound.write(ByteBuffer(bytes: [0x0B] + ack + [0x1C, 0x0D]))
                    case .tooLarge:
                        logger.warning(
                            "MLLP message over the size limit refused; connection closed",
                            metadata: ["peer": "\(peer)", "limit": "\(settings.maxMessageBytes)"])
                        let ack = HL7Acknowledgement.make(
                            for: nil, code: .reject,
                            text: "message larger than \(settings.maxMessageBytes) bytes (mllp.max_message_bytes)",
                            controlID: controlID(), time: stamp())
                        try await outbound.write(ByteBuffer(bytes: [0x0B] + ack + [0x1C, 0x0D]))
                        return
                    }
                }
            }
        } catch {
            logger.info("MLLP connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// Stores one message and says how: AA once it is durable in the inbox, AE when it is not
    /// HL7, AR when it cannot be stored.
    private func accept(_ bytes: [UInt8], peer: String) async -> [UInt8] {
        let reader = HL7Reader()
        let message: HL7Message
        do {
            let raws = try reader.split(bytes)
            message = try reader.message(raws[0])
        } catch {
            let name = fileName()
            let reason = "\(error.place): \(error.message)"
            do {
                try await blocking { try keepRefused(bytes, name: name, reason: reason) }
            } catch {
                logger.error("cannot keep a refused MLLP message", metadata: ["error": "\(error)"])
            }
            logger.notice(
                "MLLP message refused (AE): not HL7 v2",
                metadata: ["peer": "\(peer)", "file": "\(name)", "problem": "\(error.place)"])
            return HL7Acknowledgement.make(
                for: nil, code: .error, text: reason, controlID: controlID(), time: stamp())
        }
        let name = fileName()
        do {
            try await blocking { try FileSystem.writeAtomically(bytes, to: home.inbox + "/" + name, mode: fileMode) }
        } catch {
            logger.error(
                "MLLP message not stored (AR): the sender will send it again",
                metadata: ["peer": "\(peer)", "message_id": "\(message.controlID)", "error": "\(error)"])
            return HL7Acknowledgement.make(
                for: message, code: .reject, text: "not stored: \(error)", controlID: controlID(), time: stamp())
        }
        logger.info(
            "MLLP message stored",
            metadata: ["peer": "\(peer)", "message_id": "\(message.controlID)", "file": "\(name)"])
        crashAt.reached(.mllpBeforeAck)
        return HL7Acknowledgement.make(for: message, code: .accept, controlID: controlID(), time: stamp())
    }

    /// A message that is not HL7, kept in quarantine beside its reason (nothing received is lost).
    private func keepRefused(_ bytes: [UInt8], name: String, reason: String) throws {
        let members: [JSONMember] = [
            JSONMember(key: "file", value: .string(name)),
            JSONMember(key: "quarantined_at", value: .string(clock.now.utc.text)),
            JSONMember(key: "reason", value: .string("invalid")),
            JSONMember(key: "errors", value: .array([.string(reason)])),
            JSONMember(key: "received", value: .string("mllp")),
        ]
        try FileSystem.writeAtomically(
            Array((JSONValue.object(members).serialized + "\n").utf8),
            to: home.quarantine + "/" + name + ".reason.json", mode: fileMode)
        try FileSystem.writeAtomically(bytes, to: home.quarantine + "/" + name, mode: fileMode)
    }

    /// `mllp-20261124T103000Z-4711-000042.hl7` (time, process, arrival): unique across restarts,
    /// so a stored message that waits in the inbox is never written over.
    private func fileName() -> String {
        let compact = clock.now.utc.text.prefix(19).replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: ":", with: "")
        let number = Self.sequence.add(1, ordering: .relaxed).newValue
        let padded = String(repeating: "0", count: max(0, 6 - "\(number)".count)) + "\(number)"
        return "mllp-\(compact)Z-\(getpid())-\(padded).hl7"
    }

    private static let sequence = Atomic<Int>(0)

    private func controlID() -> String {
        "RS\(clock.now.secondsSinceEpoch)-\(Self.sequence.add(1, ordering: .relaxed).newValue)"
    }

    /// Now as an HL7 DTM in UTC.
    private func stamp() -> String {
        let text = clock.now.utc.text  // 2026-11-24T10:30:00Z
        let digits = text.prefix(19).filter(\.isNumber)
        return digits + "+0000"
    }

    /// Runs blocking file work (it syncs) off the event loops and the cooperative pool.
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// One MLLP frame: a message between 0x0B and 0x1C 0x0D, or word that it was too large.
enum MLLPFrame: Sendable {
    case message([UInt8])
    case tooLarge
}

/// Cuts the byte stream into MLLP frames; bytes outside a frame are skipped.
struct MLLPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = MLLPFrame
    let limit: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let start = view.firstIndex(of: 0x0B) else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        var index = start + 1
        while let end = view[index...].firstIndex(of: 0x1C) {
            if end + 1 < view.endIndex {
                if view[end + 1] == 0x0D {
                    let body = Array(view[(start + 1)..<end])
                    buffer.moveReaderIndex(to: end + 2)
                    guard body.count <= limit else {
                        context.fireChannelRead(wrapInboundOut(.tooLarge))
                        return .continue
                    }
                    context.fireChannelRead(wrapInboundOut(.message(body)))
                    return .continue
                }
                index = end + 1
            } else {
                break
            }
        }
        if view.endIndex - start > limit + 2 {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(wrapInboundOut(.tooLarge))
            return .continue
        }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        .needMoreData
    }
}

/// The connections being served, to close at shutdown.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    func add(_ id: ObjectIdentifier, _ channel: any Channel) { channels.withLock { $0[id] = channel } }
    func remove(_ id: ObjectIdentifier) { _ = channels.withLock { $0.removeValue(forKey: id) } }
    var all: [any Channel] { channels.withLock { Array($0.values) } }
}

/// Closes a connection that has been silent for the idle timeout.
final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
