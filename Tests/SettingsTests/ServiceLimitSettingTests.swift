import Testing
import TetherSettings

/// `TETHER_RETENTION_DAYS`, `TETHER_WEBHOOK_ALLOW_PRIVATE` and `TETHER_MAX_CONNECTIONS`.
@Suite("Retention, webhook and connection settings")
struct ServiceLimitSettingTests {
    @Test("90 days by default; 1 to 3650 accepted; anything else refused naming the variable")
    func retentionDays() throws {
        #expect(try Settings.load(environment: [:]).retentionDays == 90)
        #expect(try Settings.load(environment: ["TETHER_RETENTION_DAYS": "30"]).retentionDays == 30)
        for bad in ["0", "3651", "ninety", "-5", "7.5"] {
            let error = #expect(throws: SettingsError.self, "\(bad)") { try Settings.load(environment: ["TETHER_RETENTION_DAYS": bad]) }
            #expect(error.map { "\($0)" }?.contains("TETHER_RETENTION_DAYS") == true)
        }
    }

    @Test("webhooks reach public addresses only unless TETHER_WEBHOOK_ALLOW_PRIVATE is 1; other values are refused")
    func webhookAllowPrivate() throws {
        #expect(try Settings.load(environment: [:]).webhooksMayReachPrivateAddresses == false)
        #expect(try Settings.load(environment: ["TETHER_WEBHOOK_ALLOW_PRIVATE": "1"]).webhooksMayReachPrivateAddresses)
        #expect(try Settings.load(environment: ["TETHER_WEBHOOK_ALLOW_PRIVATE": "0"]).webhooksMayReachPrivateAddresses == false)
        #expect(throws: SettingsError.self) { try Settings.load(environment: ["TETHER_WEBHOOK_ALLOW_PRIVATE": "yes"]) }
    }

    @Test("512 connections by default; 1 to 100000 accepted; anything else refused naming the variable")
    func maximumConnections() throws {
        #expect(try Settings.load(environment: [:]).maximumConnections == 512)
        #expect(try Settings.load(environment: ["TETHER_MAX_CONNECTIONS": "64"]).maximumConnections == 64)
        for bad in ["0", "100001", "many", "-1"] {
            let error = #expect(throws: SettingsError.self, "\(bad)") { try Settings.load(environment: ["TETHER_MAX_CONNECTIONS": bad]) }
            #expect(error.map { "\($0)" }?.contains("TETHER_MAX_CONNECTIONS") == true)
        }
    }
}
