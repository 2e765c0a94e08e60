import Credentials
import EventDelivery
import Foundation
import OAuth
import Server
public import Store
public import Sync
public import TetherSettings
import ZoomConnector

extension TetherConfiguration {
    /// What a process runs: `tether serve` (the HTTP server, with or without sync work) or `tether worker`
    /// (sync work only).
    public enum Role: Sendable {
        case server(sync: SyncConfiguration?)
        case worker(SyncConfiguration)
    }

    /// The configuration the environment describes for a process of `role`.
    /// - Throws: `SettingsError` without a vault key ring; `MigrationError` when a server's migrations folder
    ///   cannot be read (a worker does not read it).
    public init(settings: Settings, role: Role) throws {
        self.init(
            databaseURL: settings.databaseURL, keyRing: try settings.requireKeyRing(),
            connect: ConnectConfiguration(publicURL: settings.publicURL, returnURLOrigins: settings.returnURLOrigins))
        startupWarnings = [settings.databaseTransportWarning].compactMap { $0 }
        retention = .seconds(settings.retentionDays * 86_400)
        apiDatabaseURL = settings.apiDatabaseURL
        eventDelivery.allowsPrivateAddresses = settings.webhooksMayReachPrivateAddresses
        if settings.webhooksMayReachPrivateAddresses {
            startupWarnings.append(
                "TETHER_WEBHOOK_ALLOW_PRIVATE=1: tenant webhooks may reach loopback and private addresses; use it for local development only")
        }
        providers.zoomOAuthBaseURL = settings.zoomOAuthBaseURL
        providers.zoomAPIBaseURL = settings.zoomAPIBaseURL
        if let id = settings.zoomClientID, let secret = settings.zoomClientSecret {
            providers.platformApps[ZoomConnector.providerName] = ClientCredentials(clientID: id, clientSecret: secret)
        }
        if let secret = settings.zoomWebhookSecretToken { providers.webhookSecrets[ZoomConnector.providerName] = secret }
        switch role {
        case .worker(let sync):
            self.sync = sync
            return
        case .server(let sync):
            self.sync = sync
        }
        migrations = try settings.migrations()
        var server = ServerConfiguration(host: settings.listenHost, port: settings.listenPort)
        server.limits.maximumConnections = settings.maximumConnections
        server.rateLimits = RateLimits(
            perAPIKey: settings.apiRateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) },
            perAddress: settings.browserRateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) })
        self.server = server
    }
}

extension Settings {
    /// The migrations this process applies or expects: those in the folder `TETHER_MIGRATIONS_DIR` names,
    /// else the ones built into the binary, so `tether migrate` works from any directory.
    /// - Throws: `MigrationError` when the named folder cannot be read.
    public func migrations() throws -> [Migration] {
        try migrationsDirectory.map { try Migration.load(from: URL(fileURLWithPath: $0)) } ?? Migration.embedded
    }
}
