import Connectors
import Foundation

/// Where a Zoom stream's listing stands between two pages. Stored by the engine as opaque text.
struct ZoomCursor: Equatable {
    /// `users`: which status is being listed (active, inactive, pending).
    var phase = 0
    /// Streams that list children per parent (role and group members, room devices): the parents' ids,
    /// listed once at the start, and the one being read.
    var parents: [String]?
    var parent = 0
    /// Zoom's `next_page_token` for the listing in progress.
    var token: String?
    /// Children streams: records of the current parent read so far, against the total Zoom reported.
    var received: Int?
    /// Children streams whose parents come a page at a time (meetings): the token of the parents' next page.
    var batch: String?

    /// Reads a cursor this connector wrote: a JSON object with `phase` and `parent`, the other members
    /// optional. Read with Tether's own JSON reader: a group members' cursor carries every group's id and
    /// is read and written once a page, which through Foundation's coders cost a share of the sync.
    static func decode(_ text: String?) throws -> ZoomCursor {
        guard let text else { return ZoomCursor() }
        guard let value = JSONValue.parse(Array(text.utf8)), let cursor = ZoomCursor(value) else {
            throw ConnectorError(.expiredCursor, "the stored cursor is not one this connector wrote")
        }
        return cursor
    }

    init(phase: Int = 0, parent: Int = 0, token: String? = nil) {
        self.phase = phase
        self.parent = parent
        self.token = token
    }

    private init?(_ value: JSONValue) {
        guard case .object(let members) = value, case .integer(let phase)? = members["phase"], case .integer(let parent)? = members["parent"]
        else { return nil }
        self.init(phase: phase, parent: parent)
        for (key, member) in members where member != .null {
            switch (key, member) {
            case ("parents", .array(let items)):
                let ids = items.compactMap { item -> String? in if case .string(let id) = item { id } else { nil } }
                guard ids.count == items.count else { return nil }
                parents = ids
            case ("token", .string(let text)): token = text
            case ("received", .integer(let count)): received = count
            case ("batch", .string(let text)): batch = text
            case ("parents", _), ("token", _), ("received", _), ("batch", _): return nil
            default: continue  // phase and parent, read above; a member a later version added
            }
        }
    }

    /// The cursor as stored: canonical JSON, absent members left out.
    var text: String {
        var members: JSONObject = ["phase": .integer(phase), "parent": .integer(parent)]
        members["parents"] = parents.map { .array($0.map(JSONValue.string)) }
        members["token"] = token.map(JSONValue.string)
        members["received"] = received.map(JSONValue.integer)
        members["batch"] = batch.map(JSONValue.string)
        return JSONValue.object(members).canonicalText
    }
}

/// Reads each Zoom stream a page at a time (`zoom-api.md` §4). Paged listings ask for Zoom's largest page
/// and follow `next_page_token` (`""` ends a listing).
struct ZoomStreams {
    let api: any ProviderAPI

    /// Records per page this reader aims for when it gathers children of several parents into one page.
    static let gatherTarget = 300
    static let userStatuses = ["active", "inactive", "pending"]

    func read(_ stream: String, cursor text: String?, window: DateWindow?) async throws -> StreamPage {
        let cursor = try ZoomCursor.decode(text)
        switch stream {
        case "users": return try await users(cursor)
        case "roles": return try await whole("/roles", key: "roles", bucket: "Medium", map: ZoomRecords.role)
        case "role_members":
            return try await children(cursor, parents: { _ in (try await ids(of: "/roles", key: "roles", bucket: "Medium"), nil) }) { role, token in
                try await listing("/roles/\(escaped(role))/members", key: "members", bucket: "Medium", token: token) {
                    try ZoomRecords.member($0, of: role)
                }
            }
        case "groups": return try await whole("/groups", key: "groups", bucket: "Medium", map: ZoomRecords.group)
        case "group_members":
            return try await children(cursor, parents: { _ in (try await ids(of: "/groups", key: "groups", bucket: "Medium"), nil) }) {
                group, token in
                try await listing("/groups/\(escaped(group))/members", key: "members", bucket: "Medium", token: token) {
                    try ZoomRecords.member($0, of: group)
                }
            }
        case "sub_accounts": return try await paged("/accounts", key: "accounts", bucket: "Medium", cursor, map: ZoomRecords.subAccount)
        case "plan_usage": return try await planUsage(cursor)
        case "plan_info":
            let body = try await object(APIRequest(path: "/accounts/me/plans", bucket: "Medium"))
            return StreamPage(records: try ZoomRecords.plans(body, ZoomRecords.planInformation), next: nil)
        case "invoices": return try await invoices()
        case "report_daily": return try await dailyUsage(try required(window))
        case "report_users": return try await reportUsers(try required(window), cursor)
        case "report_activities":
            return try await paged("/report/activities", key: "activity_logs", bucket: "Heavy", cursor, query: windowQuery(try required(window))) {
                ZoomRecords.signIn($0)
            }
        case "report_operation_logs":
            return try await paged(
                "/report/operationlogs", key: "operation_logs", bucket: "Heavy", cursor, query: windowQuery(try required(window))
            ) { ZoomRecords.operationLog($0) }
        case "report_billing": return try await billingReports()
        case "report_telephone":
            return try await paged("/report/telephone", key: "telephony_usage", bucket: "Heavy", cursor, query: windowQuery(try required(window))) {
                ZoomRecords.telephone($0)
            }
        case "phone_users":
            return try await paged("/phone/users", key: "users", bucket: "Phone Medium", cursor, pageSize: 100, map: ZoomRecords.phoneUser)
        case "phone_calling_plans":
            return try await whole("/phone/calling_plans", key: "calling_plans", bucket: "Phone Medium", map: ZoomRecords.callingPlan)
        case "phone_call_history":
            return try await paged(
                "/phone/call_history", key: "call_history", bucket: "Phone Heavy", cursor, query: windowQuery(try required(window)),
                map: ZoomRecords.callHistory)
        case "rooms": return try await paged("/rooms", key: "rooms", bucket: "Medium", cursor, map: ZoomRecords.room)
        case "room_devices":
            return try await children(cursor, parents: { _ in (try await allIDs(of: "/rooms", key: "rooms", bucket: "Medium"), nil) }) { room, _ in
                let body = try await object(APIRequest(path: "/rooms/\(escaped(room))/devices", bucket: "Medium"))
                return (try items(body, "devices").map { try ZoomRecords.device($0, room: room) }, nil, nil)
            }
        case "room_locations": return try await paged("/rooms/locations", key: "locations", bucket: "Medium", cursor, map: ZoomRecords.location)
        case "meetings":
            return try await paged(
                "/metrics/meetings", key: "meetings", bucket: "Resource-intensive", cursor, query: pastMeetings(try required(window)),
                map: ZoomRecords.meeting)
        case "meeting_participants":
            return try await children(cursor, parents: { try await meetings(try required(window), token: $0) }) { meeting, token in
                try await listing(
                    "/metrics/meetings/\(meetingSegment(meeting))/participants", key: "participants", bucket: "Heavy", token: token,
                    query: [.init("type", "past")]
                ) { try ZoomRecords.participant($0, meeting: meeting) }
            }
        case "meeting_quality":
            // Zoom answers QoS for at most 10 participants a page.
            return try await children(cursor, parents: { try await meetings(try required(window), token: $0) }) { meeting, token in
                try await listing(
                    "/metrics/meetings/\(meetingSegment(meeting))/participants/qos", key: "participants", bucket: "Heavy", token: token,
                    query: [.init("type", "past")], pageSize: 10
                ) { try ZoomRecords.quality($0, meeting: meeting) }
            }
        case "past_meeting_participants":
            let window = try required(window)
            return try await children(cursor, parents: { try await reportedMeetings(window, hosts: $0) }) { meeting, token in
                try await listing(
                    "/report/meetings/\(meetingSegment(meeting))/participants", key: "participants", bucket: "Heavy", token: token
                ) { try ZoomRecords.pastParticipant($0, meeting: meeting) }
            }
        case "room_health":
            return try await paged("/metrics/zoomrooms", key: "zoom_rooms", bucket: "Resource-intensive", cursor, map: ZoomRecords.roomHealth)
        case "room_issues":
            let window = try required(window)
            return try await children(cursor, parents: { _ in (try await allIDs(of: "/rooms", key: "rooms", bucket: "Medium"), nil) }) {
                room, token in
                try await listing(
                    "/metrics/issues/zoomrooms/\(escaped(room))", key: "issue_details", bucket: "Heavy", token: token, query: windowQuery(window)
                ) { try ZoomRecords.roomIssue($0, room: room) }
            }
        case "user_settings":
            // Zoom refuses the settings of a pending user (code 1000): active and inactive users have them.
            return try await eachUser(cursor, statuses: ["active", "inactive"]) { user in
                let body = try await object(APIRequest(path: "/users/\(escaped(user))/settings", bucket: "Medium"))
                return ZoomRecords.userSettings(body, user: user)
            }
        case "user_presence":
            // Presence matters for people who hold a licence and can sign in.
            return try await eachUser(cursor, statuses: ["active"], include: { $0["type"]?.integer == 2 }) { user in
                try ZoomRecords.presence(try await object(APIRequest(path: "/users/\(escaped(user))/presence_status", bucket: "Light")), user: user)
            }
        case "account_settings":
            let body = try await object(APIRequest(path: "/accounts/me/settings", bucket: "Medium"))
            return StreamPage(records: [ZoomRecords.accountSettings(body, account: "me")], next: nil)
        default:
            throw ConnectorError(.rejected, "Zoom has no stream named \(stream)")
        }
    }

    // MARK: - Stream shapes

    /// Users of all three statuses, one status after the other (`/users` lists one status at a time); then,
    /// for a master account, the users of each sub account the same way (`/accounts/{id}/users`), tagged with
    /// it. The phase counts statuses across the account and its sub accounts.
    func users(_ cursor: ZoomCursor) async throws -> StreamPage {
        var cursor = cursor
        let statuses = Self.userStatuses.count
        if cursor.phase >= statuses, cursor.parents == nil {
            cursor.parents = try await subAccounts()
            cursor.parent = 0
        }
        let subAccount = cursor.phase < statuses ? nil : cursor.parents.flatMap { cursor.parent < $0.count ? $0[cursor.parent] : nil }
        if cursor.phase >= statuses, subAccount == nil { return StreamPage(records: [], next: nil) }
        let status = Self.userStatuses[cursor.phase % statuses]
        let path = subAccount.map { "/accounts/\(escaped($0))/users" } ?? "/users"
        let (records, next, total) = try await listing(path, key: "users", bucket: "Medium", token: cursor.token, query: [.init("status", status)]) {
            try ZoomRecords.user($0, subAccount: subAccount)
        }
        let progress = total.map { ListingProgress(listing: "\(path)?status=\(status)", reportedTotal: $0, count: records.count) }
        if let next {
            cursor.token = next
        } else {
            cursor.phase += 1
            cursor.token = nil
            if cursor.phase == 2 * statuses {
                cursor.phase = statuses
                cursor.parent += 1
            }
        }
        let more = cursor.phase < statuses || cursor.parents.map { cursor.parent < $0.count } ?? true
        return StreamPage(records: records, next: more ? cursor.text : nil, progress: progress)
    }

    /// Plan usage of the account, then of each sub account of a master account, one per page.
    func planUsage(_ cursor: ZoomCursor) async throws -> StreamPage {
        var cursor = cursor
        guard let subs = cursor.parents else {
            let body = try await object(APIRequest(path: "/accounts/me/plans/usage", bucket: "Heavy"))
            cursor.parents = try await subAccounts()
            cursor.parent = 0
            return StreamPage(records: try ZoomRecords.plans(body, ZoomRecords.planUsage), next: cursor.parents!.isEmpty ? nil : cursor.text)
        }
        guard cursor.parent < subs.count else { return StreamPage(records: [], next: nil) }
        let sub = subs[cursor.parent]
        var records: [SyncedRecord] = []
        do {
            records = try ZoomRecords.subAccountPlans(
                try await object(APIRequest(path: "/accounts/\(escaped(sub))/plans/usage", bucket: "Heavy")), subAccount: sub)
        } catch let error as ConnectorError where error.kind == .notFound {}
        cursor.parent += 1
        return StreamPage(records: records, next: cursor.parent < subs.count ? cursor.text : nil)
    }

    /// The sub accounts of a master account; none when the account is not one or the app may not list them
    /// (Zoom answers code 200 or 4711), so an ordinary account's sync costs one request more.
    func subAccounts() async throws -> [String] {
        do {
            return try await allIDs(of: "/accounts", key: "accounts", bucket: "Medium")
        } catch let error as ConnectorError where [.notAvailable, .missingScope].contains(error.kind) {
            return []
        }
    }

    /// Hosts of the window's calendar month, the active ones then the inactive ones: one row per host and
    /// month. The window is widened to its month's first day (windows never span months), so re-reading the
    /// current month's trailing days updates the month's rows instead of adding overlapping ones (issue 16);
    /// only the oldest month of a backfill, whose first day Zoom no longer reports on (six months), starts
    /// where its window does.
    func reportUsers(_ window: DateWindow, _ cursor: ZoomCursor, now: Date = Date()) async throws -> StreamPage {
        var cursor = cursor
        let types = ["active", "inactive"]
        guard cursor.phase < types.count else { return StreamPage(records: [], next: nil) }
        let firstOfMonth = String(window.from.prefix(8)) + "01"
        let oldestReported = Self.dayText(now.addingTimeInterval(-180 * 86_400))
        let month = DateWindow(from: firstOfMonth >= oldestReported ? firstOfMonth : window.from, to: window.to)
        let type = types[cursor.phase]
        let (records, next, total) = try await listing(
            "/report/users", key: "users", bucket: "Heavy", token: cursor.token, query: windowQuery(month) + [.init("type", type)]
        ) { try ZoomRecords.activeHost($0, window: month) }
        let progress = total.map {
            ListingProgress(listing: "/report/users?type=\(type)&from=\(month.from)", reportedTotal: $0, count: records.count)
        }
        if let next {
            cursor.token = next
        } else {
            cursor.phase += 1
            cursor.token = nil
        }
        return StreamPage(records: records, next: cursor.phase < types.count ? cursor.text : nil, progress: progress)
    }

    /// A listing Zoom answers in one response.
    func whole(_ path: String, key: String, bucket: String, map: (JSONValue) throws -> SyncedRecord) async throws -> StreamPage {
        let body = try await object(APIRequest(path: path, bucket: bucket))
        return StreamPage(records: try items(body, key).map(map), next: nil)
    }

    /// A listing paged with `next_page_token`, one Zoom page per stream page.
    func paged(
        _ path: String, key: String, bucket: String, _ cursor: ZoomCursor, query: [APIRequest.Query] = [], pageSize: Int = 300,
        map: (JSONValue) throws -> SyncedRecord
    ) async throws -> StreamPage {
        let (records, next, total) = try await listing(
            path, key: key, bucket: bucket, token: cursor.token, query: query, pageSize: pageSize, map: map)
        return StreamPage(
            records: records, next: next.map { ZoomCursor(token: $0).text },
            progress: total.map { ListingProgress(listing: path, reportedTotal: $0, count: records.count) })
    }

    /// One request per user of `statuses` (a fan-out): each stream page reads one page of `/users` and then
    /// each of its users, paced like every request by the account's rate limit. A user deleted since the
    /// listing (404) or not readable in their state (Zoom's code 1000, pending) is skipped and counted.
    func eachUser(
        _ cursor: ZoomCursor, statuses: [String], include: (JSONValue) -> Bool = { _ in true },
        _ read: (String) async throws -> SyncedRecord
    ) async throws -> StreamPage {
        var cursor = cursor
        guard cursor.phase < statuses.count else { return StreamPage(records: [], next: nil) }
        let (users, next, _) = try await listing(
            "/users", key: "users", bucket: "Medium", token: cursor.token, query: [.init("status", statuses[cursor.phase])]
        ) { item in
            guard let id = item["id"]?.nonEmptyString else { throw ZoomRecords.invalid("a user without id") }
            return include(item) ? id : nil
        }
        var records: [SyncedRecord] = []
        var skipped = 0
        for user in users.compactMap({ $0 }) {
            do {
                records.append(try await read(user))
            } catch let error as ConnectorError where error.kind == .notFound || (error.kind == .rejected && error.reason.contains("code 1000")) {
                skipped += 1
            }
        }
        if let next {
            cursor.token = next
        } else {
            cursor.phase += 1
            cursor.token = nil
        }
        return StreamPage(records: records, next: cursor.phase < statuses.count ? cursor.text : nil, skipped: skipped)
    }

    /// The UUIDs of one page of the window's past meetings, and the token of the next page.
    func meetings(_ window: DateWindow, token: String?) async throws -> (ids: [String], next: String?) {
        let (ids, next, _) = try await listing(
            "/metrics/meetings", key: "meetings", bucket: "Resource-intensive", token: token, query: pastMeetings(window)
        ) { item in
            guard let uuid = item["uuid"]?.nonEmptyString else { throw ZoomRecords.invalid("a meeting without uuid") }
            return uuid
        }
        return (ids, next)
    }

    /// The report API's meetings of a window, a page of its active hosts at a time: each host's meetings
    /// (every page of them), and the token of the hosts' next page. A host deleted meanwhile is skipped.
    func reportedMeetings(_ window: DateWindow, hosts token: String?) async throws -> (ids: [String], next: String?) {
        let (hosts, next, _) = try await listing(
            "/report/users", key: "users", bucket: "Heavy", token: token, query: windowQuery(window) + [.init("type", "active")]
        ) { item in
            guard let id = item["id"]?.nonEmptyString else { throw ZoomRecords.invalid("an active host without id") }
            return id
        }
        var meetings: [String] = []
        for host in hosts {
            var page: String?
            var listings = ListingGuard()
            repeat {
                do {
                    let (uuids, following, total) = try await listing(
                        "/report/users/\(escaped(host))/meetings", key: "meetings", bucket: "Heavy", token: page,
                        query: windowQuery(window) + [.init("type", "past")]
                    ) { item in
                        guard let uuid = item["uuid"]?.nonEmptyString else { throw ZoomRecords.invalid("a reported meeting without uuid") }
                        return uuid
                    }
                    try listings.check(
                        next: following,
                        progress: total.map { ListingProgress(listing: "/report/users/{id}/meetings", reportedTotal: $0, count: uuids.count) },
                        provider: "Zoom")
                    meetings += uuids
                    page = following
                } catch let error as ConnectorError where error.kind == .notFound {
                    page = nil
                }
            } while page != nil
        }
        return (meetings, next)
    }

    func pastMeetings(_ window: DateWindow) -> [APIRequest.Query] { [.init("type", "past")] + windowQuery(window) }

    /// A meeting UUID in a path: Zoom asks for one that starts with "/" or holds "//" to be encoded twice.
    func meetingSegment(_ uuid: String) -> String {
        uuid.hasPrefix("/") || uuid.contains("//") ? pathSegment(pathSegment(uuid)) : pathSegment(uuid)
    }

    /// Children of every parent, gathered into pages of about ``gatherTarget`` records. Parents come a
    /// batch at a time (`list` gets the previous batch's token, and answers the next one's); a parent
    /// deleted since it was listed is skipped and counted.
    func children(
        _ cursor: ZoomCursor, parents list: (String?) async throws -> (ids: [String], next: String?),
        _ read: (String, String?) async throws -> (records: [SyncedRecord], next: String?, total: Int?)
    ) async throws -> StreamPage {
        var cursor = cursor
        var records: [SyncedRecord] = []
        var skipped = 0
        while records.count < Self.gatherTarget {
            if cursor.parents == nil || (cursor.parent >= (cursor.parents?.count ?? 0) && cursor.batch != nil) {
                let previous = cursor.parents == nil ? nil : cursor.batch
                let batch = try await list(previous)
                if let next = batch.next, next == previous {
                    throw ConnectorError(.providerError, "Zoom handed back the same page token while listing parents")
                }
                cursor.parents = batch.ids
                cursor.batch = batch.next
                cursor.parent = 0
                cursor.token = nil
            }
            let parents = cursor.parents ?? []
            guard cursor.parent < parents.count else { break }
            do {
                let (page, next, total) = try await read(parents[cursor.parent], cursor.token)
                records += page
                let received = (cursor.received ?? 0) + page.count
                if let next {
                    // One parent's listing that would never end (DESIGN §6.4), as the engine's guard would see it.
                    if next == cursor.token || total.map({ received > $0 + max(100, $0 / 10) }) == true {
                        throw ConnectorError(.providerError, "Zoom kept paging the members of \(parents[cursor.parent]) without end")
                    }
                    cursor.token = next
                    cursor.received = received
                    continue
                }
            } catch let error as ConnectorError where error.kind == .notFound {
                skipped += 1
            }
            cursor.parent += 1
            cursor.token = nil
            cursor.received = nil
        }
        let more = cursor.parent < (cursor.parents?.count ?? 0) || cursor.batch != nil
        return StreamPage(records: records, next: more ? cursor.text : nil, skipped: skipped)
    }

    func invoices() async throws -> StreamPage {
        // Zoom answers at most a year per call, within the last three years.
        let today = Date()
        let from = DayFormat.text(today.addingTimeInterval(-364 * 86_400))
        let body = try await object(
            APIRequest(
                path: "/accounts/me/billing/invoices", query: [.init("from", from), .init("to", DayFormat.text(today))], bucket: "Heavy"))
        let currency = body["currency"]?.nonEmptyString
        return StreamPage(records: try items(body, "invoices").map { try ZoomRecords.invoice($0, currency: currency) }, next: nil)
    }

    /// `/report/daily` answers a calendar month; the engine's windows never cross one.
    func dailyUsage(_ window: DateWindow) async throws -> StreamPage {
        let parts = window.from.split(separator: "-")
        guard parts.count == 3 else { throw ConnectorError(.rejected, "the window \(window) is not yyyy-mm-dd") }
        let body = try await object(
            APIRequest(
                path: "/report/daily", query: [.init("year", String(parts[0])), .init("month", String(Int(parts[1]) ?? 0))], bucket: "Heavy"))
        let days = try items(body, "dates").filter { item in
            guard let day = item["date"]?.string else { return true }
            return day >= window.from && day <= window.to
        }
        return StreamPage(records: try days.map(ZoomRecords.dailyUsage), next: nil)
    }

    /// Billing reports, each with the invoices Zoom lists for it.
    func billingReports() async throws -> StreamPage {
        let body = try await object(APIRequest(path: "/report/billing", bucket: "Heavy"))
        let currency = body["currency"]?.nonEmptyString
        var records: [SyncedRecord] = []
        var skipped = 0
        for report in try items(body, "billing_reports") {
            guard let id = report["id"]?.nonEmptyString else { throw ZoomRecords.invalid("a billing report without id") }
            do {
                let invoices = try await object(APIRequest(path: "/report/billing/invoices", query: [.init("billing_id", id)], bucket: "Heavy"))
                records.append(try ZoomRecords.billingReport(report, currency: currency, invoices: invoices["invoices"] ?? .array([])))
            } catch let error as ConnectorError where error.kind == .notFound {
                skipped += 1
            }
        }
        return StreamPage(records: records, next: nil, skipped: skipped)
    }

    // MARK: - Requests

    func listing<Item>(
        _ path: String, key: String, bucket: String, token: String?, query: [APIRequest.Query] = [], pageSize: Int = 300,
        map: (JSONValue) throws -> Item
    ) async throws -> (records: [Item], next: String?, total: Int?) {
        var parameters = query + [.init("page_size", String(pageSize))]
        if let token { parameters.append(.init("next_page_token", token)) }
        let body = try await object(APIRequest(path: path, query: parameters, bucket: bucket))
        let nextToken: String
        switch body["next_page_token"] {
        case nil, .null?: nextToken = ""
        case .string(let value)?: nextToken = value
        default: throw ZoomRecords.invalid("a next_page_token that is not a string")
        }
        let total: Int?
        switch body["total_records"] {
        case nil, .null?: total = nil
        case .integer(let value)? where value >= 0: total = Int(value)
        default: throw ZoomRecords.invalid("a total_records that is not a count")
        }
        return (try items(body, key).map(map), nextToken.isEmpty ? nil : nextToken, total)
    }

    /// The ids of an unpaged listing (roles, groups).
    func ids(of path: String, key: String, bucket: String) async throws -> [String] {
        try items(try await object(APIRequest(path: path, bucket: bucket)), key).map { item in
            guard let id = item["id"]?.nonEmptyString else { throw ZoomRecords.invalid("an item of \(path) without id") }
            return id
        }
    }

    /// The ids of a paged listing, every page of it (stopped like a stream's listing if it never ends).
    func allIDs(of path: String, key: String, bucket: String) async throws -> [String] {
        var ids: [String] = []
        var token: String?
        var listings = ListingGuard()
        repeat {
            let (records, next, total) = try await listing(path, key: key, bucket: bucket, token: token) { item in
                try ZoomRecords.keyed(item, by: "id", "item of \(path)", [])
            }
            try listings.check(
                next: next, progress: total.map { ListingProgress(listing: path, reportedTotal: $0, count: records.count) },
                provider: "Zoom")
            ids += records.map(\.remoteID)
            token = next
        } while token != nil
        return ids
    }

    func object(_ request: APIRequest) async throws -> JSONValue {
        let body = try await api.get(request)
        guard let value = JSONValue.parse(body), value.object != nil else {
            throw ZoomRecords.invalid("a body for \(request.path) that is not a JSON object")
        }
        return value
    }

    /// The array under `key`; a missing key is an empty list (Zoom omits empty arrays), anything else breaks the page.
    func items(_ body: JSONValue, _ key: String) throws -> [JSONValue] {
        switch body[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw ZoomRecords.invalid("\(key) that is not a list")
        }
    }

    /// `yyyy-mm-dd` of `date` in UTC, comparable as text with a window's days.
    static func dayText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    func windowQuery(_ window: DateWindow) -> [APIRequest.Query] { [.init("from", window.from), .init("to", window.to)] }

    func required(_ window: DateWindow?) throws -> DateWindow {
        guard let window else { throw ConnectorError(.rejected, "a windowed stream was read without a window") }
        return window
    }

    func escaped(_ id: String) -> String { pathSegment(id) }
}

/// `yyyy-mm-dd` in UTC.
enum DayFormat {
    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day())
    }
}
