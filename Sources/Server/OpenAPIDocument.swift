import Connectors
public import Foundation

/// The OpenAPI 3.1 document of Tether's API, from one source for each part: the hand-written base
/// (`Resources/openapi-base.json`: every route but the synced-data lists) and, generated here, the list
/// routes and record schemas of the synced data from ``DataRoutes`` and the connectors' ``RecordTable``s,
/// so a column added to a table is documented the moment it is served. `openapi.json` at the repository's
/// root is this document as `tether openapi` prints it; a test keeps it current, and
/// `OpenAPIConformanceTests` prove the server answers as it says.
public enum OpenAPIDocument {
    /// The document as pretty-printed JSON with sorted keys, or `nil` if the base is missing from the build.
    public static let json: Data? = {
        guard let url = Bundle.module.url(forResource: "openapi-base", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let base = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return try? JSONSerialization.data(withJSONObject: merged(base), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }()

    /// `base` with the generated paths and schemas added.
    static func merged(_ base: [String: Any]) -> [String: Any] {
        var document = base
        var paths = base["paths"] as? [String: Any] ?? [:]
        var components = base["components"] as? [String: Any] ?? [:]
        var schemas = components["schemas"] as? [String: Any] ?? [:]
        for listing in DataRoutes.listings {
            paths["/v1/tenants/{tenant}/\(listing.path)"] = listPath(listing)
            schemas[schemaName(listing.table)] = recordSchema(listing.table, related: listing.related)
        }
        for child in DataRoutes.childListings {
            paths["/v1/tenants/{tenant}/\(child.listing.path)"] = childPath(child)
            schemas[schemaName(child.table)] = recordSchema(child.table)
        }
        for membership in DataRoutes.memberships {
            paths["/v1/tenants/{tenant}/\(membership.path)/{id}/members"] = memberPath(membership)
        }
        components["schemas"] = schemas
        document["paths"] = paths
        document["components"] = components
        return document
    }

    // MARK: - Record schemas

    /// `report_daily_usage` → `ReportDailyUsageRecord`.
    static func schemaName(_ table: RecordTable) -> String {
        table.name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Record"
    }

    /// One synced record as the list routes serve it: the frame, the table's columns, the deletion marks.
    static func recordSchema(_ table: RecordTable, related: [DataRoutes.Related] = []) -> [String: Any] {
        var properties: [String: Any] = [
            "id": ["type": "string", "format": "uuid"], "connection_id": ["type": "string", "format": "uuid"],
            "remote_id": ["type": "string"],
            "deleted": ["type": "boolean"], "deleted_at": ["type": ["string", "null"], "format": "date-time"],
            "updated_at": ["type": "string", "format": "date-time"],
            "raw": ["description": "Zoom's JSON as received; only with `include=raw`."],
        ]
        for column in table.columns { properties[column.name] = columnSchema(column.type) }
        for field in related { properties[field.name] = ["type": ["string", "null"], "description": field.description] }
        let required = ["id", "connection_id", "remote_id"] + table.columns.map(\.name) + related.map(\.name)
        return [
            "type": "object", "additionalProperties": false,
            "required": required + ["deleted", "deleted_at", "updated_at"],
            "properties": properties,
        ]
    }

    static func columnSchema(_ type: ColumnType) -> [String: Any] {
        switch type {
        case .text: ["type": ["string", "null"]]
        case .integer: ["type": ["integer", "null"]]
        case .decimal: ["type": ["string", "null"], "description": "a decimal number, as a string so no precision is lost"]
        case .timestamp: ["type": ["string", "null"], "format": "date-time"]
        case .date: ["type": ["string", "null"], "format": "date"]
        case .textArray: ["type": ["array", "null"], "items": ["type": "string"]]
        case .json: ["description": "JSON as Zoom sent it"]
        case .boolean: ["type": ["boolean", "null"]]
        }
    }

    // MARK: - List routes

    /// `reports/daily-usage` → `listReportsDailyUsage`.
    static func operationID(_ path: String) -> String {
        "list" + path.split(whereSeparator: { $0 == "/" || $0 == "-" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func listPath(_ listing: DataRoutes.Listing) -> [String: Any] {
        [
            "parameters": [tenantParameter],
            "get": [
                "operationId": operationID(listing.path),
                "summary": "Synced \(listing.table.name.replacingOccurrences(of: "_", with: " ")), in (updated_at, id) order.",
                "parameters": listParameters(listing),
                "responses": listResponses(items: schemaName(listing.table)),
            ] as [String: Any],
        ]
    }

    /// `users/{id}/settings` → `listUserSettings`.
    static func childPath(_ child: DataRoutes.ChildListing) -> [String: Any] {
        let parent = String(child.parent.dropLast())
        return [
            "parameters": [tenantParameter, idParameter(of: parent)],
            "get": [
                "operationId": operationID("\(parent)/\(child.path)"),
                "summary": "The \(parent)'s synced \(child.table.name.replacingOccurrences(of: "_", with: " ")), in (updated_at, id) order.",
                "parameters": listParameters(child.listing),
                "responses": listResponses(items: schemaName(child.table)),
            ] as [String: Any],
        ]
    }

    static func listParameters(_ listing: DataRoutes.Listing) -> [[String: Any]] {
        let common: [[String: Any]] = [
            limitParameter, cursorParameter,
            query("updated_since", "Only records Tether changed at or after this time (ISO 8601).", ["type": "string", "format": "date-time"]),
            query("include_deleted", "Also list records Zoom no longer has.", ["type": "boolean"]),
            query("connection_id", "Only records of this connection.", ["type": "string", "format": "uuid"]),
            query("include", "`raw` adds Zoom's JSON as received.", ["type": "string", "enum": ["raw"]]),
        ]
        return common + listing.filters.map(filterParameter)
    }

    static func memberPath(_ membership: DataRoutes.Membership) -> [String: Any] {
        let parent = String(membership.path.dropLast())
        return [
            "parameters": [tenantParameter, idParameter(of: parent)],
            "get": [
                "operationId": "list\(parent.prefix(1).uppercased() + parent.dropFirst())Members",
                "summary": "Who belongs to the \(parent).",
                "parameters": [limitParameter, cursorParameter, query("include_deleted", "", ["type": "boolean"])],
                "responses": listResponses(items: "Member"),
            ] as [String: Any],
        ]
    }

    static func filterParameter(_ filter: DataRoutes.Filter) -> [String: Any] {
        let schema: [String: Any] =
            switch filter.kind {
            case .equals(_, let allowed) where !allowed.isEmpty: ["type": "string", "enum": allowed]
            case .equals, .contains, .emailOfUser: ["type": "string"]
            case .equalsIgnoringCase: ["type": "string", "maxLength": 320]
            case .before, .notBefore: ["type": "string", "format": "date-time"]
            }
        return query(filter.name, filter.description, schema)
    }

    static func query(_ name: String, _ description: String, _ schema: [String: Any]) -> [String: Any] {
        ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }

    /// `{id}` in a path under a synced record (a user's settings, a group's members).
    static func idParameter(of parent: String) -> [String: Any] {
        [
            "name": "id", "in": "path", "required": true, "description": "Tether's id of the \(parent).",
            "schema": ["type": "string", "format": "uuid"],
        ]
    }

    static var tenantParameter: [String: Any] {
        ["name": "tenant", "in": "path", "required": true, "description": "The tenant's slug or id.", "schema": ["type": "string"]]
    }
    static var limitParameter: [String: Any] {
        query("limit", "Page size, 1 to 1000 (default 100).", ["type": "integer", "minimum": 1, "maximum": 1000])
    }
    static var cursorParameter: [String: Any] { query("cursor", "The previous page's `next_cursor`.", ["type": "string"]) }

    static func listResponses(items schema: String) -> [String: Any] {
        func error(_ description: String) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        }
        var tooMany = error("Too many requests for this key or address.")
        tooMany["headers"] = ["Retry-After": ["description": "Seconds to wait.", "schema": ["type": "integer"]]]
        let page: [String: Any] = [
            "type": "object", "additionalProperties": false, "required": ["data", "next_cursor"],
            "properties": [
                "data": ["type": "array", "items": ["$ref": "#/components/schemas/\(schema)"]],
                "next_cursor": ["type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."],
            ],
        ]
        return [
            "200": ["description": "OK", "content": ["application/json": ["schema": page]]],
            "400": error("The request is invalid; the message names the parameter or field."),
            "401": error("No valid API key."),
            "404": error("No such tenant (or not this key's), or no such resource."),
            "429": tooMany,
        ]
    }
}
