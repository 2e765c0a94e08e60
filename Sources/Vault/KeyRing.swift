/// The vault's versioned keys: every sealed value names the key that sealed it, new values are sealed
/// with the primary key, and older keys stay available for opening until every value has been re-sealed.
///
/// Its textual form is what `TETHER_VAULT_KEYS` holds: comma-separated `id:base64(32 bytes)` entries.
public struct KeyRing: Sendable, CustomStringConvertible {
    /// Key ids are short, safe to log and safe to store beside ciphertext.
    public static let idPattern = "[A-Za-z0-9_-]{1,32}"

    /// The key ids in the order they were given.
    public let ids: [String]
    /// The id used for new encryptions.
    public let primaryID: String
    private let keys: [String: SymmetricKey]

    /// Builds a key ring from id/key pairs.
    /// - Parameters:
    ///   - primaryID: the key for new encryptions; `nil` picks the first key.
    /// - Throws: ``VaultError/Code/invalidKeyRing`` when there are no keys, an id is malformed or repeated,
    ///   or the primary id is not in the ring.
    public init(keys: [(id: String, key: SymmetricKey)], primaryID: String? = nil) throws {
        guard let first = keys.first else { throw VaultError(.invalidKeyRing, "the key ring has no keys") }
        var map: [String: SymmetricKey] = [:]
        for entry in keys {
            guard Self.isValidID(entry.id) else {
                throw VaultError(.invalidKeyRing, "a key id must match \(Self.idPattern)")
            }
            guard map.updateValue(entry.key, forKey: entry.id) == nil else {
                throw VaultError(.invalidKeyRing, "key id \(entry.id) appears twice")
            }
        }
        let primary = primaryID ?? first.id
        guard map[primary] != nil else {
            throw VaultError(.invalidKeyRing, "the primary key id \(Self.isValidID(primary) ? primary : "(malformed)") is not in the ring")
        }
        self.ids = keys.map(\.id)
        self.keys = map
        self.primaryID = primary
    }

    /// Parses `id:base64,id:base64`. Error messages name the entry by position and id, never its key bytes.
    public init(parsing definition: String, primaryID: String? = nil) throws {
        var entries: [(id: String, key: SymmetricKey)] = []
        let parts = definition.split(separator: ",", omittingEmptySubsequences: false)
        for (position, rawPart) in parts.enumerated() {
            let part = rawPart.trimmingWhitespace()
            guard let colon = part.firstIndex(of: ":") else {
                throw VaultError(.invalidKeyRing, "entry \(position + 1) is not of the form id:base64key")
            }
            let id = String(part[..<colon])
            guard Self.isValidID(id) else {
                throw VaultError(.invalidKeyRing, "entry \(position + 1) has a key id that does not match \(Self.idPattern)")
            }
            let bytes: [UInt8]
            do {
                bytes = try Base64.decode(String(part[part.index(after: colon)...]))
            } catch {
                throw VaultError(.invalidKeyRing, "key \(id) is not valid base64")
            }
            guard bytes.count == SymmetricKey.byteCount else {
                throw VaultError(.invalidKeyRing, "key \(id) must decode to 32 bytes, got \(bytes.count)")
            }
            entries.append((id, try SymmetricKey(bytes: bytes)))
        }
        try self.init(keys: entries, primaryID: primaryID)
    }

    /// The primary key, for sealing.
    public var primaryKey: SymmetricKey { keys[primaryID]! }

    /// The key with `id`, for opening, or `nil` when the ring no longer has it.
    public func key(id: String) -> SymmetricKey? { keys[id] }

    /// True when `id` is a well-formed key id.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        !id.isEmpty && id.utf8.count <= 32
            && id.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            }
    }

    /// Formats one key-ring entry, as `tether vault generate-key` prints it.
    public static func entry(id: String, key: SymmetricKey) -> String {
        "\(id):\(Base64.encode(key.unsafeBytes))"
    }

    public var description: String { "KeyRing(ids: \(ids), primary: \(primaryID))" }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        let end = s.lastIndex(where: { !$0.isWhitespace })!
        return s[start...end]
    }
}
