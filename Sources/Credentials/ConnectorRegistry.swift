public import Connectors
public import OAuth

/// The connectors Tether runs, and the platform app (Tether's own OAuth client) of each provider that has one.
public struct ConnectorRegistry: Sendable {
    private let connectors: [String: any Connector]
    private let platformApps: [String: ClientCredentials]

    public init(_ connectors: [any Connector], platformApps: [String: ClientCredentials]) {
        self.connectors = Dictionary(connectors.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        self.platformApps = platformApps
    }

    /// The connector for `provider`.
    public func connector(_ provider: String) -> (any Connector)? { connectors[provider] }

    /// Every provider's name, sorted.
    public var providers: [String] { connectors.keys.sorted() }

    /// Streams whose provider allows fewer syncs than one a minute, with their shortest interval in seconds.
    public var minimumIntervals: [String: Int] {
        var minimums: [String: Int] = [:]
        for stream in connectors.values.flatMap(\.streams) where stream.minimumInterval > 60 {
            minimums[stream.name] = max(minimums[stream.name] ?? 0, stream.minimumInterval)
        }
        return minimums
    }

    /// Every rate-limit plan any connector knows, in the connectors' own order, each once.
    public var rateLimitPlans: [String] {
        var seen: Set<String> = []
        return providers.flatMap { connectors[$0]!.rateLimitPlans }.filter { seen.insert($0).inserted }
    }

    /// The platform app of `provider`, when one is configured (`ZOOM_CLIENT_ID`/`ZOOM_CLIENT_SECRET`).
    public func platformApp(_ provider: String) -> ClientCredentials? { platformApps[provider] }
}
