import Connectors
import Foundation
import OAuth
import Sensitive
import TestSupport
import Testing
import Transport
import ZoomConnector
import ZoomSandbox

/// The connector and the OAuth client against the Zoom sandbox through the in-process transport: Zoom's
/// paging, rotating refresh tokens and error bodies, without sockets or a database.
@Suite("Zoom through the in-process sandbox transport")
struct SandboxTransportTests {
    /// The sandbox, its transport, and the connector pointed at it.
    struct Setup {
        let sandbox: ZoomSandbox
        let transport: SandboxTransport
        let zoom: ZoomConnector
        var oauth: OAuthClient { OAuthClient(server: zoom.authorizationServer, http: transport) }

        init(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) throws {
            var configuration = SandboxConfiguration()
            configure(&configuration)
            sandbox = try ZoomSandbox(configuration: configuration)
            transport = SandboxTransport(sandbox: sandbox)
            zoom = ZoomConnector(
                configuration: .init(oauthBaseURL: SandboxTransport.oauthBaseURL, apiBaseURL: SandboxTransport.apiBaseURL), http: transport)
        }

        func credentials(_ app: SandboxApp) -> ClientCredentials {
            ClientCredentials(clientID: app.clientID, clientSecret: Secret(app.clientSecret))
        }

        /// A server-to-server token for the main account.
        func accountToken() async throws -> Secret {
            let app = sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: 0) }!
            return try await oauth.clientCredentials(zoom.serverToServerGrant(accountID: sandbox.world.accounts[0].id), client: credentials(app))
                .accessToken
        }
    }

    /// The provider API as the sync engine offers it, reduced to what paging needs: a bearer GET that
    /// returns a 2xx body and turns anything else into the connector's own error.
    struct BearerAPI: ProviderAPI {
        let zoom: ZoomConnector
        let token: Secret
        let http: any HTTPTransport

        func send(_ request: APIRequest) async throws -> [UInt8] {
            var components = URLComponents()
            components.queryItems = request.query.map { URLQueryItem(name: $0.name, value: $0.value) }
            let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
            let response = try await http.execute(
                HTTPClientRequest(
                    url: zoom.apiBaseURL + request.path + query, headers: [HTTPHeader("Authorization", "Bearer \(token.unsafeValue)")]))
            guard (200..<300).contains(response.status) else { throw zoom.failure(status: response.status, body: response.body) }
            return response.body
        }
    }

    @Test("the users stream follows next_page_token across pages and statuses to the end, every user exactly once")
    func usersPageToTheEnd() async throws {
        let setup = try Setup {
            $0.users = 700; $0.rateLimits = false
        }
        let api = BearerAPI(zoom: setup.zoom, token: try await setup.accountToken(), http: setup.transport)
        var cursor: String?
        var ids: [String] = []
        var pages = 0
        repeat {
            let page = try await setup.zoom.readPage(stream: "users", cursor: cursor, window: nil, api: api)
            ids += page.records.map(\.remoteID)
            cursor = page.next
            pages += 1
        } while cursor != nil && pages < 100
        let account = setup.sandbox.world.accounts[0]
        #expect(ids.count == setup.sandbox.userCount(account))
        #expect(Set(ids).count == ids.count, "no user twice")
        #expect(pages > 3, "several pages: \(pages)")
        #expect(
            setup.transport.requests.allSatisfy { $0.url.hasPrefix(SandboxTransport.apiBaseURL) || $0.url.hasPrefix(SandboxTransport.oauthBaseURL) })
    }

    @Test(
        "a group members cursor reads on the same whatever its key order and spacing (as the previous encoder wrote it); one of another shape is an expired cursor"
    )
    func groupMembersCursorForms() async throws {
        let setup = try Setup {
            $0.users = 700; $0.rateLimits = false
        }
        let api = BearerAPI(zoom: setup.zoom, token: try await setup.accountToken(), http: setup.transport)
        let first = try await setup.zoom.readPage(stream: "group_members", cursor: nil, window: nil, api: api)
        let cursor = try #require(first.next)
        let members = try #require(JSONSerialization.jsonObject(with: Data(cursor.utf8)) as? [String: Any])
        #expect(members["parents"] is [String] && members["phase"] as? Int == 0)
        let expected = try await setup.zoom.readPage(stream: "group_members", cursor: cursor, window: nil, api: api)
        let respelled = String(decoding: try JSONSerialization.data(withJSONObject: members, options: [.prettyPrinted]), as: UTF8.self)
        let again = try await setup.zoom.readPage(stream: "group_members", cursor: respelled, window: nil, api: api)
        #expect(again.records == expected.records && again.next == expected.next)

        var unknownMember = members
        unknownMember["added_later"] = true
        let withUnknown = String(decoding: try JSONSerialization.data(withJSONObject: unknownMember), as: UTF8.self)
        #expect(try await setup.zoom.readPage(stream: "group_members", cursor: withUnknown, window: nil, api: api).records == expected.records)

        let wrongShapes: [[String: Any]] = [
            members.merging(["parent": "1"]) { _, new in new }, members.merging(["parents": [1, 2]]) { _, new in new },
            members.merging(["token": 5]) { _, new in new }, members.filter { $0.key != "phase" }, ["phase": 0],
        ]
        for shape in wrongShapes {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: shape), as: UTF8.self)
            let error = await #expect(throws: ConnectorError.self) {
                _ = try await setup.zoom.readPage(stream: "group_members", cursor: text, window: nil, api: api)
            }
            #expect(error?.kind == .expiredCursor, "\(text.prefix(80))")
        }
        for text in ["[]", "not json", #"{"phase":0,"parent":0"#] {
            let error = await #expect(throws: ConnectorError.self) {
                _ = try await setup.zoom.readPage(stream: "group_members", cursor: text, window: nil, api: api)
            }
            #expect(error?.kind == .expiredCursor)
        }
    }

    @Test("a page token another sandbox issued is refused with Zoom's code 300, which the connector reports as an expired cursor")
    func foreignPageToken() async throws {
        let issuer = try Setup {
            $0.users = 700; $0.rateLimits = false
        }
        let first = try await issuer.zoom.readPage(
            stream: "users", cursor: nil, window: nil,
            api: BearerAPI(zoom: issuer.zoom, token: try await issuer.accountToken(), http: issuer.transport))
        let cursor = try #require(first.next)
        let other = try Setup {
            $0.users = 700; $0.rateLimits = false
        }
        let api = BearerAPI(zoom: other.zoom, token: try await other.accountToken(), http: other.transport)
        let error = await #expect(throws: ConnectorError.self) {
            _ = try await other.zoom.readPage(stream: "users", cursor: cursor, window: nil, api: api)
        }
        #expect(error?.kind == .expiredCursor)
    }

    @Test("an authorization code becomes tokens; each refresh rotates the refresh token, and a used one is invalid_grant")
    func rotatingRefreshTokens() async throws {
        let setup = try Setup { $0.autoApprove = .owner }
        let app = setup.sandbox.world.apps.first { $0.kind == .platform }!
        let redirectURI = setup.sandbox.configuration.redirectURIs[0]
        let verifier = try PKCE.makeVerifier()
        let consent = try await setup.transport.execute(
            HTTPClientRequest(
                url: setup.oauth.authorizationURL(
                    client: setup.credentials(app), redirectURI: redirectURI, state: Secret("state-1"), codeChallenge: PKCE.challenge(for: verifier)))
        )
        let location = try #require(consent.header("location"), "the consent page did not redirect: \(consent.status)")
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)

        let first = try await setup.oauth.exchangeCode(Secret(code), redirectURI: redirectURI, verifier: verifier, client: setup.credentials(app))
        let firstRefresh = try #require(first.refreshToken)
        let second = try await setup.oauth.refresh(firstRefresh, client: setup.credentials(app))
        let secondRefresh = try #require(second.refreshToken)
        #expect(secondRefresh.unsafeValue != firstRefresh.unsafeValue, "the refresh token rotates")
        #expect(second.accessToken.unsafeValue != first.accessToken.unsafeValue)

        let reused = await #expect(throws: OAuthError.self) { _ = try await setup.oauth.refresh(firstRefresh, client: setup.credentials(app)) }
        #expect(reused?.code == .invalidGrant)
        #expect(try await setup.oauth.refresh(secondRefresh, client: setup.credentials(app)).refreshToken != nil, "the newest one still works")
    }

    @Test("a request for any other origin never leaves the process")
    func otherOrigins() async throws {
        let setup = try Setup()
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await setup.transport.execute(HTTPClientRequest(url: "https://api.zoom.us/v2/users"))
        }
        #expect(error?.code == .connectFailed)
        #expect(setup.transport.requests.isEmpty)
    }
}
