import Dispatch
import Foundation

/// Watches directories with inotify and calls back when files arrive or change in them.
///
/// Watches the directories, not files: a writer that renames into a directory gives
/// `IN_MOVED_TO`, one that writes in place gives `IN_CLOSE_WRITE`; `IN_MODIFY` (mid-write) is not
/// watched. A queue overflow (events lost) calls back too, so the caller rescans.
final class DirectoryWatcher: @unchecked Sendable {
    private let descriptor: Int32
    private let source: any DispatchSourceRead
    // Touched only on `queue`.
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Starts watching `paths` for `mask` (inotify flags); `onChange` runs on a private queue with
    /// the names that were renamed into a watched directory (`IN_MOVED_TO`) since the last call.
    init(paths: [String], mask: UInt32, onChange: @escaping @Sendable (_ renamedIn: [String]) -> Void) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw FileSystem.failure("cannot start inotify") }
        for path in paths where inotify_add_watch(descriptor, path, mask) < 0 {
            let error = FileSystem.failure("cannot watch \(path)")
            close(descriptor)
            throw error
        }
        let queue = DispatchQueue(label: "riskscreen.watcher")
        source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        let fd = descriptor
        source.setEventHandler { [unowned self] in
            // Drain every pending event; any of them (or an overflow) means "look again". During
            // a burst of renames (a backlog arriving) the names are handed on a thousand at a
            // time, not gathered for as long as the burst lasts.
            var sawEvent = false
            var renamed: [String] = []
            while true {
                let count = self.buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                sawEvent = true
                renamed += Self.movedIn(self.buffer, count: count)
                if renamed.count >= 1_000 {
                    onChange(renamed)
                    renamed = []
                    sawEvent = false
                }
            }
            if sawEvent { onChange(renamed) }
        }
        source.setCancelHandler { close(fd) }
        source.resume()
    }

    /// The names of `IN_MOVED_TO` events in a buffer of `count` bytes of inotify events. Each event
    /// is 16 bytes (wd, mask, cookie, len) followed by `len` bytes of NUL-padded name.
    static func movedIn(_ buffer: [UInt8], count: Int) -> [String] {
        var names: [String] = []
        var offset = 0
        while offset + 16 <= count {
            let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
            let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
            let end = min(count, offset + 16 + length)
            if mask & UInt32(IN_MOVED_TO) != 0, length > 0 {
                let nameBytes = buffer[(offset + 16)..<end].prefix { $0 != 0 }
                names.append(String(decoding: nameBytes, as: UTF8.self))
            }
            offset += 16 + length
        }
        return names
    }

    /// Stops watching and closes the inotify descriptor.
    func stop() { source.cancel() }

    /// For an inbox: files renamed in or closed after writing.
    static let inboxMask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)
    /// For rule directories: any file written, moved, created or deleted.
    static let rulesMask =
        UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_DELETE)
        | UInt32(IN_CREATE)
}
