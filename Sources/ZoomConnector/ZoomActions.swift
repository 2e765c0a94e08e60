import Connectors

/// One family of Zoom's workflow actions (DESIGN §6.1; `zoom-api-actions.md` Part A): what each action
/// takes and needs, how it is planned (its target read first, the owner and admins guarded), what proves
/// its effect, and what it changes in the synced tables.
protocol ZoomActionFamily: Sendable {
    static var catalogue: [ActionDescription] { get }
    /// The requests the action will send, worked out after every check that can refuse it.
    static func plan(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan
    /// Whether the planned effect is in place at Zoom already; `nil` when it cannot be read back.
    static func isEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool?
    /// The ledger's result and the synced rows that change, read back from Zoom after the requests.
    static func outcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome
}

/// Zoom's actions, each handled by its family: the account's directory, meetings, and Marketplace apps.
enum ZoomActions {
    static let families: [any ZoomActionFamily.Type] = [ZoomDirectoryActions.self, ZoomMeetingActions.self, ZoomMarketplaceActions.self]

    static let catalogue = families.flatMap { $0.catalogue }

    static func family(of action: ActionDescription) throws -> any ZoomActionFamily.Type {
        guard let family = families.first(where: { $0.catalogue.contains { $0.name == action.name } }) else {
            throw ActionRefusal(.notAvailable, "Zoom has no action named \(action.name)")
        }
        return family
    }

    static func plan(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        try await family(of: action).plan(action, input: input, api: api)
    }

    static func isEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool? {
        try await family(of: action).isEffective(action, plan: plan, api: api)
    }

    static func outcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome {
        try await family(of: action).outcome(action, plan: plan, responses: responses, api: api)
    }
}
