import Foundation
import HTTPTypes
import Hummingbird

/// `GET` and `PATCH /users/{userId}/settings`, and `GET /accounts/{accountId}/settings`
/// (`zoom-api-actions.md` A4, B3), with Zoom's scopes, categories and errors.
struct SandboxSettingsRoutes: Sendable {
    let sandbox: ZoomSandbox

    func register<Context: RequestContext>(on router: Router<Context>) {
        let writes = SandboxWriteRoutes(sandbox: sandbox)
        router.get("/v2/users/:userId/settings") { request, context in
            try await writes.endpoint(.medium, ["user:read:settings:admin", "user:read:admin"]).respond(request) { caller in
                readable(context.parameters.get("userId") ?? "", caller) { user in
                    SandboxReply(.ok, SandboxSettings.json(settings(of: user)))
                }
            }
        }
        router.patch("/v2/users/:userId/settings") { request, context in
            let body = Array((try await request.body.collect(upTo: 1 << 20)).readableBytesView)
            return try await writes.write(request, writes.endpoint(.medium, ["user:update:settings:admin", "user:write:admin"])) { caller in
                readable(context.parameters.get("userId") ?? "", caller) { user in
                    switch SandboxSettings.check(body, for: user, current: settings(of: user)) {
                    case .failure(let error): return error.reply
                    case .success(let patch):
                        var changed = user
                        for (section, change) in patch {
                            changed.settingChanges[section] = changed.settingChanges[section]?.merged(with: change) ?? change
                        }
                        writes.save(changed, caller)
                        return SandboxReply(.noContent, [:])
                    }
                }
            }
        }
        router.get("/v2/accounts/:accountId/settings") { request, context in
            try await writes.endpoint(.medium, ["account:read:settings:admin", "account:read:admin"], plans: [.pro, .business]).respond(request) {
                caller in
                SandboxDataRoutes(sandbox: sandbox).ownAccount(context, caller) {
                    SandboxReply(.ok, SandboxSettings.json(SandboxSettings.account(caller.account, seed: sandbox.world.seed)))
                }
            }
        }
    }

    func settings(of user: SandboxUser) -> SandboxSettings.Sections {
        SandboxSettings.user(user, seed: sandbox.world.seed, hasPhone: user.hasPhone)
    }

    /// Answers with `body` for the user whose settings can be read: 404 code 1001 when there is none,
    /// 400 code 1000 while they are pending.
    func readable(_ reference: String, _ caller: SandboxEndpoint.Caller, _ body: (SandboxUser) -> SandboxReply) -> SandboxReply {
        guard let user = sandbox.user(caller.account, reference: reference) else {
            return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
        }
        guard user.status != "pending" else {
            return SandboxReply.error(.badRequest, code: 1000, "You can not access settings of users that are still in pending state.")
        }
        return body(user)
    }
}
