import Connectors
import Vault

/// The page cursors one pass over a listing has followed. A provider that hands back a cursor already
/// followed would page forever: the pass then fails with `provider_error` instead of looping (and growing
/// the run's history without end). Cursors are remembered by digest, so a long listing stays small.
struct PageTrail {
    private var followed: Set<[UInt8]> = []

    /// Records `page`'s next cursor.
    /// - Throws: ``ConnectorError`` with kind `providerError` when it was followed before in this pass.
    mutating func check(_ page: StreamPage, connector: any Connector) throws {
        guard let next = page.next else { return }
        guard followed.insert(SHA256Digest.hash(Array(next.utf8))).inserted else {
            throw ConnectorError(
                .providerError, "\(connector.displayName) handed back a page token it had already given; the listing would never end")
        }
    }
}
