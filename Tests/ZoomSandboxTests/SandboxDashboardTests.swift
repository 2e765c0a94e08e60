import Foundation
import Testing
import Transport
import ZoomSandbox

/// The dashboard's past meetings, participants and QoS (`zoom-api-actions.md` B1).
@Suite("Zoom sandbox: dashboard meetings")
struct SandboxDashboardTests {
    /// A token for the Business account (the only plan with the Dashboard feature).
    static func businessToken(_ sandbox: ZoomSandbox, _ zoom: SandboxDriver) async throws -> String {
        let app = zoom.serverToServerApp(account: 2)
        let minted = try await zoom.token(app: app, [("grant_type", "account_credentials"), ("account_id", sandbox.world.accounts[2].id)])
        return try #require(try zoom.json(minted)["access_token"] as? String)
    }

    static func day(_ offset: Int) -> String {
        Date().addingTimeInterval(Double(offset) * 86_400).formatted(
            Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day())
    }

    @Test("past meetings of a window page like Zoom's, each with its host, times and quality; Pro accounts and bad windows are refused")
    func pastMeetings() async throws {
        try await withSandbox({ $0.meetingsPerDay = 5 }) { sandbox, zoom in
            let token = try await Self.businessToken(sandbox, zoom)
            let query = "type=past&from=\(Self.day(-10))&to=\(Self.day(-1))&page_size=20"
            var meetings: [[String: Any]] = []
            var next = ""
            repeat {
                let page = try zoom.json(try await zoom.get("/v2/metrics/meetings?\(query)&next_page_token=\(next)", token: token))
                meetings += page["meetings"] as? [[String: Any]] ?? []
                next = page["next_page_token"] as? String ?? ""
            } while !next.isEmpty
            #expect(meetings.count == 50, "five a day for ten days")
            #expect(Set(meetings.compactMap { $0["uuid"] as? String }).count == 50)
            let first = try #require(meetings.first)
            #expect(first["email"] is String && first["start_time"] is String && first["duration"] is String && first["has_video"] is Bool)
            #expect(["good", "fair", "poor", "bad"].contains(first["audio_quality"] as? String ?? ""))
            let pro = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let refused = try await zoom.get("/v2/metrics/meetings?\(query)", token: pro)
            #expect(try refused.status == 400 && zoom.json(refused)["code"] as? Int == 200)
            let tooLong = try await zoom.get("/v2/metrics/meetings?type=past&from=\(Self.day(-60))&to=\(Self.day(-1))", token: token)
            #expect(try tooLong.status == 400 && zoom.json(tooLong)["code"] as? Int == 300)
            let live = try zoom.json(try await zoom.get("/v2/metrics/meetings?type=live&from=\(Self.day(-1))&to=\(Self.day(0))", token: token))
            #expect((live["meetings"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(
        "participants and QoS are found by UUID (encoded once, or twice when it starts with / or holds //) or numeric id; QoS pages hold 1 by default, 10 at most"
    )
    func participantsAndQoS() async throws {
        try await withSandbox({ $0.meetingsPerDay = 40 }) { sandbox, zoom in
            let token = try await Self.businessToken(sandbox, zoom)
            let page = try zoom.json(
                try await zoom.get("/v2/metrics/meetings?type=past&from=\(Self.day(-5))&to=\(Self.day(-1))&page_size=300", token: token))
            let meetings = try #require(page["meetings"] as? [[String: Any]])
            let slashed = try #require(meetings.first { ($0["uuid"] as? String)?.contains("/") == true }, "some UUIDs hold a /")
            let uuid = try #require(slashed["uuid"] as? String)
            let once = uuid.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let twice = once.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for reference in [once, twice, String(slashed["id"] as! Int)] {
                let answer = try await zoom.get("/v2/metrics/meetings/\(reference)/participants?type=past", token: token)
                #expect(answer.status == 200, "\(reference)")
                let participants = try zoom.json(answer)["participants"] as? [[String: Any]] ?? []
                #expect(participants.count == slashed["participants"] as? Int)
                #expect(participants.first?["email"] as? String == slashed["email"] as? String, "the host joins first")
            }
            let first = try zoom.json(try await zoom.get("/v2/metrics/meetings/\(once)/participants/qos?type=past", token: token))
            #expect((first["participants"] as? [Any])?.count == 1 && (first["next_page_token"] as? String)?.isEmpty == false)
            let capped = try zoom.json(try await zoom.get("/v2/metrics/meetings/\(once)/participants/qos?type=past&page_size=50", token: token))
            #expect(capped["page_size"] as? Int == 10)
            let participant = try #require((capped["participants"] as? [[String: Any]])?.first)
            let samples = try #require(participant["user_qos"] as? [[String: Any]])
            #expect(!samples.isEmpty)
            let audio = samples[0]["audio_input"] as? [String: Any]
            #expect((audio?["latency"] as? String)?.hasSuffix(" ms") == true && (audio?["avg_loss"] as? String)?.hasSuffix("%") == true)
            #expect(((samples[0]["video_input"] as? [String: Any])?["bitrate"] as? String)?.hasSuffix(" kbps") == true)
            let unknown = try await zoom.get("/v2/metrics/meetings/12345/participants?type=past", token: token)
            #expect(try unknown.status == 404 && zoom.json(unknown)["code"] as? Int == 3001)
        }
    }

    @Test(
        "the Zoom Rooms dashboard lists every room with health and issues (an offline room is critical); a room's issues come in problem and recovery pairs; Pro is refused"
    )
    func zoomRooms() async throws {
        try await withSandbox { sandbox, zoom in
            let token = try await Self.businessToken(sandbox, zoom)
            let rooms = try #require(
                try zoom.json(try await zoom.get("/v2/metrics/zoomrooms?page_size=300", token: token))["zoom_rooms"] as? [[String: Any]])
            let listed = try #require(try zoom.json(try await zoom.get("/v2/rooms?page_size=300", token: token))["rooms"] as? [[String: Any]])
            #expect(Set(rooms.compactMap { $0["id"] as? String }) == Set(listed.compactMap { $0["id"] as? String }))
            for room in rooms where room["status"] as? String == "Offline" {
                #expect(room["health"] as? String == "critical" && (room["issues"] as? [String]) == ["Zoom room is offline"])
            }
            #expect(rooms.allSatisfy { $0["calender_name"] is String }, "the reference's spelling")
            let troubled = try #require(rooms.first { ($0["issues"] as? [String])?.isEmpty == false })
            let issues = try zoom.json(
                try await zoom.get(
                    "/v2/metrics/issues/zoomrooms/\(troubled["id"] as! String)?from=\(Self.day(-7))&to=\(Self.day(-1))&page_size=300", token: token))
            let events = try #require(issues["issue_details"] as? [[String: Any]])
            #expect(events.count == 7 * 4, "two problems a day, each with its recovery")
            let unknown = try await zoom.get("/v2/metrics/issues/zoomrooms/nope?from=\(Self.day(-7))&to=\(Self.day(-1))", token: token)
            #expect(try unknown.status == 404 && zoom.json(unknown)["code"] as? Int == 1012)
            let pro = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let refused = try await zoom.get("/v2/metrics/zoomrooms", token: pro)
            #expect(try refused.status == 400 && zoom.json(refused)["code"] as? Int == 200)
        }
    }
}
