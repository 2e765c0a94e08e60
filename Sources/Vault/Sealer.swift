public import Foundation

/// What a sealed value is for. It becomes the associated data, so a value sealed for one tenant,
/// connection, table or column does not open anywhere else: a ciphertext copied to another row or
/// column fails authentication instead of decrypting.
public struct SealContext: Sendable, Hashable {
    /// The table the value is stored in (e.g. `connection_credentials`).
    public var table: String
    /// The column (e.g. `refresh_token`).
    public var column: String
    /// The tenant that owns the value.
    public var tenantID: UUID
    /// The connection the value belongs to.
    public var connectionID: UUID

    public init(table: String, column: String, tenantID: UUID, connectionID: UUID) {
        self.table = table
        self.column = column
        self.tenantID = tenantID
        self.connectionID = connectionID
    }
}

/// Seals secrets for storage with the key ring's primary key and opens them with whichever key sealed
/// them ("vault v1").
///
/// Stored form: `0x01` (format) ‖ key-id length (1 byte) ‖ key id (ASCII) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
/// The associated data is a length-prefixed encoding of ("tether-vault", format, key id, table, column,
/// tenant id, connection id), so the header is authenticated too: editing the key id, or moving the value,
/// makes it fail to open. Every failure to open is the same generic error.
public struct Sealer: Sendable {
    /// The format byte of values this sealer writes.
    public static let format: UInt8 = 1

    /// The keys; new values use its primary key.
    public let keyRing: KeyRing
    /// Counts every value sealed, per key (SECURITY.md K5), when given.
    public let tally: SealTally?

    public init(keyRing: KeyRing, tally: SealTally? = nil) {
        self.keyRing = keyRing
        self.tally = tally
    }

    /// Seals `plaintext` for `context` under the primary key, with a fresh random nonce.
    public func seal(_ plaintext: [UInt8], for context: SealContext) throws -> [UInt8] {
        let keyID = keyRing.primaryID
        let parts = try AESGCM.seal(plaintext, key: keyRing.primaryKey, associatedData: Self.associatedData(keyID: keyID, context: context))
        tally?.note(keyID)
        return Self.header(keyID: keyID) + parts.nonce + parts.ciphertext + parts.tag
    }

    /// Seals a UTF-8 string.
    public func seal(_ plaintext: String, for context: SealContext) throws -> [UInt8] {
        try seal(Array(plaintext.utf8), for: context)
    }

    /// Opens a value sealed for `context`.
    /// - Throws: ``VaultError/Code/authenticationFailed`` for anything malformed, tampered, moved or sealed with
    ///   another key; ``VaultError/Code/invalidKeyRing`` when the key that sealed it is no longer in the ring.
    public func open(_ sealed: [UInt8], for context: SealContext) throws -> [UInt8] {
        let (keyID, body) = try Self.split(sealed)
        guard let key = keyRing.key(id: keyID) else {
            throw VaultError(.invalidKeyRing, "the value was sealed with key \(keyID), which is not in the key ring")
        }
        let parts = AESGCM.SealedParts(
            nonce: Array(body.prefix(AESGCM.nonceByteCount)),
            ciphertext: Array(body.dropFirst(AESGCM.nonceByteCount).dropLast(AESGCM.tagByteCount)),
            tag: Array(body.suffix(AESGCM.tagByteCount)))
        return try AESGCM.open(parts, key: key, associatedData: Self.associatedData(keyID: keyID, context: context))
    }

    /// Opens a value and decodes it as UTF-8.
    public func openString(_ sealed: [UInt8], for context: SealContext) throws -> String {
        guard let text = String(bytes: try open(sealed, for: context), encoding: .utf8) else {
            throw VaultError(.authenticationFailed, "the sealed value could not be opened")
        }
        return text
    }

    /// The id of the key that sealed `sealed` (not secret), for rotation progress and `vault status`.
    public static func keyID(of sealed: [UInt8]) throws -> String {
        try split(sealed).keyID
    }

    /// Re-seals under the primary key without returning the plaintext; `nil` when it already uses the primary.
    public func resealed(_ sealed: [UInt8], for context: SealContext) throws -> [UInt8]? {
        guard try Self.keyID(of: sealed) != keyRing.primaryID else { return nil }
        return try seal(try open(sealed, for: context), for: context)
    }

    // MARK: - Encoding

    static func header(keyID: String) -> [UInt8] {
        [format, UInt8(keyID.utf8.count)] + Array(keyID.utf8)
    }

    static func split(_ sealed: [UInt8]) throws -> (keyID: String, body: ArraySlice<UInt8>) {
        let failure = VaultError(.authenticationFailed, "the sealed value could not be opened")
        guard sealed.count >= 2, sealed[0] == format else { throw failure }
        let idLength = Int(sealed[1])
        guard (1...32).contains(idLength), sealed.count >= 2 + idLength + AESGCM.nonceByteCount + AESGCM.tagByteCount,
            let keyID = String(bytes: sealed[2..<(2 + idLength)], encoding: .ascii), KeyRing.isValidID(keyID)
        else { throw failure }
        return (keyID, sealed[(2 + idLength)...])
    }

    /// Each field is prefixed with its length (4 bytes, big-endian), so no two contexts encode alike.
    static func associatedData(keyID: String, context: SealContext) -> [UInt8] {
        var out: [UInt8] = []
        func field(_ bytes: [UInt8]) {
            let count = UInt32(bytes.count)
            out += [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
            out += bytes
        }
        field(Array("tether-vault".utf8))
        field([format])
        field(Array(keyID.utf8))
        field(Array(context.table.utf8))
        field(Array(context.column.utf8))
        field(withUnsafeBytes(of: context.tenantID.uuid) { Array($0) })
        field(withUnsafeBytes(of: context.connectionID.uuid) { Array($0) })
        return out
    }
}
