import Foundation
import HTTPTypes
import Hummingbird

/// `GET /users/{userId}/presence_status` (`zoom-api-actions.md` B2): a user's Team Chat presence. Zoom's
/// documents leave its values, category and classic scope unconfirmed: the sandbox answers the values of
/// the presence `PUT` plus `Offline`, counts it as Light (a one-user read, like `GET /users/{id}`), and
/// accepts `user:read:admin`.
public struct SandboxPresence: Sendable {
    let sandbox: ZoomSandbox

    public static let statuses = [
        "Available", "Away", "Do_Not_Disturb", "In_Meeting", "Presenting", "On_Phone_Call", "In_Calendar_Event", "Out_of_Office", "Busy",
        "Offline",
    ]

    /// The user's presence: set through the control API, else generated (an inactive user is `Offline`).
    /// Do not disturb carries when it ends, as Zoom's answer does.
    static func status(of user: SandboxUser, seed: UInt64) -> [String: Any] {
        if user.status != "active" { return ["status": "Offline"] }
        var random = SandboxRandom(seed: seed, 32, UInt64(user.accountIndex), UInt64(user.index))
        let status = user.presence ?? random.pick(statuses)
        guard status == "Do_Not_Disturb" else { return ["status": status] }
        let minutes = 15 * (1 + random.below(8))
        return [
            "status": status, "end_time": SandboxHTTP.timestamp(SandboxUser.epoch.addingTimeInterval(Double(minutes * 60))),
            "remaining_time": minutes * 60,
        ]
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v2/users/:userId/presence_status") { request, context in
            try await SandboxEndpoint(
                sandbox: sandbox, category: .light, scopes: ["user:read:presence_status:admin", "user:read:admin"], plans: nil
            ).respond(request) { caller in
                let reference = context.parameters.get("userId") ?? ""
                guard let user = sandbox.user(caller.account, reference: reference) else {
                    return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
                }
                return SandboxReply(.ok, Self.status(of: user, seed: sandbox.world.seed))
            }
        }
    }
}
