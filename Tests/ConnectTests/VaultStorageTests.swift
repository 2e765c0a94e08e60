import Credentials
import CurlHTTP
import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import Vault
import ZoomSandbox

/// SECURITY.md K3, K8, K9 and online rotation (K10's correctness part), on the real tables.
@Suite("Vault at rest", .enabled(if: TestDatabase.isAvailableOrRequired))
struct VaultStorageTests {
    @Test("K3: a ciphertext copied to another tenant's row or another column never opens")
    func swap() async throws {
        try await withHarness { h in
            let (tenantA, connectionA) = try await TokenLifecycleTests.connected(h, "acme")
            let (tenantB, connectionB) = try await TokenLifecycleTests.connected(h, "beta", account: 1)
            let a = try #require(try await h.connections.credentials(tenantID: tenantA, connectionID: connectionA))
            var opened = 0
            for attempt in [
                (a.refreshToken, "refresh_token", tenantB, connectionB),  // into tenant B's row
                (a.accessToken, "refresh_token", tenantA, connectionA),  // into another column
                (a.refreshToken, "refresh_token", tenantA, connectionB),  // another connection
            ] {
                if (try? h.vault.open(attempt.0, column: attempt.1, tenantID: attempt.2, connectionID: attempt.3)) != nil { opened += 1 }
            }
            #expect(opened == 0)
            // Through the database too: B's row holding A's ciphertext makes B's refresh fail, not succeed with A's grant.
            try await h.owner.withConnection { connection in
                _ = try connection.execute(
                    """
                    UPDATE connection_credentials SET refresh_token = \(a.refreshToken), access_token_expires_at = now()
                    WHERE tenant_id = \(tenantB)
                    """)
            }
            await #expect(throws: (any Error).self) { try await h.tokens.accessToken(tenantID: tenantB, connectionID: connectionB) }
        }
    }

    @Test("rotation re-seals every row under the new primary while refreshes run, losing no token; verify opens them all with the new key alone")
    func rotationUnderRefresh() async throws {
        let k1 = try SymmetricKey.generate()
        try await withHarness(keyRing: try KeyRing(keys: [(id: "k1", key: k1)])) { h in
            var connections: [(UUID, UUID)] = []
            for index in 0..<3 { connections.append(try await TokenLifecycleTests.connected(h, "tenant-\(index)", account: index)) }
            let ring = try KeyRing(keys: [(id: "k1", key: k1), (id: "k2", key: try SymmetricKey.generate())], primaryID: "k2")
            let vault = CredentialVault(keyRing: ring)
            let rotation = KeyRotation(pool: h.app, vault: vault, logger: TestDatabase.logger)
            #expect(try await rotation.status() == ["k1": 3])
            let tokens = TokenProvider(
                connections: h.connections, vault: vault, registry: h.connect.registry, http: h.outbound, logger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (tenant, id) in connections {
                    group.addTask {
                        for _ in 0..<3 { _ = try await tokens.refresh(tenantID: tenant, connectionID: id, force: true) }
                    }
                }
                group.addTask { _ = try await rotation.run(batchSize: 2) }
                try await group.waitForAll()
            }
            _ = try await rotation.run(batchSize: 2)  // a rerun finds nothing left (or finishes what a concurrent refresh raced)
            #expect(try await rotation.status() == ["k2": 3])
            let newKeyOnly = try KeyRing(keys: [(id: "k2", key: try #require(ring.key(id: "k2")))])
            let verified = try await KeyRotation(pool: h.app, vault: CredentialVault(keyRing: newKeyOnly), logger: TestDatabase.logger).verify()
            #expect(verified.opened == 3 && verified.failed.isEmpty)
            let oldKeyOnly = try KeyRing(keys: [(id: "k1", key: k1)])
            let unreadable = try await KeyRotation(pool: h.app, vault: CredentialVault(keyRing: oldKeyOnly), logger: TestDatabase.logger).verify()
            #expect(unreadable.opened == 0 && unreadable.failed.count == 3)
            #expect(unreadable.failed.allSatisfy { $0.hasPrefix("connection_credentials tenant ") })
            // Every refresh token still works at the provider, opened with the new ring.
            let refreshes = h.sandbox.refreshes
            for (tenant, id) in connections { _ = try await tokens.refresh(tenantID: tenant, connectionID: id, force: true) }
            #expect(h.sandbox.refreshes == refreshes + 3)
        }
    }

    @Test("K8, K9: a custom-mode run leaves no secret, token, code or state in logs, HTTP responses or a pg_dump")
    func sentinelScan() async throws {
        guard let bindir = ProcessInfo.processInfo.environment["TETHER_TEST_PG_BINDIR"] else {
            Issue.record("TETHER_TEST_PG_BINDIR is not set: run the tests with scripts/test")
            return
        }
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let app = h.customApp()
            var browser = Browser(h)
            let url = try await h.connectURL("acme", key: key, mode: "custom")
            let webhookToken = "sentinel-webhook-token-\(UUID().uuidString)"
            let started = try await browser.start(url, client: (app.clientID, app.clientSecret), webhookSecretToken: webhookToken)
            let authorize = try #require(started.header("location"))
            let state = try #require(URLComponents(string: authorize)?.queryItems?.first { $0.name == "state" }?.value)
            let location = try await browser.consent(authorize)
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
            let done = try await browser.callback(location)
            let id = try #require(done.locationParameters["connection_id"])
            // Tether's own responses (the sandbox's redirect necessarily carries the code and state back),
            // except the flow start, whose redirect to the provider necessarily carries the state.
            var responses = browser.seen.filter { $0.request.hasPrefix("GET " + h.base) }.map(\.response)
            for path in ["/v1/tenants/acme/connections", "/v1/tenants/acme/connections/\(id)"] {
                responses.append(try await h.api("GET", path, key: key))
            }
            _ = try await h.tokens.refresh(tenantID: UUID(uuidString: tenant)!, connectionID: UUID(uuidString: id)!, force: true)
            let sealed = try #require(try await h.connections.credentials(tenantID: UUID(uuidString: tenant)!, connectionID: UUID(uuidString: id)!))
            let access = try #require(
                try h.vault.open(sealed.accessToken, column: "access_token", tenantID: UUID(uuidString: tenant)!, connectionID: UUID(uuidString: id)!)
            )
            let refresh = try #require(
                try h.vault.open(
                    sealed.refreshToken, column: "refresh_token", tenantID: UUID(uuidString: tenant)!, connectionID: UUID(uuidString: id)!))
            let connectToken = String(url.split(separator: "/").last!)

            let dump = try Self.pgDump(bindir: bindir, url: h.ownerURL)
            #expect(dump.contains("connection_credentials"), "the dump is real")
            let haystacks =
                [("logs", h.logs.all.joined(separator: "\n")), ("dump", dump)]
                + responses.enumerated().map {
                    (
                        "response \($0.offset)",
                        $0.element.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n" + $0.element.bodyText
                    )
                }
            let sentinels = [
                ("client secret", app.clientSecret), ("webhook secret token", webhookToken), ("access token", access.unsafeValue),
                ("refresh token", refresh.unsafeValue),
                ("authorization code", code), ("state", state), ("connect link token", connectToken), ("API key", key),
            ]
            var searches = 0
            var hits = 0
            for (name, value) in sentinels {
                for form in [value, Base64.encode(Array(value.utf8))] {
                    // The connect page necessarily posts to its own link; the link token is checked in logs and the dump.
                    for (place, text) in haystacks where name != "connect link token" || !place.hasPrefix("response") {
                        #expect(!text.contains(form), "\(name) found in \(place)")
                        searches += 1
                        if text.contains(form) { hits += 1 }
                    }
                }
            }
            Figures.record("sentinel.searches", searches)
            Figures.record(
                "sentinel.places", "\(sentinels.count) secrets, raw and base64, in the logs, a pg_dump and \(responses.count) HTTP responses")
            Figures.record("sentinel.hits", hits)
            // K9: no API response has a field named like a secret.
            for response in responses where response.header("content-type")?.hasPrefix("application/json") == true {
                for field in ["client_secret", "access_token", "refresh_token"] { #expect(!response.bodyText.contains("\"\(field)\"")) }
            }
        }
    }

    static func pgDump(bindir: String, url: String) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg_dump-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(
            URL(fileURLWithPath: bindir).appendingPathComponent("pg_dump").path, ["--no-owner", "--data-only", "--inserts", url],
            environment: ProcessInfo.processInfo.environment, standardOutput: output.path)
        while process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0 else { throw HarnessError("pg_dump exited \(process.terminationStatus ?? -1)") }
        return try String(contentsOf: output, encoding: .utf8)
    }
}
