import Hummingbird
import Store

/// `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers and every
/// migration is applied). Load balancers route only to ready instances.
struct HealthRoutes: Sendable {
    let migrator: Migrator
    let readinessTimeout: Duration

    struct Health: ResponseEncodable {
        let status: String
    }

    struct Readiness: ResponseEncodable {
        struct Checks: Encodable {
            let database: String
            let migrations: String
        }
        let status: String
        let checks: Checks
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/healthz") { _, _ in Health(status: "ok") }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    func readiness() async throws -> EditedResponse<Readiness> {
        let database: String
        let migrations: String
        do {
            migrations = try await migrator.isCurrent(timeout: readinessTimeout) ? "current" : "pending"
            database = "ok"
        } catch {
            database = "unreachable"
            migrations = "unknown"
        }
        let ready = database == "ok" && migrations == "current"
        return EditedResponse(
            status: ready ? .ok : .serviceUnavailable,
            response: Readiness(status: ready ? "ready" : "not_ready", checks: .init(database: database, migrations: migrations)))
    }
}
