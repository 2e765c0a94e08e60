import Connectors
import Testing
import ZoomConnector
import ZoomSandbox

/// The catalog must agree with what Zoom (as the sandbox models it) accepts: an app holding either scope
/// vocabulary syncs every stream, and a token with only the identity scope syncs none.
@Suite struct ZoomCatalogTests {
    @Test(
        "invoices are scheduled within Zoom's 6-a-day limit (every 4 hours); user settings, a request per user, hourly at the most; other streams keep a minute"
    )
    func invoicesWithinTheirDailyLimit() throws {
        let invoices = try #require(ZoomCatalog.stream(named: "invoices"))
        #expect(invoices.defaultInterval == 14_400 && invoices.minimumInterval == 14_400)
        #expect(86_400 / invoices.defaultInterval <= 6)
        #expect(ZoomCatalog.streams.filter { $0.minimumInterval > 60 }.map(\.name) == ["invoices", "user_settings"])
    }

    @Test func stream_names_are_the_contracted_ones_and_unique() {
        let names = ZoomCatalog.streams.map(\.name)
        #expect(
            names == [
                "users", "roles", "role_members", "groups", "group_members", "sub_accounts", "plan_usage", "plan_info",
                "invoices", "report_daily", "report_users", "report_activities", "report_operation_logs", "report_billing",
                "report_telephone", "phone_users", "phone_calling_plans", "phone_call_history", "rooms", "room_devices",
                "room_locations", "meetings", "meeting_participants", "meeting_quality", "past_meeting_participants", "room_health", "room_issues", "user_settings", "user_presence", "account_settings",
            ])
        #expect(Set(names).count == names.count)
    }

    @Test func granular_and_classic_app_scopes_each_permit_every_stream() {
        for scopes in [SandboxWorld.granularScopes, SandboxWorld.classicScopes] {
            let granted = Set(scopes)
            let refused = ZoomCatalog.streams.filter { !$0.isPermitted(granted: granted) }.map(\.name)
            #expect(refused.isEmpty, "streams refused for \(scopes.first ?? ""): \(refused)")
        }
    }

    @Test func identity_scope_alone_permits_no_stream_and_names_the_granular_scope_to_add() throws {
        let granted: Set = ["user:read:user:admin"]
        #expect(ZoomCatalog.streams.allSatisfy { !$0.isPermitted(granted: granted) })
        let users = try #require(ZoomCatalog.stream(named: "users"))
        #expect(users.missingScopes(granted: granted) == ["user:read:list_users:admin"])
        let billing = try #require(ZoomCatalog.stream(named: "report_billing"))
        #expect(billing.missingScopes(granted: ["report:read:billing:admin"]) == ["report:read:billing_invoice:admin"])
    }

    @Test func every_scope_a_stream_accepts_is_explained_and_requested_scopes_are_the_preferred_ones() {
        for stream in ZoomCatalog.streams {
            for requirement in stream.requirements {
                for scope in requirement.anyOf where !scope.hasSuffix(":master") || scope == "account:read:list_sub_accounts:master" {
                    #expect(ZoomCatalog.scopes.describe(scope) != nil, "\(scope) of \(stream.name) is not explained")
                }
                #expect(ZoomCatalog.requestedScopes.contains(requirement.anyOf[0]))
                #expect(ZoomCatalog.scopes.describe(requirement.anyOf[0])?.kind == .granular)
            }
        }
        #expect(ZoomCatalog.requestedScopes.allSatisfy(SandboxWorld.granularScopes.contains))
        #expect(Set(ZoomCatalog.requestedScopes).count == ZoomCatalog.requestedScopes.count)
    }
}
