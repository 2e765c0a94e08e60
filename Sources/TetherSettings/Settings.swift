import Foundation
public import Sensitive
import Transport
public import Vault

/// Everything Tether reads from its environment, validated once at start. Only the CLI builds it (from
/// the process environment plus an optional `.env`); every module below receives plain values from it.
public struct Settings: Sendable {
    /// The runtime database connection (`DATABASE_URL`); empty means libpq's `PG*` defaults.
    public var databaseURL: Secret
    /// The role the data API reads synced records with (`DATABASE_API_URL`, optional): one that cannot read
    /// tokens or secrets (SECURITY.md T8). Unset, the data API reads with `DATABASE_URL`.
    public var apiDatabaseURL: Secret? = nil
    /// The connection `tether migrate` uses (`DATABASE_MIGRATION_URL`, default `DATABASE_URL`).
    public var migrationDatabaseURL: Secret
    /// Set when `DATABASE_URL` reaches another host without `sslmode=verify-full` (``DatabaseTransport``);
    /// `serve` and `worker` log it at start.
    public var databaseTransportWarning: String? = nil
    /// Days finished sync runs, events no longer due and old connect links are kept (`TETHER_RETENTION_DAYS`,
    /// default 90, 1 to 3650).
    public var retentionDays = 90
    /// Lets tenant webhooks reach loopback and private addresses, plain http to loopback included
    /// (`TETHER_WEBHOOK_ALLOW_PRIVATE=1`): local development only.
    public var webhooksMayReachPrivateAddresses = false
    /// HTTP connections the server keeps open at once (`TETHER_MAX_CONNECTIONS`, default 512, 1 to 100000).
    public var maximumConnections = 512
    /// Where the HTTP server listens (`TETHER_LISTEN`, default `127.0.0.1:8080`).
    public var listenHost: String
    /// The port of ``listenHost`` (0 picks a free port).
    public var listenPort: Int
    /// The external base URL, without a trailing slash (`TETHER_PUBLIC_URL`).
    public var publicURL: String
    /// The vault key ring, when `TETHER_VAULT_KEYS` or `TETHER_VAULT_KEYS_FILE` is set.
    public var keyRing: KeyRing?
    /// Origins allowed as connect-session return URLs (`TETHER_RETURN_URL_ORIGINS`).
    public var returnURLOrigins: [String]
    /// The platform Zoom OAuth app (`ZOOM_CLIENT_ID`); `nil` turns platform mode off.
    public var zoomClientID: String?
    /// The platform app's secret (`ZOOM_CLIENT_SECRET`).
    public var zoomClientSecret: Secret?
    /// Zoom's webhook secret token (`ZOOM_WEBHOOK_SECRET_TOKEN`); `nil` makes webhooks answer 503.
    public var zoomWebhookSecretToken: Secret?
    /// Zoom's OAuth host (`ZOOM_OAUTH_BASE_URL`).
    public var zoomOAuthBaseURL: String
    /// Zoom's REST base (`ZOOM_API_BASE_URL`).
    public var zoomAPIBaseURL: String
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical` (`TETHER_LOG_LEVEL`).
    public var logLevel: String
    /// A folder of SQL migrations to use instead of the ones built into the binary (`TETHER_MIGRATIONS_DIR`).
    public var migrationsDirectory: String?
    /// Requests per second per API key on `/v1` (`TETHER_API_RATE_LIMIT`, default `50/100`); nil turns it off.
    public var apiRateLimit: RequestRate?
    /// Requests per second per client address on the connect pages and the OAuth callback
    /// (`TETHER_BROWSER_RATE_LIMIT`, default `5/20`); nil turns it off.
    public var browserRateLimit: RequestRate?

    /// The key ring, or an error saying how to provide one.
    public func requireKeyRing() throws -> KeyRing {
        guard let keyRing else {
            throw SettingsError(
                variable: "TETHER_VAULT_KEYS",
                problem: "is required: set it (or TETHER_VAULT_KEYS_FILE) to id:base64key entries; `tether vault generate-key` makes one")
        }
        return keyRing
    }

    /// Reads and validates every variable.
    /// - Parameters:
    ///   - environment: the process environment; it wins over `dotEnv`.
    ///   - dotEnv: the contents of `.env`, if there is one.
    /// - Throws: ``SettingsError`` naming the first bad variable.
    public static func load(environment: [String: String], dotEnv: String? = nil) throws -> Settings {
        let variables = try (dotEnv.map(DotEnv.parse) ?? [:]).merging(environment) { _, fromEnvironment in fromEnvironment }
        func value(_ name: String) -> String? {
            guard let raw = variables[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }

        let database = value("DATABASE_URL") ?? ""
        let (host, port) = try parseListen(value("TETHER_LISTEN") ?? "127.0.0.1:8080")
        let publicURL = try parseBaseURL(value("TETHER_PUBLIC_URL") ?? "http://127.0.0.1:8080", variable: "TETHER_PUBLIC_URL", allowsAnyHTTP: true)

        if value("TETHER_VAULT_KEYS") != nil, value("TETHER_VAULT_KEYS_FILE") != nil {
            throw SettingsError(variable: "TETHER_VAULT_KEYS_FILE", problem: "set either TETHER_VAULT_KEYS or TETHER_VAULT_KEYS_FILE, not both")
        }
        var keyDefinition = value("TETHER_VAULT_KEYS")
        var keyVariable = "TETHER_VAULT_KEYS"
        if let path = value("TETHER_VAULT_KEYS_FILE") {
            keyVariable = "TETHER_VAULT_KEYS_FILE"
            keyDefinition = try readKeyFile(path)
        }
        let keyRing: KeyRing?
        do {
            keyRing = try keyDefinition.map { try KeyRing(parsing: $0, primaryID: value("TETHER_VAULT_PRIMARY")) }
        } catch let error as VaultError {
            throw SettingsError(variable: keyVariable, problem: error.reason)
        }
        if value("TETHER_VAULT_PRIMARY") != nil, keyRing == nil {
            throw SettingsError(variable: "TETHER_VAULT_PRIMARY", problem: "is set but there is no key ring (TETHER_VAULT_KEYS)")
        }

        let origins = try (value("TETHER_RETURN_URL_ORIGINS") ?? "").split(separator: ",").map {
            try parseOrigin(String($0).trimmingCharacters(in: .whitespaces))
        }

        let clientID = value("ZOOM_CLIENT_ID")
        let clientSecret = value("ZOOM_CLIENT_SECRET").map(Secret.init)
        if (clientID == nil) != (clientSecret == nil) {
            throw SettingsError(
                variable: clientID == nil ? "ZOOM_CLIENT_ID" : "ZOOM_CLIENT_SECRET",
                problem: "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET must be set together")
        }

        let level = (value("TETHER_LOG_LEVEL") ?? "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw SettingsError(variable: "TETHER_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }

        var settings = Settings(
            databaseURL: Secret(database),
            migrationDatabaseURL: Secret(value("DATABASE_MIGRATION_URL") ?? database),
            listenHost: host,
            listenPort: port,
            publicURL: publicURL,
            keyRing: keyRing,
            returnURLOrigins: origins,
            zoomClientID: clientID,
            zoomClientSecret: clientSecret,
            zoomWebhookSecretToken: value("ZOOM_WEBHOOK_SECRET_TOKEN").map(Secret.init),
            zoomOAuthBaseURL: try parseBaseURL(value("ZOOM_OAUTH_BASE_URL") ?? "https://zoom.us", variable: "ZOOM_OAUTH_BASE_URL"),
            zoomAPIBaseURL: try parseBaseURL(value("ZOOM_API_BASE_URL") ?? "https://api.zoom.us/v2", variable: "ZOOM_API_BASE_URL"),
            logLevel: level,
            migrationsDirectory: value("TETHER_MIGRATIONS_DIR"),
            apiRateLimit: try parseRate(value("TETHER_API_RATE_LIMIT") ?? "50/100", variable: "TETHER_API_RATE_LIMIT"),
            browserRateLimit: try parseRate(value("TETHER_BROWSER_RATE_LIMIT") ?? "5/20", variable: "TETHER_BROWSER_RATE_LIMIT"))
        settings.databaseTransportWarning = DatabaseTransport.warning(for: database, environment: environment)
        settings.apiDatabaseURL = value("DATABASE_API_URL").map(Secret.init)
        if let text = value("TETHER_RETENTION_DAYS") {
            guard let days = Int(text), (1...3_650).contains(days) else {
                throw SettingsError(variable: "TETHER_RETENTION_DAYS", problem: "must be a whole number of days from 1 to 3650")
            }
            settings.retentionDays = days
        }
        if let text = value("TETHER_MAX_CONNECTIONS") {
            guard let count = Int(text), (1...100_000).contains(count) else {
                throw SettingsError(variable: "TETHER_MAX_CONNECTIONS", problem: "must be a whole number from 1 to 100000")
            }
            settings.maximumConnections = count
        }
        if let text = value("TETHER_WEBHOOK_ALLOW_PRIVATE") {
            guard text == "0" || text == "1" else { throw SettingsError(variable: "TETHER_WEBHOOK_ALLOW_PRIVATE", problem: "must be 0 or 1") }
            settings.webhooksMayReachPrivateAddresses = text == "1"
        }
        return settings
    }

    // MARK: - Parsers

    /// `RATE` or `RATE/BURST` (requests per second, and how many may come at once; the burst defaults to
    /// twice the rate), or `0` / `off` for no limit.
    static func parseRate(_ text: String, variable: String) throws -> RequestRate? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "0" || trimmed == "off" { return nil }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let rate = Double(parts[0]), rate.isFinite, rate > 0,
            let burst = parts.count == 2 ? Double(parts[1]) : max(1, rate * 2), burst.isFinite, burst >= 1
        else {
            throw SettingsError(variable: variable, problem: "must be requests per second, optionally /burst (e.g. 50/100), or 0 for no limit")
        }
        return RequestRate(perSecond: rate, burst: burst)
    }

    static func parseListen(_ text: String) throws -> (String, Int) {
        let problem = "must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080"
        guard let colon = text.lastIndex(of: ":") else { throw SettingsError(variable: "TETHER_LISTEN", problem: problem) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw SettingsError(variable: "TETHER_LISTEN", problem: problem) }
        return (host, port)
    }

    /// An absolute http(s) URL without query or fragment, returned without a trailing slash. Plain http is
    /// refused unless the host is loopback (or `allowsAnyHTTP`, for Tether's own public URL behind a proxy).
    static func parseBaseURL(_ text: String, variable: String, allowsAnyHTTP: Bool = false) throws -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else {
            throw SettingsError(variable: variable, problem: "must be an absolute http(s) URL without query, fragment or credentials")
        }
        if scheme == "http", !allowsAnyHTTP, !OutboundURLPolicy.isLoopback(host: host) {
            throw SettingsError(variable: variable, problem: "must use https (plain http is allowed only for loopback hosts)")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func parseOrigin(_ text: String) throws -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
            components.user == nil
        else {
            throw SettingsError(variable: "TETHER_RETURN_URL_ORIGINS", problem: "each entry must be an origin such as https://app.example.com")
        }
        return "\(scheme)://\(host.lowercased())\(components.port.map { ":\($0)" } ?? "")"
    }

    static func readKeyFile(_ path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw SettingsError(variable: "TETHER_VAULT_KEYS_FILE", problem: "the file cannot be read")
        }
        if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw SettingsError(variable: "TETHER_VAULT_KEYS_FILE", problem: "the file must not be readable by group or others (chmod 400)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SettingsError(variable: "TETHER_VAULT_KEYS_FILE", problem: "the file cannot be read as UTF-8")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A sustained request rate and the burst allowed on top of it.
public struct RequestRate: Sendable, Hashable {
    public let perSecond: Double
    public let burst: Double

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }
}
