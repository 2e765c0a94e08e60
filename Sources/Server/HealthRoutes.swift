import Hummingbird
import Store

/// `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers and every
/// migration is applied). Load balancers route only to ready instances.
struct HealthRoutes: Sendable {
    let migrator: Migrator
    let readinessTimeout: Duration

    struct Health: ResponseEncodable {
        let status = "ok"
    }

    struct Readiness: ResponseEncodable {
        enum Status: String, Encodable {
            case ready
            case notReady = "not_ready"
        }
        enum Database: String, Encodable {
            case ok
            case unreachable
        }
        enum Migrations: String, Encodable {
            case current
            case pending
            case unknown
        }
        struct Checks: Encodable {
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
        let database: Readiness.Database
        let migrations: Readiness.Migrations
        do {
            migrations = try await migrator.isCurrent(timeout: readinessTimeout) ? .current : .pending
            database = .ok
        } catch {
            database = .unreachable
            migrations = .unknown
        }
        let ready = database == .ok && migrations == .current
        return EditedResponse(
            status: ready ? .ok : .serviceUnavailable,
            response: Readiness(status: ready ? .ready : .notReady, checks: .init(database: database, migrations: migrations)))
    }
}
