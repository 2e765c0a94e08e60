import Connectors
import Foundation
import Hummingbird
import HummingbirdCore
import Store

/// `GET /v1/tenants/{tenant}/…`: the synced data, one list route per normalized table (DESIGN §3 "Data").
/// Lists page by keyset on `(updated_at, id)`; every query parameter is checked, and an unknown one is an
/// error rather than silently ignored (a typo in a filter must not return everything).
struct DataRoutes: Sendable {
    let auth: Authentication
    let data: SyncedData

    /// A list route: its path under the tenant, its table, and the filters it adds to the common ones
    /// (in the order the OpenAPI document lists them).
    struct Listing: Sendable {
        let path: String
        let table: RecordTable
        var filters: [Filter] = []
        /// Fields from other tables, of the same record (a user's presence status).
        var related: [Related] = []
    }

    /// A text field a list adds from another table's row with the same remote id.
    struct Related: Sendable {
        let name: String
        let table: RecordTable
        let column: String
        var description = ""
    }

    /// A query parameter that narrows a list, with what the OpenAPI document says of it.
    struct Filter: Sendable {
        let name: String
        let kind: FilterKind
        var description = ""
    }

    enum FilterKind: Sendable {
        /// Equal to one of `allowed` (any value when empty).
        case equals(column: String, allowed: [String])
        case equalsIgnoringCase(column: String)
        case contains(column: String)
        case before(column: String)
        case notBefore(column: String)
        /// Zoom's id of a synced user, matched by that user's email.
        case emailOfUser(column: String)
    }

    static let listings: [Listing] = [
        Listing(
            path: "users", table: .users,
            filters: [
                Filter(name: "email", kind: .equalsIgnoringCase(column: "email"), description: "Case-insensitive equality."),
                Filter(name: "status", kind: .equals(column: "status", allowed: RecordTable.userStatuses)),
                Filter(name: "license_type", kind: .equals(column: "license_type", allowed: RecordTable.licenseTypes)),
                Filter(name: "group_id", kind: .contains(column: "group_ids"), description: "Zoom's id of a group the user is in."),
                Filter(name: "role_id", kind: .equals(column: "role_id", allowed: []), description: "Zoom's id of the user's role."),
                Filter(name: "last_login_before", kind: .before(column: "last_login_at"), description: "Users who last signed in before this time."),
            ],
            related: [
                Related(
                    name: "presence_status", table: .userPresence, column: "status",
                    description: "The presence Zoom last reported (user_presence stream; licensed active users), or null.")
            ]),
        Listing(path: "groups", table: .groups),
        Listing(path: "roles", table: .roles),
        Listing(path: "sub-accounts", table: .subAccounts),
        Listing(path: "billing/plan-usage", table: .planUsage),
        Listing(path: "billing/plans", table: .plans),
        Listing(path: "billing/invoices", table: .invoices),
        Listing(path: "reports/daily-usage", table: .dailyUsage),
        Listing(path: "reports/active-hosts", table: .activeHosts),
        Listing(path: "reports/sign-ins", table: .signIns),
        Listing(path: "reports/operation-logs", table: .operationLogs),
        Listing(path: "reports/billing", table: .billingReports),
        Listing(path: "reports/telephone", table: .telephone),
        Listing(path: "phone/users", table: .phoneUsers),
        Listing(path: "phone/calling-plans", table: .callingPlans),
        Listing(path: "phone/call-history", table: .callHistory),
        Listing(path: "rooms", table: .rooms),
        Listing(path: "rooms/devices", table: .roomDevices),
        Listing(path: "rooms/locations", table: .roomLocations),
        Listing(path: "account/settings", table: .accountSettings),
        Listing(
            path: "reports/meeting-attendance", table: .pastMeetingParticipants,
            filters: [
                Filter(name: "meeting_id", kind: .equals(column: "meeting_remote_id", allowed: []), description: "Zoom's UUID of the meeting.")
            ]),
        Listing(path: "rooms/health", table: .roomHealth),
        Listing(path: "rooms/issues", table: .roomIssues),
        Listing(path: "rooms/alerts", table: .roomAlerts),
        Listing(
            path: "meetings", table: .meetings,
            filters: [
                Filter(name: "host_id", kind: .emailOfUser(column: "host_email"), description: "Zoom's id of the host (a synced user)."),
                Filter(name: "from", kind: .notBefore(column: "start_at"), description: "Meetings that started at or after this time."),
                Filter(name: "to", kind: .before(column: "start_at"), description: "Meetings that started before this time."),
            ]),
    ]

    /// The records of one synced parent: `{parent}/{id}/{path}` lists the rows of `table` whose
    /// `parentColumn` holds the remote id of the parent (Tether's id in the path), in its connection.
    struct ChildListing: Sendable {
        let parent: String
        let parentTable: RecordTable
        let path: String
        let table: RecordTable
        let parentColumn: String
        var filters: [Filter] = []

        var listing: Listing { Listing(path: "\(parent)/{id}/\(path)", table: table, filters: filters) }
    }

    static let childListings: [ChildListing] = [
        ChildListing(parent: "users", parentTable: .users, path: "settings", table: .userSettings, parentColumn: "user_remote_id"),
        ChildListing(parent: "users", parentTable: .users, path: "presence", table: .userPresence, parentColumn: "user_remote_id"),
        ChildListing(
            parent: "meetings", parentTable: .meetings, path: "participants", table: .meetingParticipants, parentColumn: "meeting_remote_id"),
        ChildListing(parent: "meetings", parentTable: .meetings, path: "quality", table: .meetingQuality, parentColumn: "meeting_remote_id"),
        ChildListing(
            parent: "meetings", parentTable: .meetings, path: "attendance", table: .pastMeetingParticipants, parentColumn: "meeting_remote_id"),
    ]

    static let commonParameters: Set<String> = ["limit", "cursor", "updated_since", "include_deleted", "connection_id", "include"]
    static let pagingParameters: Set<String> = ["limit", "cursor", "include_deleted"]

    /// A member list: the parent's path (and table), the member table and its column holding the parent's
    /// remote id.
    struct Membership: Sendable {
        let path: String
        let memberTable: String
        let parentColumn: String
    }

    static let memberships = [
        Membership(path: "groups", memberTable: "group_members", parentColumn: "group_remote_id"),
        Membership(path: "roles", memberTable: "role_members", parentColumn: "role_remote_id"),
    ]

    func register<Context: RequestContext>(on router: Router<Context>) {
        for listing in Self.listings {
            router.get("/v1/tenants/:tenant/\(listing.path)") { request, context in
                let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
                let query = try Self.query(for: listing, request.uri.queryParameters)
                let (rows, next) = try await data.list(tenantID: tenant.id, query)
                return Self.page(rows, next: next?.text)
            }
        }
        for child in Self.childListings {
            router.get("/v1/tenants/:tenant/\(child.parent)/:id/\(child.path)") { request, context in
                let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
                let query = try Self.query(for: child.listing, request.uri.queryParameters)
                guard let id = UUID(uuidString: try context.parameters.require("id")),
                    let (rows, next) = try await data.children(
                        tenantID: tenant.id, parentTable: child.parentTable.name, parent: id, parentColumn: child.parentColumn, query)
                else { throw APIError.notFound("no such \(child.parent.dropLast())") }
                return Self.page(rows, next: next?.text)
            }
        }
        for membership in Self.memberships {
            router.get("/v1/tenants/:tenant/\(membership.path)/:id/members") { request, context in
                let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
                let paging = try Self.paging(request.uri.queryParameters, allowed: Self.pagingParameters)
                guard let id = UUID(uuidString: try context.parameters.require("id")),
                    let (rows, next) = try await data.members(
                        tenantID: tenant.id, parentTable: membership.path, parentColumn: membership.parentColumn,
                        memberTable: membership.memberTable, parent: id,
                        limit: paging.limit, after: paging.after, includeDeleted: paging.includeDeleted)
                else { throw APIError.notFound("no such \(membership.path.dropLast())") }
                return Self.page(rows, next: next?.text)
            }
        }
    }

    /// Checks that every parameter is `allowed` and given once, and reads `limit`, `cursor` and `include_deleted`.
    static func paging(
        _ parameters: FlatDictionary<Substring, Substring>, allowed: Set<String>
    ) throws -> (limit: Int, after: RecordCursor?, includeDeleted: Bool) {
        var seen: Set<String> = []
        for (key, value) in parameters {
            let name = String(key)
            guard allowed.contains(name) else { throw invalid("unknown query parameter \(String(name.prefix(64)).debugDescription)") }
            guard seen.insert(name).inserted else { throw invalid("\(name) is given more than once") }
            // PostgreSQL text cannot hold NUL: refuse it here rather than fail the statement.
            guard !value.unicodeScalars.contains("\0") else { throw invalid("\(name) must not contain a NUL character") }
        }
        var limit = 100
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else { throw invalid("limit must be a number from 1 to 1000") }
            limit = value
        }
        var after: RecordCursor?
        if let text = parameters.get("cursor") {
            guard let cursor = RecordCursor(text: text) else { throw invalid("cursor is not one this API returned") }
            after = cursor
        }
        switch parameters.get("include_deleted") {
        case nil, "false": return (limit, after, false)
        case "true": return (limit, after, true)
        default: throw invalid("include_deleted must be true or false")
        }
    }

    /// The checked query: every refusal names the parameter and what it accepts.
    static func query(for listing: Listing, _ parameters: FlatDictionary<Substring, Substring>) throws -> RecordListQuery {
        var query = RecordListQuery(table: listing.table.name, columns: listing.table.columns.map(ListedColumn.init))
        query.related = listing.related.map { RelatedColumn($0.name, from: $0.table.name, column: $0.column) }
        (query.limit, query.after, query.includeDeleted) = try paging(parameters, allowed: commonParameters.union(listing.filters.map(\.name)))
        if let text = parameters.get("updated_since") { query.updatedSince = try date(text, name: "updated_since") }
        if let text = parameters.get("connection_id") {
            guard let id = UUID(uuidString: text) else { throw invalid("connection_id must be a connection's id") }
            query.connectionID = id
        }
        switch parameters.get("include") {
        case nil: break
        case "raw": query.includeRaw = true
        default: throw invalid("include accepts only raw")
        }
        for filter in listing.filters.sorted(by: { $0.name < $1.name }) {
            let name = filter.name
            guard let value = parameters.get(name) else { continue }
            guard !value.isEmpty, value.count <= 320 else { throw invalid("\(name) must be 1 to 320 characters") }
            switch filter.kind {
            case .equals(let column, let allowed):
                guard allowed.isEmpty || allowed.contains(value) else { throw invalid("\(name) must be one of \(allowed.joined(separator: ", "))") }
                query.filters.append(.equals(column: column, value: value))
            case .equalsIgnoringCase(let column): query.filters.append(.equalsIgnoringCase(column: column, value: value))
            case .contains(let column): query.filters.append(.contains(column: column, value: value))
            case .before(let column): query.filters.append(.before(column: column, date: try date(value, name: name)))
            case .notBefore(let column): query.filters.append(.notBefore(column: column, date: try date(value, name: name)))
            case .emailOfUser(let column): query.filters.append(.emailOfUser(column: column, userRemoteID: value))
            }
        }
        return query
    }

    /// `{"data": [...], "next_cursor": …}` around rows PostgreSQL already rendered as JSON objects.
    static func page(_ rows: [String], next: String?) -> Response {
        var body = "{\"data\":[" + rows.joined(separator: ",") + "],\"next_cursor\":"
        body += next.map { "\"\($0)\"" } ?? "null"
        body += "}"
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func date(_ text: String, name: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { throw invalid("\(name) must be an ISO 8601 time such as 2026-11-25T10:00:00Z") }
        return date
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_request", message: message)
    }
}

extension ListedColumn {
    /// How a connector's column type reads as JSON.
    init(_ column: RecordTable.Column) {
        let form: Form =
            switch column.type {
            case .text, .integer, .json, .boolean: .plain
            case .decimal: .decimal
            case .timestamp: .timestamp
            case .date: .date
            case .textArray: .textArray
            }
        self.init(column.name, form)
    }
}
