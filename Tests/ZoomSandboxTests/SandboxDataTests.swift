import CurlHTTP
import Foundation
import Testing
import ZoomSandbox

@Suite("Zoom sandbox: billing, reports, phone and rooms")
struct SandboxDataTests {
    /// A token for the custom app of account `index` (0 Pro, 1 Free, 2 Business).
    func token(_ zoom: SandboxDriver, account index: Int) async throws -> String? {
        let app = zoom.sandbox.world.apps.first { $0.kind == .custom(accountIndex: index) }!
        return try await zoom.connect(app: app)["access_token"] as? String
    }

    func day(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    @Test("a Business account answers every data endpoint, and paged ones page to the end without repeats")
    func everyEndpoint() async throws {
        try await withSandbox({ $0.rateLimits = false }) { _, zoom in
            let token = try await token(zoom, account: 2)
            let window = "from=\(day(-20))&to=\(day(-1))"
            let paged: [(String, String)] = [
                ("/v2/accounts", "accounts"), ("/v2/report/users?\(window)", "users"), ("/v2/report/activities?\(window)", "activity_logs"),
                ("/v2/report/operationlogs?\(window)", "operation_logs"), ("/v2/report/telephone?\(window)", "telephony_usage"),
                ("/v2/phone/users", "users"), ("/v2/phone/call_history?\(window)", "call_history"), ("/v2/rooms", "rooms"),
                ("/v2/rooms/locations", "locations"),
            ]
            for (path, key) in paged {
                var seen = Set<String>()
                var next = ""
                var total = 0
                for _ in 0..<100 {
                    let separator = path.contains("?") ? "&" : "?"
                    let response = try await zoom.get("\(path)\(separator)page_size=7&next_page_token=\(next)", token: token)
                    #expect(response.status == 200, "\(path)")
                    let body = try zoom.json(response)
                    let items = body[key] as? [[String: Any]] ?? []
                    for item in items { seen.insert(String(describing: item.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })) }
                    total += items.count
                    next = body["next_page_token"] as? String ?? ""
                    if next.isEmpty { break }
                }
                #expect(total > 0, "\(path) returned no records")
                #expect(seen.count == total, "\(path) repeated a record across pages")
            }
            for (path, key) in [
                ("/v2/accounts/me/plans/usage", "plan_base"), ("/v2/accounts/me/plans", "plan_base"),
                ("/v2/accounts/me/billing/invoices", "invoices"), ("/v2/report/daily", "dates"), ("/v2/report/billing", "billing_reports"),
                ("/v2/phone/calling_plans", "calling_plans"),
            ] {
                let body = try zoom.json(try await zoom.get(path, token: token))
                #expect(body[key] != nil, "\(path) lacks \(key)")
            }
            let billing = try zoom.json(try await zoom.get("/v2/report/billing", token: token))["billing_reports"] as! [[String: Any]]
            let invoice = try await zoom.get("/v2/report/billing/invoices?billing_id=\(billing[0]["id"] as! String)", token: token)
            #expect(invoice.status == 200)
            #expect(try zoom.json(try await zoom.get("/v2/report/billing/invoices?billing_id=nope", token: token))["code"] as? Int == 5010)
            let room = (try zoom.json(try await zoom.get("/v2/rooms", token: token))["rooms"] as! [[String: Any]])[0]["id"] as! String
            #expect((try zoom.json(try await zoom.get("/v2/rooms/\(room)/devices", token: token))["devices"] as? [Any])?.count == 2)
            #expect(try await zoom.get("/v2/accounts/someone-else/plans/usage", token: token).status == 404)
        }
    }

    @Test("plans gate features: Free has no reports, phone or roles; Pro has no Zoom Rooms")
    func planGates() async throws {
        try await withSandbox({ $0.rateLimits = false }) { _, zoom in
            let free = try await token(zoom, account: 1)
            for path in ["/v2/report/daily", "/v2/phone/users", "/v2/roles", "/v2/accounts/me/plans"] {
                let response = try await zoom.get(path, token: free)
                #expect(response.status == 400, "\(path)")
                #expect(try zoom.json(response)["code"] as? Int == 200, "\(path)")
            }
            #expect(try await zoom.get("/v2/accounts/me/plans/usage", token: free).status == 200)
            let pro = try await token(zoom, account: 0)
            let rooms = try await zoom.get("/v2/rooms", token: pro)
            #expect(try zoom.json(rooms)["message"] as? String == "Zoom Room subscription not found.")
            #expect(try await zoom.get("/v2/accounts", token: pro).status == 400)
        }
    }

    @Test("report windows: at most one month, within six months, to not before from, valid dates (else code 300)")
    func windowRules() async throws {
        try await withSandbox({ $0.rateLimits = false }) { _, zoom in
            let token = try await token(zoom, account: 0)
            for query in [
                "from=\(day(-40))&to=\(day(-1))", "from=\(day(-200))&to=\(day(-190))", "from=\(day(-2))&to=\(day(-5))",
                "from=2026-13-01&to=\(day(-1))", "from=yesterday",
            ] {
                let response = try await zoom.get("/v2/report/users?\(query)", token: token)
                #expect(response.status == 400, "\(query)")
                #expect(try zoom.json(response)["code"] as? Int == 300, "\(query)")
            }
            #expect(try await zoom.get("/v2/report/users?from=\(day(-30))&to=\(day(0))", token: token).status == 200)
            #expect(try await zoom.get("/v2/report/daily?year=2020&month=1", token: token).status == 400)
            #expect(try await zoom.get("/v2/phone/call_history", token: token).status == 200)
        }
    }

    @Test("a million users cost no memory: the first page and the last user are served without materialising the rest")
    func millionUsers() async throws {
        let before = residentBytes()
        try await withSandbox({
            $0.users = 1_000_000; $0.rateLimits = false
        }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            // The first page counts a million generated users once: seconds alone, far more on a loaded CI machine.
            let page = try zoom.json(try await zoom.get("/v2/users?page_size=300", token: token, timeout: .seconds(300)))
            #expect((page["users"] as? [Any])?.count == 300)
            let last = sandbox.world.user(of: sandbox.world.accounts[0], index: 999_999)
            #expect(try zoom.json(try await zoom.get("/v2/users/\(last.id)", token: token))["email"] as? String == last.email)
        }
        // Resident memory is process-wide: scripts/test runs this test alone, as other suites hold large bodies
        // at times. Materialising a million users would cost several hundred MB.
        #expect(residentBytes() - before < 192 << 20)
    }

    /// This process's resident set size, from /proc.
    func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
