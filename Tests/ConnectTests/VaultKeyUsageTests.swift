import Credentials
import Foundation
import Logging
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import Vault

/// SECURITY.md K5: every value sealed counts against its key, across processes, and a key nearing the
/// safe number of random nonces raises the alarm.
@Suite("Vault key usage (K5)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct VaultKeyUsageTests {
    @Test("seals are counted per key over two processes; past the warning line an alert names the key, past the limit it calls for rotation")
    func countsAndAlerts() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let key = try SymmetricKey.generate()
            let ring = try KeyRing(keys: [(id: "k1", key: key)])
            let capture = LogCapture()
            let logger = Logger(label: "tether.tests.k5") { _ in CapturingLogHandler(capture: capture) }
            let (firstTally, secondTally) = (SealTally(), SealTally())
            let first = CredentialVault(keyRing: ring, tally: firstTally)
            let second = CredentialVault(keyRing: ring, tally: secondTally)
            let tenant = UUID()
            for index in 0..<7 { _ = try first.sealWebhookSecret(Secret("s\(index)"), tenantID: tenant) }
            for index in 0..<5 {
                _ = try second.seal(
                    tenantID: tenant, connectionID: UUID(), accessToken: Secret("a\(index)"), expiresAt: nil, refreshToken: nil, clientSecret: nil)
            }
            let firstRecorder = VaultKeyUsageRecorder(tally: firstTally, pool: app, warnAt: 10, rotateAt: 20, logger: logger)
            let secondRecorder = VaultKeyUsageRecorder(tally: secondTally, pool: app, warnAt: 10, rotateAt: 20, logger: logger)
            #expect(try await firstRecorder.record().isEmpty, "7 seals are under the warning line")
            let alerts = try await secondRecorder.record()
            #expect(alerts == [.init(keyID: "k1", seals: 12, mustRotate: false)])
            for index in 0..<8 { _ = try first.sealWebhookSecret(Secret("t\(index)"), tenantID: tenant) }
            #expect(try await firstRecorder.record() == [.init(keyID: "k1", seals: 20, mustRotate: true)])
            #expect(try await VaultKeyUsage(pool: app).totals() == ["k1": 20])
            #expect(capture.all.contains { $0.contains("rotate") && $0.contains("k1") })
        }
    }
}
