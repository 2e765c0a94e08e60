import Testing
import TetherSettings

/// `TETHER_RETENTION_DAYS`.
@Suite("Retention setting")
struct RetentionSettingTests {
    @Test("90 days by default; 1 to 3650 accepted; anything else refused naming the variable")
    func retentionDays() throws {
        #expect(try Settings.load(environment: [:]).retentionDays == 90)
        #expect(try Settings.load(environment: ["TETHER_RETENTION_DAYS": "30"]).retentionDays == 30)
        for bad in ["0", "3651", "ninety", "-5", "7.5"] {
            let error = #expect(throws: SettingsError.self, "\(bad)") { try Settings.load(environment: ["TETHER_RETENTION_DAYS": bad]) }
            #expect(error.map { "\($0)" }?.contains("TETHER_RETENTION_DAYS") == true)
        }
    }
}
