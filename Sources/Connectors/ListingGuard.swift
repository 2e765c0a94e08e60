import Vault

/// How far one listing of a provider has come: its name (one status of `/users`, say), the total the
/// provider reported for it, and how many records this page brought.
public struct ListingProgress: Sendable, Hashable {
    public let listing: String
    public let reportedTotal: Int
    public let count: Int

    public init(listing: String, reportedTotal: Int, count: Int) {
        self.listing = listing
        self.reportedTotal = reportedTotal
        self.count = count
    }
}

/// One pass over a provider's paged listings, kept so a provider that would page forever is stopped
/// (DESIGN §6.4): a next-page token handed out a second time, or pages still coming after more records
/// than the listing's reported total (plus a tenth, at least 100, for records added while paging). Either
/// ends the pass with `provider_error` instead of a loop that never ends and memory that grows.
public struct ListingGuard: Sendable {
    /// The SHA-256 of each token followed: a token can be large (a children stream's cursor carries its
    /// parents' ids), and a pass over a million users follows thousands of them.
    private var followed: Set<[UInt8]> = []
    private var received: [String: Int] = [:]

    public init() {}

    /// Records one page: its next token and, when the provider reported one, its listing's progress.
    /// - Throws: ``ConnectorError`` with kind `providerError`.
    public mutating func check(next: String?, progress: ListingProgress?, provider: String) throws {
        if let progress {
            let count = received[progress.listing, default: 0] + progress.count
            received[progress.listing] = count
            if next != nil, count > progress.reportedTotal + max(100, progress.reportedTotal / 10) {
                throw ConnectorError(
                    .providerError,
                    "\(provider) kept paging \(progress.listing) past the \(progress.reportedTotal) records it reported (\(count) so far)")
            }
        }
        guard let next else { return }
        guard followed.insert(SHA256Digest.hash(next.utf8)).inserted else {
            throw ConnectorError(.providerError, "\(provider) handed back a page token it had already given; the listing would never end")
        }
    }
}
