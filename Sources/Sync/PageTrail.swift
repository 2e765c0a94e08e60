import Connectors

/// The pages one pass over a stream has followed (``ListingGuard``): a provider that hands back a cursor
/// already followed, or keeps paging past the total it reported, fails the pass with `provider_error`
/// instead of looping (and growing the run's history without end).
struct PageTrail {
    private var listings = ListingGuard()

    /// Records `page`.
    /// - Throws: ``ConnectorError`` with kind `providerError` when the listing would never end.
    mutating func check(_ page: StreamPage, connector: any Connector) throws {
        try listings.check(next: page.next, progress: page.progress, provider: connector.displayName)
    }
}
