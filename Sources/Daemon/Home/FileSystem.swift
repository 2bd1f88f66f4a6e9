import CSystemExtras
import Foundation

/// The few file-system operations the daemon's protocol needs, done carefully: never through a
/// symlink, never blocking on a FIFO, owner-only files, and fsync where durability is promised.
enum FileSystem {
    /// Why a file could not be read; each case says what the daemon does with it.
    enum ReadRefusal: Error, Equatable {
        /// Gone between listing and reading (another process took it).
        case missing
        /// A symlink, FIFO, device or directory: left alone, never read.
        case notRegular(String)
        /// Larger than the limit: refused without reading.
        case tooLarge(Int)
        /// Any other failure.
        case failed(String)
    }

    /// Reads a regular file of at most `limit` bytes: `O_NOFOLLOW` (a symlink is refused),
    /// `O_NONBLOCK` (a FIFO cannot block us), and `fstat` before reading.
    static func readRegularFile(_ path: String, limit: Int) -> Result<[UInt8], ReadRefusal> {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT: return .failure(.missing)
            case ELOOP: return .failure(.notRegular("a symbolic link"))
            default: return .failure(.failed(String(cString: strerror(errno))))
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(.failed(String(cString: strerror(errno)))) }
        guard status.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegular("not a regular file")) }
        guard Int(status.st_size) <= limit else { return .failure(.tooLarge(Int(status.st_size))) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.failed(String(cString: strerror(errno))))
            }
            if count == 0 { break }
            offset += count
        }
        return .success(Array(bytes.prefix(offset)))
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary name in the same directory,
    /// `fsync`, `rename`, then `fsync` of the directory. The file gets `mode`.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        try writeFile(bytes, to: path, mode: mode, durably: true)
    }

    /// Writes `bytes` to `path` atomically but not yet durably (a temporary name, then `rename`):
    /// one of a group that ``syncFileSystem(of:)`` makes durable together.
    static func writeReplacing(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        try writeFile(bytes, to: path, mode: mode, durably: false)
    }

    private static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, durably: Bool) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        guard writeAll(descriptor, bytes) else {
            let error = failure("cannot write \(temporary)")
            close(descriptor)
            unlink(temporary)  // a partial file (a full disk) is not left behind
            throw error
        }
        fchmod(descriptor, mode)
        if durably, fsync(descriptor) != 0 {
            let error = failure("cannot fsync \(temporary)")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        if durably { try syncDirectory(directory) }
    }

    /// Makes every write so far to the file system holding `path` durable (`syncfs`): the group
    /// commit of many files, one call instead of an `fsync` per file and directory.
    static func syncFileSystem(of path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open the directory \(path)") }
        defer { close(descriptor) }
        guard riskscreen_syncfs(descriptor) == 0 else { throw failure("cannot sync the file system of \(path)") }
    }

    /// Appends lines to a file in one write and fsyncs it once.
    static func appendLines(_ lines: [String], to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot open \(path)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        for line in lines {
            bytes += line.utf8
            bytes.append(0x0A)
        }
        guard writeAll(descriptor, bytes) else { throw failure("cannot append to \(path)") }
        guard fsync(descriptor) == 0 else { throw failure("cannot fsync \(path)") }
    }

    /// Appends one line to a file and fsyncs it.
    static func appendLine(_ line: String, to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot open \(path)") }
        defer { close(descriptor) }
        guard writeAll(descriptor, Array((line + "\n").utf8)) else { throw failure("cannot append to \(path)") }
        guard fsync(descriptor) == 0 else { throw failure("cannot fsync \(path)") }
    }

    /// Writes every byte, retrying after interruptions; `false` on an error (in `errno`).
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            written += count
        }
        return true
    }

    /// `fsync` of a directory, so a rename into it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open the directory \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("cannot fsync the directory \(path)") }
    }

    /// Up to `limit` names in a directory that pass `include`, read with `readdir` so a directory
    /// of any size costs at most `limit` names of memory; `truncated` says whether more were left.
    static func listDirectory(_ path: String, limit: Int, include: (String) -> Bool) -> (
        names: [String], truncated: Bool
    ) {
        guard let directory = opendir(path) else { return ([], false) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", include(name) else { continue }
            if names.count == limit { return (names, true) }
            names.append(name)
        }
        return (names, false)
    }

    /// Calls `body` with each name in a directory, without keeping them.
    static func forEachName(in path: String, _ body: (String) -> Void) {
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { body(name) }
        }
    }

    /// Renames `from` to `to`; `false` when `from` is gone.
    static func move(_ from: String, to: String) throws -> Bool {
        if rename(from, to) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure("cannot move \(from) to \(to)")
    }

    /// Creates a directory (and its parents) with `mode` (owner-only by default), unless it exists.
    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
    }

    static func failure(_ message: String) -> DaemonError {
        DaemonError("\(message): \(String(cString: strerror(errno)))")
    }
}
