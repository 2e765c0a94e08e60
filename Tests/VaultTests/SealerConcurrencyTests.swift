import Foundation
import TestSupport
import Testing
import Vault

/// SECURITY.md K7, after Vault's `TestPolicyFuzzing`: 16 tasks seal, open and re-seal while one of them
/// keeps rotating the key ring (a new primary, the old key kept for one more round, the one before dropped).
/// Every open must give back the plaintext, or refuse only because the sealing key left the ring.
/// `TETHER_K7_SECONDS` sets the duration: a few seconds per test run, 60 in `scripts/reliability`.
@Suite("Vault under concurrent use and rotation (K7)")
struct SealerConcurrencyTests {
    static var seconds: Int { ProcessInfo.processInfo.environment["TETHER_K7_SECONDS"].flatMap(Int.init) ?? 3 }

    /// The sealer every task uses, replaced at each rotation.
    final class Current: @unchecked Sendable {
        private let lock = NSLock()
        private var sealer: Sealer
        init(_ sealer: Sealer) { self.sealer = sealer }
        var value: Sealer {
            get { lock.withLock { sealer } }
            set { lock.withLock { sealer = newValue } }
        }
    }

    @Test("16 tasks seal, open and re-seal under a rotating key ring: every value opens to its plaintext or names a dropped key")
    func concurrentUseUnderRotation() async throws {
        let first = try KeyRing(keys: [(id: "r0", key: try SymmetricKey.generate())])
        let current = Current(Sealer(keyRing: first))
        let deadline = ContinuousClock.now + .seconds(Self.seconds)
        let context = SealContext(table: "connection_credentials", column: "access_token", tenantID: UUID(), connectionID: UUID())
        let (operations, failures, rotations) = try await withThrowingTaskGroup(of: (Int, [String], Int).self) { group in
            group.addTask {
                var round = 0
                // At least 10 rotations, however slowly a loaded machine runs the test.
                while ContinuousClock.now < deadline || round < 10 {
                    round += 1
                    let previous = current.value.keyRing
                    let ring = try KeyRing(
                        keys: [(id: "r\(round)", key: try SymmetricKey.generate()), (id: previous.primaryID, key: previous.primaryKey)],
                        primaryID: "r\(round)")
                    current.value = Sealer(keyRing: ring)
                    try await Task.sleep(for: .milliseconds(5))
                }
                return (0, [], round)
            }
            for worker in 0..<15 {
                group.addTask {
                    var done = 0
                    var failures: [String] = []
                    while ContinuousClock.now < deadline || done < 100 {
                        let plaintext = "secret \(worker) \(done) " + String(repeating: "x", count: done % 64)
                        let sealed = try current.value.seal(plaintext, for: context)
                        let later = current.value
                        do {
                            if try later.openString(sealed, for: context) != plaintext { failures.append("opened to another value") }
                            if let resealed = try later.resealed(sealed, for: context),
                                try later.openString(resealed, for: context) != plaintext
                            {
                                failures.append("re-sealed to another value")
                            }
                        } catch let error as VaultError where error.code == .invalidKeyRing {
                            let keyID = try Sealer.keyID(of: sealed)
                            if later.keyRing.key(id: keyID) != nil { failures.append("refused although key \(keyID) is in the ring") }
                        } catch {
                            failures.append("\(error)")
                        }
                        done += 1
                        if done % 64 == 0 { await Task.yield() }
                    }
                    return (done, failures, 0)
                }
            }
            return try await group.reduce(into: (0, [String](), 0)) { total, part in
                total.0 += part.0
                total.1 += part.1
                total.2 += part.2
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(operations >= 1_500 && rotations >= 10, "\(operations) operations, \(rotations) rotations")
        Figures.record("vault.k7", "\(operations) seal-open-reseal rounds by 15 tasks under \(rotations) rotations in \(Self.seconds) s, 0 failures")
    }
}
