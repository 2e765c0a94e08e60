import Foundation
import HTTPTypes
import Hummingbird

/// Sub accounts, billing, reports, Zoom Phone and Zoom Rooms (`zoom-api.md` §4.4–4.8). Every record is a
/// pure function of the seed, the account and its position (for reports, its day), so any window or page
/// is produced on demand.
struct SandboxDataRoutes: Sendable {
    let sandbox: ZoomSandbox
    var pager: SandboxPager { SandboxPager(sandbox: sandbox) }

    static let reportScopes = ["report:read:admin", "report:master"]

    func endpoint(_ category: SandboxRateCategory, _ scopes: [String], plans: Set<SandboxPlan>? = nil) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: category, scopes: scopes, plans: plans)
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        let paid: Set<SandboxPlan> = [.pro, .business]
        router.get("/v2/accounts") { request, _ in
            try await endpoint(.medium, ["account:read:list_sub_accounts:master", "account:master"], plans: [.business])
                .respond(request) { subAccounts(request, $0) }
        }
        router.get("/v2/accounts/:accountId/plans/usage") { request, context in
            try await endpoint(
                .heavy, ["billing:read:plan_usage:admin", "billing:read:plan_usage:master", "account:read:admin", "billing:master", "account:master"]
            )
            .respond(request) { caller in
                guard let account = account(context, caller, allowSubAccounts: true) else { return noAccount(context) }
                return planUsage(account)
            }
        }
        router.get("/v2/accounts/:accountId/plans") { request, context in
            try await endpoint(
                .medium, ["billing:read:plan_information:admin", "billing:read:plan_information:master", "billing:master", "account:master"],
                plans: paid
            )
            .respond(request) { caller in ownAccount(context, caller) { planInformation(caller) } }
        }
        router.get("/v2/accounts/:accountId/billing/invoices") { request, context in
            try await endpoint(.heavy, ["billing:read:list_invoices:admin", "billing:read:list_invoices:master", "billing:master"], plans: paid)
                .respond(request) { caller in ownAccount(context, caller) { invoices(request, caller) } }
        }
        router.get("/v2/report/daily") { request, _ in
            try await endpoint(.heavy, ["report:read:daily:admin", "report:read:daily_usage:admin"] + Self.reportScopes, plans: paid)
                .respond(request) { dailyReport(request, $0) }
        }
        router.get("/v2/report/users") { request, _ in
            try await endpoint(.heavy, ["report:read:list_users:admin"] + Self.reportScopes, plans: paid).respond(request) {
                activeHosts(request, $0)
            }
        }
        router.get("/v2/report/activities") { request, _ in
            try await endpoint(.heavy, ["report:read:user_activities:admin"] + Self.reportScopes, plans: paid).respond(request) {
                signIns(request, $0)
            }
        }
        router.get("/v2/report/operationlogs") { request, _ in
            try await endpoint(.heavy, ["report:read:operation_logs:admin"] + Self.reportScopes, plans: paid).respond(request) {
                operationLogs(request, $0)
            }
        }
        router.get("/v2/report/billing") { request, _ in
            try await endpoint(.heavy, ["report:read:billing:admin"] + Self.reportScopes, plans: paid).respond(request) { billingReports($0) }
        }
        router.get("/v2/report/billing/invoices") { request, _ in
            try await endpoint(.heavy, ["report:read:billing_invoice:admin"] + Self.reportScopes, plans: paid).respond(request) {
                billingInvoices(request, $0)
            }
        }
        router.get("/v2/report/telephone") { request, _ in
            try await endpoint(.heavy, ["report:read:telephone:admin"] + Self.reportScopes, plans: paid).respond(request) { telephone(request, $0) }
        }
        router.get("/v2/phone/users") { request, _ in
            try await endpoint(.phoneMedium, ["phone:read:list_users:admin", "phone:read:admin"], plans: paid).respond(request) {
                phoneUsers(request, $0)
            }
        }
        router.get("/v2/phone/calling_plans") { request, _ in
            try await endpoint(.phoneMedium, ["phone:read:list_calling_plans:admin", "phone:read:admin"], plans: paid).respond(request) {
                callingPlans($0)
            }
        }
        // `/phone/call_logs` is gone, as at Zoom since 2025-11-30: its replacement is the call history.
        router.get("/v2/phone/call_history") { request, _ in
            try await endpoint(.phoneHeavy, ["phone:read:list_call_logs:admin", "phone:read:admin", "phone_call_log:read:admin"], plans: paid)
                .respond(request) { callHistory(request, $0) }
        }
        router.get("/v2/rooms") { request, _ in
            try await endpoint(.medium, ["zoom_rooms:read:list_rooms:admin", "room:read:admin"]).respond(request) { rooms(request, $0) }
        }
        router.get("/v2/rooms/locations") { request, _ in
            try await endpoint(.medium, ["zoom_rooms:read:list_locations:admin", "room:read:admin"]).respond(request) { locations(request, $0) }
        }
        router.get("/v2/rooms/:roomId/devices") { request, context in
            let id = context.parameters.get("roomId") ?? ""
            return try await endpoint(.medium, ["zoom_rooms:read:list_devices:admin", "room:read:admin"]).respond(request) { devices(id, $0) }
        }
    }

    // MARK: - Helpers

    func query(_ request: Request) -> SandboxQuery {
        SandboxQuery(
            values: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first }))
    }

    /// `/accounts/{accountId}/…` accepts `me` or the caller's own account id; others are 404 code 2001.
    func ownAccount(_ context: some RequestContext, _ caller: SandboxEndpoint.Caller, _ body: () -> SandboxReply) -> SandboxReply {
        account(context, caller, allowSubAccounts: false) == nil ? noAccount(context) : body()
    }

    func noAccount(_ context: some RequestContext) -> SandboxReply {
        SandboxReply.error(.notFound, code: 2001, "Account does not exist: \(context.parameters.get("accountId") ?? "").")
    }

    /// One page of `count` positions; `item` returns `nil` for positions that hold no record.
    func paged(
        _ request: Request, scope: String, key: String, maximum: Int, defaultSize: Int = 30, count: Int, total: Int? = nil,
        extra: [String: Any] = [:], _ item: (Int) -> [String: Any]?
    ) -> SandboxReply {
        let page: SandboxPager.Page
        switch pager.page(request, scope: scope, maximum: maximum, defaultSize: defaultSize) {
        case .success(let value): page = value
        case .failure(let error): return error.reply
        }
        let (items, next) = pager.scan(page, count: count, item)
        var body = extra
        body["page_size"] = page.size
        body["total_records"] = total ?? count
        body["next_page_token"] = pager.token(for: page, next: next)
        body[key] = items
        return SandboxReply(.ok, body)
    }

    func random(_ kind: UInt64, _ account: SandboxAccount, _ a: Int, _ b: Int = 0) -> SandboxRandom {
        SandboxRandom(seed: sandbox.world.seed, 40 + kind, UInt64(account.index), UInt64(a), UInt64(b))
    }

    func timestamp(day: Int, seconds: Int) -> String {
        SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(day * 86_400 + seconds)))
    }

    func money(_ cents: Int) -> Double { Double(cents) / 100 }

    // MARK: - Accounts and billing

    func subAccounts(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let subs = sandbox.world.subAccounts(of: caller.account)
        return paged(request, scope: "accounts|\(caller.account.index)", key: "accounts", maximum: 300, count: subs.count) { index in
            let sub = subs[index]
            return [
                "id": sub.id, "account_name": sub.name, "owner_email": sandbox.world.user(of: sub, index: 0).email, "account_type": "Business",
                "seats": seats(sub), "account_number": sub.number, "subscription_start_time": "2025-01-01T00:00:00Z",
                "subscription_end_time": "2027-01-01T00:00:00Z", "created_at": "2024-06-0\(index + 1)T09:00:00Z",
            ]
        }
    }

    /// A path's `{accountId}` as the caller may use it: `me` or its own id is its account, a sub account's id
    /// is that sub account (a master account's APIs); anything else is 404 code 2001.
    func account(_ context: some RequestContext, _ caller: SandboxEndpoint.Caller, allowSubAccounts: Bool) -> SandboxAccount? {
        let id = context.parameters.get("accountId") ?? ""
        if id == "me" || id == caller.account.id { return caller.account }
        return allowSubAccounts ? sandbox.world.subAccounts(of: caller.account).first { $0.id == id } : nil
    }

    func seats(_ account: SandboxAccount) -> Int {
        account.plan == .free ? 1 : max(9, sandbox.userCount(account) + sandbox.userCount(account) / 10)
    }

    func planUsage(_ account: SandboxAccount) -> SandboxReply {
        let licensed = sandbox.cachedCount("licensed", account: account) { $0.type == 2 }
        var body: [String: Any] = [
            "plan_base": ["type": planType(account.plan), "hosts": seats(account), "usage": licensed, "pending": 0],
            "plan_recording": [
                "type": "cloud_recording_storage_100gb", "free_storage": "5 GB", "free_storage_usage": "1.2 GB",
                "plan_storage": "100 GB", "plan_storage_usage": "37.5 GB", "plan_storage_exceed": "0", "max_exceed_date": "",
            ],
        ]
        if account.plan == .business {
            body["plan_zoom_rooms"] = ["type": "zroom_monthly", "hosts": 5, "usage": 4]
            body["plan_webinar"] = [["type": "webinar500_monthly", "hosts": 2, "usage": 1]]
        }
        return SandboxReply(.ok, body)
    }

    func planType(_ plan: SandboxPlan) -> String {
        switch plan {
        case .free: "free"
        case .pro: "monthly"
        case .business: "annual"
        }
    }

    func planInformation(_ caller: SandboxEndpoint.Caller) -> SandboxReply {
        SandboxReply(
            .ok,
            [
                "plan_base": [
                    "type": planType(caller.account.plan), "hosts": seats(caller.account), "service_effective_date": "2025-01-01T00:00:00Z",
                    "next_invoice_date": "2026-12-01T00:00:00Z", "status": "active",
                ]
            ])
    }

    func invoices(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        let seats = seats(account)
        let price = account.plan == .business ? 2_199 : 1_499
        let invoices = (0..<12).map { month -> [String: Any] in
            let day = Int(SandboxUser.epoch.timeIntervalSince1970 / 86_400) - 30 * (11 - month)
            let total = seats * price
            return [
                "id": "inv_\(account.index)_\(month)", "invoice_number": "INV\(account.number)-\(month + 1)",
                "invoice_date": SandboxWindow.text(day: day), "due_date": SandboxWindow.text(day: day + 30),
                "target_date": SandboxWindow.text(day: day), "status": month == 11 ? "Open" : "Paid",
                "balance": month == 11 ? money(total) : 0, "tax_amount": money(total / 10), "total_amount": money(total + total / 10),
            ]
        }
        return SandboxReply(.ok, ["currency": "USD", "invoices": invoices])
    }

    // MARK: - Reports

    func dailyReport(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let values = query(request)
        let now = sandbox.clock.now
        let today = Int(now.timeIntervalSince1970 / 86_400)
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
        let year = values.get("year").flatMap(Int.init) ?? components.year!
        let month = values.get("month").flatMap(Int.init) ?? components.month!
        guard (1...12).contains(month), let first = SandboxWindow.day(String(format: "%04d-%02d-01", year, month)) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: month.")
        }
        guard first <= today, first >= today - 200 else {
            return SandboxReply.error(.badRequest, code: 300, "The month must be within the last six months.")
        }
        let nextMonth = month == 12 ? String(format: "%04d-01-01", year + 1) : String(format: "%04d-%02d-01", year, month + 1)
        let last = min(SandboxWindow.day(nextMonth)! - 1, today)
        let dates = (first...last).map { day -> [String: Any] in
            var random = random(2, caller.account, day)
            let meetings = random.below(max(2, sandbox.userCount(caller.account) / 2))
            return [
                "date": SandboxWindow.text(day: day), "new_users": random.below(3), "meetings": meetings,
                "participants": meetings * (2 + random.below(5)), "meeting_minutes": meetings * (15 + random.below(45)),
            ]
        }
        return SandboxReply(.ok, ["year": year, "month": month, "dates": dates])
    }

    func window(_ request: Request, defaultDays: Int? = nil) -> Result<SandboxWindow, SandboxHTTPError> {
        SandboxWindow.parse(query(request), now: sandbox.clock.now, defaultDays: defaultDays)
    }

    func activeHosts(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let window: SandboxWindow
        switch self.window(request) {
        case .success(let value): window = value
        case .failure(let error): return error.reply
        }
        let type = query(request).get("type") ?? "active"
        guard type == "active" || type == "inactive" else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
        let account = caller.account
        // The window's meetings say who hosted: a host of at least one ended meeting is active.
        let hosts = SandboxMeetings(sandbox: sandbox).hosts(account, window: window)
        let hosted = { (user: SandboxUser) -> Bool in hosts[user.index] != nil }
        let total = sandbox.cachedCount("report-users|\(type)|\(window.firstDay)|\(window.lastDay)", account: account) {
            hosted($0) == (type == "active")
        }
        return paged(
            request, scope: "report-users|\(account.index)|\(type)|\(window.firstDay)|\(window.lastDay)", key: "users", maximum: 300,
            count: sandbox.userCount(account), total: total,
            extra: ["from": SandboxWindow.text(day: window.firstDay), "to": SandboxWindow.text(day: window.lastDay)]
        ) { index in
            guard let user = sandbox.user(account, index: index), hosted(user) == (type == "active") else { return nil }
            let totals = hosts[index] ?? SandboxMeetings.Hosted()
            var row: [String: Any] = [
                "id": user.id, "email": user.email, "user_name": "\(user.firstName) \(user.lastName)", "type": user.type,
                "meetings": totals.meetings, "participants": totals.participants, "meeting_minutes": totals.minutes,
            ]
            row["dept"] = user.department
            return row
        }
    }

    /// Per-day events for windowed reports: `perDay` slots a day, each filled by `event(day, slot)`.
    func windowed(
        _ request: Request, _ caller: SandboxEndpoint.Caller, kind: String, key: String, perDay: Int, defaultDays: Int? = nil,
        _ event: @escaping (Int, Int) -> [String: Any]?
    ) -> SandboxReply {
        let window: SandboxWindow
        switch self.window(request, defaultDays: defaultDays) {
        case .success(let value): window = value
        case .failure(let error): return error.reply
        }
        let extra: [String: Any] = ["from": SandboxWindow.text(day: window.firstDay), "to": SandboxWindow.text(day: window.lastDay)]
        return paged(
            request, scope: "\(kind)|\(caller.account.index)|\(window.firstDay)|\(window.lastDay)", key: key, maximum: 300,
            count: window.days * perDay, extra: extra
        ) { position in event(window.firstDay + position / perDay, position % perDay) }
    }

    func eventsPerDay(_ account: SandboxAccount, divisor: Int) -> Int { max(1, min(200, sandbox.userCount(account) / divisor)) }

    func signIns(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        return windowed(request, caller, kind: "activities", key: "activity_logs", perDay: eventsPerDay(account, divisor: 5)) { day, slot in
            var random = random(5, account, day, slot)
            guard let user = sandbox.user(account, index: random.below(sandbox.userCount(account))) else { return nil }
            return [
                "email": user.email, "time": timestamp(day: day, seconds: slot * 300 + random.below(300)),
                "type": random.chance(70) ? "Sign in" : "Sign out", "ip_address": "203.0.113.\(random.below(250) + 1)",
                "client_type": random.pick(["Browser", "Mac", "Windows", "iOS", "Android"]), "version": "6.4.\(random.below(10))",
            ]
        }
    }

    func operationLogs(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        let categoryFilter = query(request).get("category_type") ?? "all"
        return windowed(request, caller, kind: "operationlogs|\(categoryFilter)", key: "operation_logs", perDay: 5) { day, slot in
            var random = random(6, account, day, slot)
            let category = random.pick(["user", "user_settings", "account", "billing", "role", "zoom_rooms"])
            guard categoryFilter == "all" || categoryFilter == category else { return nil }
            let admin = sandbox.world.user(of: account, index: random.below(min(3, account.userCount)))
            return [
                "time": timestamp(day: day, seconds: slot * 3_600 + random.below(3_600)), "operator": admin.email,
                "category_type": category, "action": random.pick(["Add", "Update", "Delete"]),
                "operation_detail": "\(category) change \(day)-\(slot)",
            ]
        }
    }

    func billingReports(_ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let reports = (0..<6).map { month -> [String: Any] in
            let start = Int(SandboxUser.epoch.timeIntervalSince1970 / 86_400) - 30 * (6 - month)
            let total = seats(caller.account) * 1_499
            return [
                "id": "bill_\(caller.account.index)_\(month)", "start_date": SandboxWindow.text(day: start),
                "end_date": SandboxWindow.text(day: start + 29), "total_amount": String(format: "%.2f", money(total)),
                "tax_amount": String(format: "%.2f", money(total / 10)), "type": 0,
            ]
        }
        return SandboxReply(.ok, ["currency": "USD", "billing_reports": reports])
    }

    func billingInvoices(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let id = query(request).get("billing_id") ?? ""
        guard id.hasPrefix("bill_\(caller.account.index)_"), let month = Int(id.split(separator: "_").last ?? ""), (0..<6).contains(month) else {
            return SandboxReply.error(.notFound, code: 5010, "Report does not exist.")
        }
        let seats = seats(caller.account)
        return SandboxReply(
            .ok,
            [
                "currency": "USD",
                "invoices": [
                    [
                        "start_date": "2026-0\(month + 1)-01", "end_date": "2026-0\(month + 1)-28", "invoice_number": "INV-\(id)",
                        "invoice_charge_name": "Zoom Workplace \(planType(caller.account.plan))", "quantity": seats,
                        "total_amount": String(format: "%.2f", money(seats * 1_499)), "tax_amount": String(format: "%.2f", money(seats * 149)),
                    ]
                ],
            ])
    }

    func telephone(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        return windowed(request, caller, kind: "telephone", key: "telephony_usage", perDay: eventsPerDay(account, divisor: 20)) { day, slot in
            var random = random(7, account, day, slot)
            guard let host = sandbox.user(account, index: random.below(sandbox.userCount(account))) else { return nil }
            let start = day * 86_400 + 8 * 3_600 + random.below(10 * 3_600)
            let minutes = 1 + random.below(60)
            var row: [String: Any] = [
                "meeting_id": 80_000_000_000 + random.below(9_999_999_999), "uuid": random.identifier(), "host_id": host.id,
                "host_name": "\(host.firstName) \(host.lastName)", "host_email": host.email,
                "start_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(start))),
                "end_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(start + minutes * 60))),
                "duration": minutes, "total": money(minutes * 4), "rate": 0.04, "type": random.pick(["toll-free", "call-out", "call-in"]),
                "country_name": random.pick(["United States", "Germany", "India"]), "meeting_type": "Meeting",
                "phone_number": "+1 555 01\(String(format: "%02d", random.below(100)))",
            ]
            row["dept"] = host.department
            return row
        }
    }

    // MARK: - Phone

    /// Licensed users have Zoom Phone.
    func hasPhone(_ user: SandboxUser) -> Bool { user.hasPhone }

    func phoneUsers(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        let total = sandbox.cachedCount("phone-users", account: account, hasPhone)
        return paged(request, scope: "phone-users|\(account.index)", key: "users", maximum: 100, count: sandbox.userCount(account), total: total) {
            index in
            guard let user = sandbox.user(account, index: index), hasPhone(user) else { return nil }
            var random = random(8, account, index)
            var row: [String: Any] = [
                "id": random.identifier(), "phone_user_id": random.identifier(), "name": "\(user.firstName) \(user.lastName)",
                "email": user.email, "extension_id": random.identifier(), "extension_number": 1_000 + index, "status": "activate",
                "site": ["id": "site_\(account.index)", "name": "Main Office"],
                "calling_plans": [
                    [
                        "name": "US/CA Unlimited Calling Plan", "type": 200, "billing_account_id": "ba_\(account.index)",
                        "billing_account_name": account.name,
                    ]
                ],
                "phone_numbers": [["id": random.identifier(), "number": "+1650555\(String(format: "%04d", index % 10_000))"]],
                "cost_center": "CC-\(100 + index % 5)",
            ]
            row["department"] = user.department
            return row
        }
    }

    func callingPlans(_ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let assigned = sandbox.cachedCount("phone-users", account: caller.account, hasPhone)
        let subscribed = assigned + 5
        return SandboxReply(
            .ok,
            [
                "calling_plans": [
                    [
                        "name": "US/CA Unlimited Calling Plan", "type": 200, "subscribed": subscribed, "assigned": assigned,
                        "available": subscribed - assigned,
                        "billing_account_id": "ba_\(caller.account.index)", "billing_account_name": caller.account.name,
                    ],
                    [
                        "name": "International Calling Plan", "type": 400, "subscribed": 2, "assigned": 0, "available": 2,
                        "billing_account_id": "ba_\(caller.account.index)", "billing_account_name": caller.account.name,
                    ],
                ]
            ])
    }

    /// Calls of phone users, a few a day per four users, in `/phone/call_history`'s item shape: the user's
    /// party by extension and e-mail, the outside party by its number only.
    func callHistory(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        return windowed(request, caller, kind: "call-history", key: "call_history", perDay: eventsPerDay(account, divisor: 4), defaultDays: 1) {
            day, slot in
            var random = random(9, account, day, slot)
            guard let owner = sandbox.user(account, index: random.below(sandbox.userCount(account))), hasPhone(owner) else { return nil }
            let outbound = random.chance(50)
            let answered = !random.chance(15)
            let start = 8 * 3_600 + slot * 60 + random.below(60)
            let duration = answered ? 10 + random.below(1_800) : 0
            let user: [String: Any] = [
                "ext_id": owner.id, "ext_number": String(1_000 + owner.index), "name": "\(owner.firstName) \(owner.lastName)", "email": owner.email,
                "ext_type": "user", "number_type": "internal", "device_type": random.pick(["Windows", "Mac", "iOS", "Android", "Desk phone"]),
            ]
            let outside: [String: Any] = [
                "did_number": outbound
                    ? "+1212555\(String(format: "%04d", random.below(10_000)))" : "+1415555\(String(format: "%04d", random.below(10_000)))",
                "number_type": "pstn", "country_iso_code": "US",
            ]
            var item: [String: Any] = [
                "call_history_uuid": random.identifier(), "call_id": String(7_000_000_000_000_000_000 + random.below(999_999_999)),
                "direction": outbound ? "outbound" : "inbound", "international": false, "start_time": timestamp(day: day, seconds: start),
                "end_time": timestamp(day: day, seconds: start + duration + (answered ? 3 : 25)), "duration": duration,
                "connect_type": "external", "call_type": "general",
                "call_result": answered ? "answered" : random.pick(["no_answer", "busy", "voicemail"]),
                "department": random.pick(["Sales", "Support", "Finance"]), "site_id": "site_\(account.index)", "site_name": "Main Office",
                "recording_status": random.chance(20) ? "recorded" : "non_recorded", "spam": "no",
            ]
            if answered { item["answer_time"] = timestamp(day: day, seconds: start + 3) }
            for (key, value) in user { item[(outbound ? "caller_" : "callee_") + key] = value }
            for (key, value) in outside { item[(outbound ? "callee_" : "caller_") + key] = value }
            return item
        }
    }

    // MARK: - Rooms

    /// Only Business accounts have Zoom Rooms, as on Zoom where Rooms is a separate subscription.
    func roomsAvailable(_ caller: SandboxEndpoint.Caller) -> SandboxReply? {
        caller.account.plan == .business ? nil : SandboxReply.error(.badRequest, code: 200, "Zoom Room subscription not found.")
    }

    func roomCount(_ account: SandboxAccount) -> Int { max(2, min(500, sandbox.userCount(account) / 10)) }

    func room(_ account: SandboxAccount, _ index: Int) -> [String: Any] {
        var random = random(10, account, index)
        return [
            "id": random.identifier(), "room_id": random.identifier(length: 10), "name": "Room \(index + 1)",
            "activation_code": String(format: "%012d", random.below(999_999_999)),
            "status": random.pick(["Available", "InMeeting", "Offline", "UnderConstruction"]),
            "location_id": location(account, index % 3)["id"] as! String,
        ]
    }

    func location(_ account: SandboxAccount, _ index: Int) -> [String: Any] {
        var random = random(11, account, index)
        return [
            "id": random.identifier(), "name": ["HQ Building", "Floor 2", "Annex"][index], "parent_location_id": "",
            "type": index == 0 ? "building" : "floor",
        ]
    }

    func rooms(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        if let unavailable = roomsAvailable(caller) { return unavailable }
        let account = caller.account
        return paged(request, scope: "rooms|\(account.index)", key: "rooms", maximum: 300, count: roomCount(account)) { room(account, $0) }
    }

    func locations(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        if let unavailable = roomsAvailable(caller) { return unavailable }
        let account = caller.account
        return paged(request, scope: "locations|\(account.index)", key: "locations", maximum: 300, count: 3) { location(account, $0) }
    }

    func devices(_ roomID: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        if let unavailable = roomsAvailable(caller) { return unavailable }
        let account = caller.account
        guard let index = (0..<roomCount(account)).first(where: { room(account, $0)["id"] as? String == roomID }) else {
            return SandboxReply.error(.notFound, code: 1012, "Room not found.")
        }
        var random = random(12, account, index)
        let devices = (0..<2).map { device -> [String: Any] in
            [
                "id": random.identifier(), "room_name": "Room \(index + 1)", "device_type": device == 0 ? "Zoom Rooms Computer" : "Controller",
                "app_version": "6.2.\(random.below(9))", "device_system": device == 0 ? "Win 10" : "iPadOS 17",
                "status": random.chance(85) ? "Online" : "Offline", "device_hostname": "zr-\(index)-\(device)",
                "device_manufacturer": device == 0 ? "Dell" : "Apple", "device_model": device == 0 ? "OptiPlex" : "iPad",
                "ip_address": "10.0.\(index % 250).\(10 + device)", "serial_number": random.identifier(length: 12),
                "device_mac_addresses": ["00:1b:44:11:3a:\(String(format: "%02x", index % 256))"],
            ]
        }
        return SandboxReply(.ok, ["devices": devices])
    }
}
