internal import COpenSSL

/// A 256-bit key. Its bytes never appear in `description`, `debugDescription` or reflection, and are
/// wiped with `OPENSSL_cleanse` when the last copy goes away.
public struct SymmetricKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key length AES-256 and our HMAC keys use.
    public static let byteCount = 32

    private final class Storage: @unchecked Sendable {
        // Immutable after init; only read. Wiped in deinit.
        var bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        deinit { bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
    }

    private let storage: Storage

    /// Wraps exactly 32 key bytes.
    /// - Throws: ``VaultError/Code/invalidKey`` for any other length.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw VaultError(.invalidKey, "a key must be \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.storage = Storage(bytes)
    }

    /// A fresh random key from the CSPRNG.
    public static func generate() throws -> SymmetricKey {
        try SymmetricKey(bytes: SecureRandom.bytes(count: byteCount))
    }

    /// Calls `body` with the key bytes; the buffer must not escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.bytes.withUnsafeBytes(body)
    }

    /// The key bytes, for handing to HMAC. Prefer ``withUnsafeBytes(_:)`` where possible.
    public var unsafeBytes: [UInt8] { storage.bytes }

    public var description: String { "SymmetricKey(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
