public import Credentials
import Foundation
public import Logging
import NIOConcurrencyHelpers
public import Postgres
public import ServiceLifecycle
import Store
public import Transport
import Vault

/// How the deliverer paces itself.
public struct EventDeliveryConfiguration: Sendable {
    /// Pause between polls when nothing is due.
    public var pollInterval: Duration = .seconds(1)
    /// Deliveries claimed (and sent concurrently) per poll.
    public var batchSize = 20
    /// Total time allowed for one request to the endpoint.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a claimed attempt is held before another process may take it over.
    public var lease: Duration = .seconds(60)
    /// The first retry waits this long; each next one twice as long, up to `retryCap`, with ±20 % jitter.
    public var retryBase: Duration = .seconds(30)
    public var retryCap: Duration = .seconds(3600)
    /// An event not delivered this long after it happened is given up (it stays in the feed).
    public var giveUpAfter: Duration = .seconds(24 * 3600)
    /// Attempts this process has in flight to one host at most; the host's other due deliveries wait for
    /// a later pass (without using an attempt), so one slow endpoint cannot hold every delivery slot.
    public var maximumPerHost = 2
    /// How long a delivery waits when its host is at ``maximumPerHost``.
    public var busyHostDelay: Duration = .seconds(1)
    /// Lets webhook URLs reach loopback and private addresses, and plain http to loopback hosts
    /// (`TETHER_WEBHOOK_ALLOW_PRIVATE=1`, local development only). Off, registration refuses such URLs and
    /// the delivery client connects to public addresses only (DESIGN §6.4).
    public var allowsPrivateAddresses = false

    public init() {}

    /// The wait before attempt `attempt + 1`, jittered.
    func retryDelay(after attempt: Int) -> Duration {
        let doubled = retryBase * Int(min(1 << min(attempt - 1, 20), Int(Int32.max)))
        return min(retryCap, doubled) * Double.random(in: 0.8...1.2)
    }
}

/// Pushes every tenant's events to its webhook URL, signed (``WebhookSigning``), retrying failures with
/// exponential backoff for 24 hours. Runs inside `tether serve` and `tether worker`; any number of
/// processes share the work through the events table.
public struct EventDeliverer: Service {
    let deliveries: EventDeliveries
    let vault: CredentialVault
    let http: any HTTPTransport
    let configuration: EventDeliveryConfiguration
    let logger: Logger
    /// In-flight attempts per host, across passes.
    let hosts = HostSlots()

    public init(pool: PGPool, vault: CredentialVault, http: any HTTPTransport, configuration: EventDeliveryConfiguration = .init(), logger: Logger) {
        self.deliveries = EventDeliveries(pool: pool)
        self.vault = vault
        self.http = http
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var claimed = 0
            do {
                claimed = try await deliverDue()
            } catch {
                logger.warning("event delivery pass failed", metadata: ["error": "\(error)"])
            }
            if claimed < configuration.batchSize {
                try? await cancelWhenGracefulShutdown { [configuration] in try await Task.sleep(for: configuration.pollInterval) }
            }
        }
    }

    /// Claims one batch of due deliveries and attempts each. Returns how many were claimed.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let batch = try await deliveries.claim(limit: configuration.batchSize, lease: configuration.lease)
        await withTaskGroup(of: Void.self) { group in
            for delivery in batch {
                let host = URLComponents(string: delivery.url)?.host?.lowercased() ?? ""
                guard hosts.take(host, limit: configuration.maximumPerHost) else {
                    group.addTask { await postpone(delivery) }
                    continue
                }
                group.addTask {
                    await attempt(delivery)
                    hosts.give(host)
                }
            }
        }
        return batch.count
    }

    private func attempt(_ delivery: EventDelivery) async {
        let outcome: String?
        do {
            let secret = try vault.openWebhookSecret(delivery.sealedSecret, tenantID: delivery.tenantID)
            let body = Array(delivery.body.utf8)
            let signature = try WebhookSigning.headers(secret: secret, id: delivery.eventID.uuidString.lowercased(), timestamp: Date(), body: body)
            let response = try await http.execute(
                HTTPClientRequest(
                    method: "POST", url: delivery.url,
                    headers: [HTTPHeader("Content-Type", "application/json"), HTTPHeader("User-Agent", "Tether-Webhooks/1")]
                        + signature.map { HTTPHeader($0.0, $0.1) },
                    body: body, timeout: configuration.requestTimeout, maximumResponseBytes: 64 * 1024))
            outcome = (200..<300).contains(response.status) ? nil : "the endpoint answered \(response.status)"
        } catch {
            outcome = "\(error)"
        }
        do {
            guard let error = outcome else {
                try await deliveries.delivered(delivery)
                return
            }
            let retryAt = Date().addingTimeInterval(Self.seconds(configuration.retryDelay(after: delivery.attempt)))
            let deadline = delivery.createdAt.addingTimeInterval(Self.seconds(configuration.giveUpAfter))
            try await deliveries.failed(delivery, error: error, retryAt: retryAt < deadline ? retryAt : nil)
            logger.info(
                "webhook delivery failed",
                metadata: [
                    "tenant": "\(delivery.tenantID)", "event": "\(delivery.eventID)", "attempt": "\(delivery.attempt)",
                    "error": "\(error)", "final": "\(retryAt >= deadline)",
                ])
        } catch {
            logger.warning("could not record a webhook delivery; its lease will expire and it is tried again", metadata: ["error": "\(error)"])
        }
    }

    private func postpone(_ delivery: EventDelivery) async {
        do {
            try await deliveries.postpone(delivery, by: configuration.busyHostDelay)
        } catch {
            logger.warning("could not postpone a webhook delivery; its lease will expire and it is tried again", metadata: ["error": "\(error)"])
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration / .milliseconds(1)) / 1000
    }
}

/// Attempts in flight per host, shared by every pass of one deliverer.
final class HostSlots: Sendable {
    private let inFlight = NIOLockedValueBox<[String: Int]>([:])

    /// Takes a slot for `host` if fewer than `limit` are taken.
    func take(_ host: String, limit: Int) -> Bool {
        inFlight.withLockedValue { inFlight in
            guard inFlight[host, default: 0] < limit else { return false }
            inFlight[host, default: 0] += 1
            return true
        }
    }

    func give(_ host: String) {
        inFlight.withLockedValue { inFlight in
            inFlight[host, default: 1] -= 1
            if inFlight[host] == 0 { inFlight[host] = nil }
        }
    }
}
