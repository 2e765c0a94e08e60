import Foundation
import Sensitive
import Testing
import TetherSettings
import Vault

@Suite("Settings from the environment and .env")
struct SettingsTests {
    let key = Base64.encode([UInt8](repeating: 3, count: 32))

    @Test("an empty environment gives the documented defaults")
    func defaults() throws {
        let settings = try Settings.load(environment: [:])
        #expect(settings.listenHost == "127.0.0.1")
        #expect(settings.listenPort == 8080)
        #expect(settings.publicURL == "http://127.0.0.1:8080")
        #expect(settings.zoomOAuthBaseURL == "https://zoom.us")
        #expect(settings.zoomAPIBaseURL == "https://api.zoom.us/v2")
        #expect(settings.databaseURL.unsafeValue == "")
        #expect(settings.keyRing == nil)
        #expect(settings.zoomClientID == nil)
        #expect(settings.logLevel == "info")
        #expect(settings.apiRateLimit == RequestRate(perSecond: 50, burst: 100))
        #expect(settings.browserRateLimit == RequestRate(perSecond: 5, burst: 20))
        #expect(throws: SettingsError.self) { try settings.requireKeyRing() }
    }

    @Test("rate limits take RATE or RATE/BURST, and 0 or off turns them off")
    func rateLimits() throws {
        let settings = try Settings.load(environment: ["TETHER_API_RATE_LIMIT": "10", "TETHER_BROWSER_RATE_LIMIT": "off"])
        #expect(settings.apiRateLimit == RequestRate(perSecond: 10, burst: 20))
        #expect(settings.browserRateLimit == nil)
        #expect(try Settings.load(environment: ["TETHER_API_RATE_LIMIT": "0.5/3"]).apiRateLimit == RequestRate(perSecond: 0.5, burst: 3))
        #expect(try Settings.load(environment: ["TETHER_API_RATE_LIMIT": "0"]).apiRateLimit == nil)
    }

    @Test("DATABASE_MIGRATION_URL defaults to DATABASE_URL; both stay redacted")
    func databaseURLs() throws {
        let settings = try Settings.load(environment: ["DATABASE_URL": "postgresql://app:pw@db/tether"])
        #expect(settings.migrationDatabaseURL.unsafeValue == "postgresql://app:pw@db/tether")
        #expect("\(settings.databaseURL)" == "<redacted>")
        let split = try Settings.load(environment: ["DATABASE_URL": "a", "DATABASE_MIGRATION_URL": "b"])
        #expect(split.migrationDatabaseURL.unsafeValue == "b")
    }

    @Test("the environment wins over .env, and .env syntax is understood")
    func dotEnv() throws {
        let file = """
            # comment
            export TETHER_LISTEN=0.0.0.0:9000
            TETHER_PUBLIC_URL="https://tether.example.com/"
            TETHER_LOG_LEVEL=debug # inline comment
            ZOOM_CLIENT_ID='abc def'
            ZOOM_CLIENT_SECRET="s\\"q"

            """
        let settings = try Settings.load(environment: ["TETHER_LOG_LEVEL": "warning"], dotEnv: file)
        #expect(settings.listenHost == "0.0.0.0" && settings.listenPort == 9000)
        #expect(settings.publicURL == "https://tether.example.com")
        #expect(settings.logLevel == "warning")
        #expect(settings.zoomClientID == "abc def")
        #expect(settings.zoomClientSecret?.unsafeValue == "s\"q")
        #expect(throws: SettingsError.self) { try DotEnv.parse("NOT A LINE") }
        #expect(throws: SettingsError.self) { try DotEnv.parse("KEY=\"unterminated") }
    }

    @Test("the vault key ring comes from TETHER_VAULT_KEYS with an optional primary")
    func keyRing() throws {
        let settings = try Settings.load(environment: ["TETHER_VAULT_KEYS": "a:\(key),b:\(key)", "TETHER_VAULT_PRIMARY": "b"])
        #expect(try settings.requireKeyRing().primaryID == "b")
    }

    @Test("a key file readable by others is refused; a private one is read")
    func keyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("k1:\(key)\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SettingsError.self) { try Settings.load(environment: ["TETHER_VAULT_KEYS_FILE": path]) }
        #expect(error?.variable == "TETHER_VAULT_KEYS_FILE")
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        #expect(try Settings.load(environment: ["TETHER_VAULT_KEYS_FILE": path]).keyRing?.ids == ["k1"])
    }

    @Test(
        "malformed values are refused with an error naming the variable and never echoing the value",
        arguments: [
            ("TETHER_LISTEN", "localhost"),
            ("TETHER_LISTEN", "127.0.0.1:99999"),
            ("TETHER_PUBLIC_URL", "not a url"),
            ("TETHER_PUBLIC_URL", "https://tether.example.com/?q=1"),
            ("ZOOM_OAUTH_BASE_URL", "http://zoom.example.com"),
            ("ZOOM_API_BASE_URL", "ftp://api.zoom.us"),
            ("TETHER_RETURN_URL_ORIGINS", "https://app.example.com/path"),
            ("TETHER_VAULT_KEYS", "k1:c2VjcmV0LXNob3J0LWtleQ=="),
            ("TETHER_VAULT_KEYS", "k1:!!notbase64-secretvalue"),
            ("TETHER_LOG_LEVEL", "loud"),
            ("TETHER_API_RATE_LIMIT", "fast"),
            ("TETHER_API_RATE_LIMIT", "-5"),
            ("TETHER_BROWSER_RATE_LIMIT", "5/0.5"),
            ("TETHER_BROWSER_RATE_LIMIT", "5/10/20"),
        ])
    func refusesMalformedValues(variable: String, value: String) {
        let error = #expect(throws: SettingsError.self) { try Settings.load(environment: [variable: value]) }
        #expect(error?.variable == variable)
        #expect(error?.description.contains(value) == false)
    }

    @Test("a platform app needs both its client id and its secret; the error names the missing one")
    func platformAppPair() {
        let error = #expect(throws: SettingsError.self) { try Settings.load(environment: ["ZOOM_CLIENT_ID": "only-the-id"]) }
        #expect(error?.variable == "ZOOM_CLIENT_SECRET")
    }

    @Test("plain http is allowed for loopback Zoom hosts (the sandbox) but nowhere else")
    func loopbackHTTP() throws {
        let local = try Settings.load(environment: ["ZOOM_OAUTH_BASE_URL": "http://127.0.0.1:8090", "ZOOM_API_BASE_URL": "http://localhost:8090/v2"])
        #expect(local.zoomOAuthBaseURL == "http://127.0.0.1:8090")
        #expect(local.zoomAPIBaseURL == "http://localhost:8090/v2")
        #expect(throws: SettingsError.self) { try Settings.load(environment: ["ZOOM_API_BASE_URL": "http://10.0.0.5/v2"]) }
    }

    @Test("return URL origins are normalised to scheme://host[:port]")
    func returnOrigins() throws {
        let settings = try Settings.load(environment: ["TETHER_RETURN_URL_ORIGINS": "https://App.Example.com, http://localhost:3000/"])
        #expect(settings.returnURLOrigins == ["https://app.example.com", "http://localhost:3000"])
    }
}
