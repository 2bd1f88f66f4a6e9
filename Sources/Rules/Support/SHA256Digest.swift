import Crypto

/// SHA-256 as lowercase hexadecimal, for the rule-set digest, event digests and deterministic alert
/// ids. The cryptography is swift-crypto's (BoringSSL on Linux); this only gives it the shape the
/// callers use. The values are the standard's (test vectors in the tests), so digests recorded
/// before stay valid.
public struct SHA256Digest: Sendable {
    private var hasher = Crypto.SHA256()

    /// Starts a digest.
    public init() {}

    /// Adds bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable {
            hasher.update(bufferPointer: UnsafeRawBufferPointer($0))
        }
        if handled == nil { hasher.update(data: Array(bytes)) }
    }

    /// Adds a string's UTF-8 bytes.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// The digest of everything added, as 64 lowercase hexadecimal digits.
    public func hexDigest() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(64)
        for byte in hasher.finalize() {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The digest of `text`.
    public static func hex(_ text: String) -> String {
        var digest = SHA256Digest()
        digest.update(text)
        return digest.hexDigest()
    }
}
