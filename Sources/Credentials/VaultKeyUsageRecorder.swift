import CoreMetrics
public import Logging
public import Postgres
public import ServiceLifecycle
import Store
public import Vault

/// Adds what this process sealed to each key's total in the database every `interval`, and raises the
/// alarm as a key's total nears the limit of random 96-bit nonces (SECURITY.md K5): a warning from
/// `warnAt` (2^30) on, an error calling for rotation past `rotateAt` (2^31), and the totals as the gauge
/// `tether_vault_key_seals{key}`.
public struct VaultKeyUsageRecorder: Service {
    /// A key whose total calls for attention.
    public struct Alert: Sendable, Hashable {
        public let keyID: String
        public let seals: Int
        /// Past ``rotateAt``: rotate now.
        public let mustRotate: Bool

        public init(keyID: String, seals: Int, mustRotate: Bool) {
            self.keyID = keyID
            self.seals = seals
            self.mustRotate = mustRotate
        }
    }

    let tally: SealTally
    let usage: VaultKeyUsage
    let interval: Duration
    let warnAt: Int
    let rotateAt: Int
    let logger: Logger

    public init(
        tally: SealTally, pool: PGPool, interval: Duration = .seconds(30), warnAt: Int = 1 << 30, rotateAt: Int = 1 << 31, logger: Logger
    ) {
        self.tally = tally
        self.usage = VaultKeyUsage(pool: pool)
        self.interval = interval
        self.warnAt = warnAt
        self.rotateAt = rotateAt
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            await recordQuietly()
        }
        await recordQuietly()  // what the last interval sealed
    }

    /// Records the counts since the last call; returns the keys past the warning line.
    @discardableResult
    public func record() async throws -> [Alert] {
        let counts = tally.drain()
        let totals: [String: Int]
        do {
            totals = try await usage.add(counts)
        } catch {
            tally.restore(counts)
            throw error
        }
        var alerts: [Alert] = []
        for (keyID, seals) in totals.sorted(by: { $0.key < $1.key }) {
            Gauge(label: "tether_vault_key_seals", dimensions: [("key", keyID)]).record(seals)
            guard seals >= warnAt else { continue }
            let alert = Alert(keyID: keyID, seals: seals, mustRotate: seals >= rotateAt)
            alerts.append(alert)
            let message: Logger.Message =
                alert.mustRotate
                ? "vault key has sealed more values than is safe: add a new primary key and run `tether vault rotate` now"
                : "vault key nears its safe number of seals: plan a rotation (new primary key, then `tether vault rotate`)"
            logger.log(level: alert.mustRotate ? .error : .warning, message, metadata: ["key": "\(keyID)", "seals": "\(seals)"])
        }
        return alerts
    }

    private func recordQuietly() async {
        do {
            try await record()
        } catch {
            logger.warning("could not record vault key usage; it is added at the next try", metadata: ["error": "\(error)"])
        }
    }
}
