import Hummingbird
import Store

/// `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers and every
/// migration is applied). Load balancers route only to ready instances.
struct HealthRoutes: Sendable {
    let migrator: Migrator
    let readinessTimeout: Duration
    /// The last check, for a second: load balancers and floods alike cost the database one query a second.
    let recentChecks = RecentValue<Readiness.Checks>(lifetime: .seconds(1))

    struct Health: ResponseEncodable {
        let status = "ok"
    }

    struct Readiness: ResponseEncodable {
        enum Status: String, Encodable {
            case ready
            case notReady = "not_ready"
        }
        enum Database: String, Encodable, Sendable {
            case ok
            case unreachable
        }
        enum Migrations: String, Encodable, Sendable {
            case current
            case pending
            case unknown
        }
        struct Checks: Encodable, Sendable {
            let database: Database
            let migrations: Migrations
        }
        let status: Status
        let checks: Checks
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/healthz") { _, _ in Health() }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    func readiness() async throws -> EditedResponse<Readiness> {
        let (migrator, timeout) = (migrator, readinessTimeout)
        let checks = await recentChecks.get {
            do {
                return .init(database: .ok, migrations: try await migrator.isCurrent(timeout: timeout) ? .current : .pending)
            } catch {
                return .init(database: .unreachable, migrations: .unknown)
            }
        }
        let (database, migrations) = (checks.database, checks.migrations)
        let ready = database == .ok && migrations == .current
        return EditedResponse(
            status: ready ? .ok : .serviceUnavailable,
            response: Readiness(status: ready ? .ready : .notReady, checks: .init(database: database, migrations: migrations)))
    }
}
