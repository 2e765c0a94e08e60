import Connectors
import Foundation
import Testing

@testable import Server

/// The OpenAPI document is generated where the code can speak for itself (the synced-data lists and their
/// record schemas) and merged with the hand-written rest; the repository's copy must be that output.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../openapi.json").standardized

    @Test("openapi.json at the repository's root is the document the server serves (refresh it with `tether openapi > openapi.json`)")
    func committedCopyIsCurrent() throws {
        let generated = try #require(OpenAPIDocument.json, "the base document is missing from the build")
        let committed = try Data(contentsOf: Self.committed)
        #expect(committed == generated + Data("\n".utf8), "openapi.json is stale: run `swift run tether openapi > openapi.json`")
    }

    @Test("each synced-data list is documented with a record schema made from its table's columns (and related fields), frame first")
    func recordSchemasFollowTheTables() throws {
        let json = try #require(OpenAPIDocument.json)
        let document = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        for listing in DataRoutes.listings {
            #expect(paths["/v1/tenants/{tenant}/\(listing.path)"] != nil, "\(listing.path) is not documented")
            let schema = try #require(schemas[OpenAPIDocument.schemaName(listing.table)] as? [String: Any], "\(listing.table.name)")
            let required = schema["required"] as? [String]
            #expect(
                required == ["id", "connection_id", "remote_id"] + listing.table.columns.map(\.name) + listing.related.map(\.name) + [
                    "deleted", "deleted_at", "updated_at",
                ])
        }
        #expect(OpenAPIDocument.schemaName(.dailyUsage) == "ReportDailyUsageRecord")
        #expect(OpenAPIDocument.operationID("reports/daily-usage") == "listReportsDailyUsage")
    }
}
