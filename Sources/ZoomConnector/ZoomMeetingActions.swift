import Connectors
import Foundation

/// The actions on meetings (`zoom-api-actions.md` A5; Sumo Logic's meeting actions): schedule one for a
/// user, read it or its invitation, change it, delete it.
///
/// A meeting's start URL and passcode are credentials: the start URL starts the meeting as its host
/// without signing in, and the passcode admits anyone who has it. Results leave both out (the passcode
/// from join URLs and invitations too); Zoom keeps them, and a passcode given in an input is sealed like a
/// password until it is sent.
enum ZoomMeetingActions: ZoomActionFamily {
    static let meetingReference = ActionField("meeting", .numericID, required: true, "The meeting's id: Zoom's meeting number.")
    static let readMeeting = ScopeRequirement(anyOf: ["meeting:read:meeting:admin", "meeting:read:admin"])

    /// What a meeting is made of, for `meeting.create` and `meeting.update`.
    static let meetingFields = [
        ActionField("topic", .text(maxLength: 200), "The meeting's topic."),
        ActionField("start_time", .timestamp, "When it starts, in UTC (yyyy-MM-ddTHH:mm:ssZ)."),
        ActionField("duration", .integer(1...1_440), "How long it is planned to last, in minutes."),
        ActionField("timezone", .text(maxLength: 64), "The time zone Zoom shows it in (America/New_York)."),
        ActionField("agenda", .text(maxLength: 2_000), "The meeting's description."),
        ActionField("password", .secret(maxLength: 10), "Its passcode, up to 10 characters: sealed until it is sent, never stored."),
        ActionField("waiting_room", .boolean, "Hold participants in a waiting room until the host admits them."),
        ActionField("join_before_host", .boolean, "Let participants join before the host."),
        ActionField("mute_upon_entry", .boolean, "Mute participants as they join."),
        ActionField("auto_recording", .choice(["none", "local", "cloud"]), "Record automatically: none, local or cloud."),
    ]
    static let settingFields: Set = ["waiting_room", "join_before_host", "mute_upon_entry", "auto_recording"]

    static let catalogue: [ActionDescription] = [
        ActionDescription(
            "meeting.create", "Schedules a meeting hosted by a user of the account.",
            fields: [
                ActionField("user", .reference(.users), required: true, "The host: Tether's id, Zoom's id or the email address."),
                ActionField(
                    "type", .choice(["scheduled", "recurring_no_fixed_time"]), "scheduled (the default) or recurring_no_fixed_time."),
            ] + meetingFields.map { $0.name == "topic" ? ActionField("topic", .text(maxLength: 200), required: true, $0.summary) : $0 },
            requirements: [
                readUser, ScopeRequirement(anyOf: ["meeting:read:list_meetings:admin", "meeting:read:admin"]),
                ScopeRequirement(anyOf: ["meeting:write:meeting:admin", "meeting:write:admin"]),
            ], category: "Medium", idempotent: false, protectsPrivilegedUsers: false),
        ActionDescription(
            "meeting.get", "Reads a meeting as Zoom has it now: topic, host, time, settings, join URL.", fields: [meetingReference],
            requirements: [readMeeting], category: "Light", idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "meeting.update", "Changes a meeting that has not started: the fields given, the others as they are.",
            fields: [meetingReference] + meetingFields,
            requirements: [readMeeting, ScopeRequirement(anyOf: ["meeting:update:meeting:admin", "meeting:write:admin"])],
            category: "Light", idempotent: true, protectsPrivilegedUsers: false, atLeastOneOf: meetingFields.map(\.name)),
        ActionDescription(
            "meeting.delete", "Deletes a meeting that is not in progress.",
            fields: [
                meetingReference, ActionField("notify_host", .boolean, "Email the host that it was cancelled."),
                ActionField("notify_registrants", .boolean, "Email its registrants that it was cancelled."),
            ],
            requirements: [readMeeting, ScopeRequirement(anyOf: ["meeting:delete:meeting:admin", "meeting:write:admin"])], category: "Light",
            idempotent: false, protectsPrivilegedUsers: false),
        ActionDescription(
            "meeting.get_invitation", "Reads the invitation text Zoom sends for a meeting (its passcode left out).", fields: [meetingReference],
            requirements: [readMeeting, ScopeRequirement(anyOf: ["meeting:read:invitation:admin", "meeting:read:admin"])], category: "Light",
            idempotent: true, protectsPrivilegedUsers: false),
    ]

    // MARK: - Planning

    static func plan(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        if action.name == "meeting.create" { return try await planCreation(action, input: input, api: api) }
        let meeting = try await read(meeting: input.numericID("meeting") ?? "", api: api)
        let id = meeting["id"].flatMap { ActionInput.digits(of: $0) } ?? ""
        let target = ActionTarget(kind: "meeting", remoteID: id, label: meeting["topic"]?.string ?? id)
        let path = "/meetings/\(id)"
        let inProgress = meeting["status"]?.string == "started"
        switch action.name {
        case "meeting.get":
            return ActionPlan(targets: [target], requests: [APIRequest(path: path, bucket: action.category)])
        case "meeting.get_invitation":
            return ActionPlan(targets: [target], requests: [APIRequest(path: path + "/invitation", bucket: action.category)])
        case "meeting.update":
            guard !inProgress else {
                throw ActionRefusal(.invalidInput, "the meeting \(id) is in progress: Zoom changes a meeting only before it starts")
            }
            return ActionPlan(targets: [target], requests: [APIRequest("PATCH", path: path, bucket: action.category, body: body(input))])
        case "meeting.delete":
            guard !inProgress else { throw ActionRefusal(.invalidInput, "the meeting \(id) is in progress: end it before deleting it") }
            var query: [APIRequest.Query] = []
            if input.flag("notify_host") { query.append(APIRequest.Query("schedule_for_reminder", "true")) }
            if input.flag("notify_registrants") { query.append(APIRequest.Query("cancel_meeting_reminder", "true")) }
            return ActionPlan(targets: [target], requests: [APIRequest("DELETE", path: path, query: query, bucket: action.category)])
        default:
            throw ActionRefusal(.notAvailable, "Zoom has no action named \(action.name)")
        }
    }

    /// A new meeting, and the host's meetings like it that exist already: a taker-over finds the one this
    /// action made as the like meeting that is not among them.
    static func planCreation(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        let host = try await target(user: input.text("user") ?? "", api: api)
        guard host.status == "active" else {
            throw ActionRefusal(
                .invalidInput, "\(host.email) is \(host.status.isEmpty ? "not active" : host.status): only active users host meetings")
        }
        var body = body(input).object ?? [:]
        body["type"] = .integer(input.text("type") == "recurring_no_fixed_time" ? 3 : 2)
        let before = try await alike(body: .object(body), host: host.id, api: api)
        return ActionPlan(
            targets: [ActionTarget(kind: "user", remoteID: host.id, label: host.email, privilege: host.privilege)]
                + before.map { ActionTarget(kind: "meeting_before", remoteID: $0, label: input.text("topic") ?? $0) },
            requests: [APIRequest("POST", path: "/users/\(pathSegment(host.id))/meetings", bucket: action.category, body: .object(body))])
    }

    /// Zoom's meeting body for the fields given: the settings in `settings`, the rest at the top.
    static func body(_ input: ActionInput) -> JSONValue {
        var body: JSONObject = [:]
        var settings: JSONObject = [:]
        for field in meetingFields {
            guard let value = input.values[field.name] else { continue }
            if settingFields.contains(field.name) { settings[field.name] = value } else { body[field.name] = value }
        }
        if !settings.isEmpty { body["settings"] = .object(settings) }
        return .object(body)
    }

    // MARK: - Effects

    static func isEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool? {
        switch action.name {
        case "meeting.create": return try await created(plan, api: api) != nil
        case "meeting.delete":
            let id = plan.targets.first?.remoteID ?? ""
            return !(try await exists(APIRequest(path: "/meetings/\(id)", bucket: "Light"), api: api))
        // Reads, and a change that is simply sent again.
        default: return nil
        }
    }

    static func outcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome {
        let id = plan.targets.first?.remoteID ?? ""
        switch action.name {
        case "meeting.create":
            let answered = responses.first.flatMap { JSONValue.parse($0) }
            if let answered, answered["id"] != nil { return ActionOutcome(result: withoutCredentials(answered)) }
            guard let made = try await created(plan, api: api) else {
                throw ConnectorError(.invalidResponse, "Zoom does not list the meeting it created")
            }
            return ActionOutcome(result: withoutCredentials(try await read(meeting: made, api: api)))
        case "meeting.get":
            guard let meeting = responses.first.flatMap({ JSONValue.parse($0) }), meeting.object != nil else {
                throw ConnectorError(.invalidResponse, "Zoom answered a meeting that is not a JSON object")
            }
            return ActionOutcome(result: withoutCredentials(meeting))
        case "meeting.update":
            return ActionOutcome(result: withoutCredentials(try await read(meeting: id, api: api)))
        case "meeting.delete":
            return ActionOutcome(result: .object(["meeting_id": .string(id), "deleted": .bool(true)]))
        default:
            guard let invitation = responses.first.flatMap({ JSONValue.parse($0) }), invitation["invitation"]?.string != nil else {
                throw ConnectorError(.invalidResponse, "Zoom answered an invitation without its text")
            }
            // The invitation carries the passcode in its text and SIP links: the meeting says which it is.
            let credentials = self.credentials(of: try await read(meeting: id, api: api))
            let text = redacting(invitation["invitation"] ?? .null, credentials)
            return ActionOutcome(
                result: .object([
                    "meeting_id": .string(id), "invitation": text,
                    "sip_links": redacting(.array((invitation["sip_links"]?.array ?? []).filter { $0.string != nil }), credentials),
                ]))
        }
    }

    // MARK: - Reading meetings

    /// A meeting by its number; Zoom answers an unknown or expired one 404 (code 3001).
    static func read(meeting id: String, api: any ProviderAPI) async throws -> JSONValue {
        do {
            let body = try await api.send(APIRequest(path: "/meetings/\(id)", bucket: "Light"))
            guard let meeting = JSONValue.parse(body), meeting["id"].flatMap({ ActionInput.digits(of: $0) }) != nil else {
                throw ConnectorError(.invalidResponse, "Zoom answered a meeting without its id")
            }
            return meeting
        } catch let error as ConnectorError where error.kind == .notFound {
            throw ActionRefusal(.notFound, "Zoom has no meeting \(id), or it has expired")
        }
    }

    /// The ids of the host's scheduled meetings with the topic (and start time, when given) of `body`.
    static func alike(body: JSONValue, host: String, api: any ProviderAPI) async throws -> [String] {
        var ids: [String] = []
        var token: String?
        var pages = 0
        repeat {
            var query = [APIRequest.Query("type", "scheduled"), APIRequest.Query("page_size", "300")]
            if let token { query.append(APIRequest.Query("next_page_token", token)) }
            let answer = try await api.send(APIRequest(path: "/users/\(pathSegment(host))/meetings", query: query, bucket: "Medium"))
            guard let page = JSONValue.parse(answer), let meetings = page["meetings"]?.array else {
                throw ConnectorError(.invalidResponse, "Zoom answered a user's meetings without a meetings list")
            }
            ids += meetings.filter { meeting in
                meeting["topic"] == body["topic"] && (body["start_time"] == nil || meeting["start_time"] == body["start_time"])
            }.compactMap { $0["id"].flatMap { ActionInput.digits(of: $0) } }
            token = page["next_page_token"]?.nonEmptyString
            pages += 1
        } while token != nil && pages < 100
        return ids
    }

    /// The meeting a `meeting.create` made: one like it that was not there when it was planned.
    static func created(_ plan: ActionPlan, api: any ProviderAPI) async throws -> String? {
        guard let host = plan.targets.first(where: { $0.kind == "user" })?.remoteID, let body = plan.requests.first?.body else { return nil }
        let before = Set(plan.targets.filter { $0.kind == "meeting_before" }.map(\.remoteID))
        return try await alike(body: body, host: host, api: api).first { !before.contains($0) }
    }

    // MARK: - Credentials

    static let credentialFields: Set = ["start_url", "password", "h323_password", "pstn_password", "encrypted_password"]

    /// The meeting's credentials as text: its start URL and passcodes (those of four characters or more,
    /// which cannot be mistaken for ordinary words and numbers of the text they are removed from).
    static func credentials(of meeting: JSONValue) -> [String] {
        credentialFields.compactMap { meeting[$0]?.string }.filter { $0.count >= 4 }
    }

    /// The meeting without its start URL and passcode fields, and without its passcodes wherever else they
    /// appear (the join URL embeds one).
    static func withoutCredentials(_ meeting: JSONValue) -> JSONValue {
        let secrets = credentials(of: meeting)
        guard case .object(var members) = meeting else { return meeting }
        for field in credentialFields { members[field] = nil }
        return redacting(.object(members), secrets)
    }

    /// `value` with each of `secrets` in its strings replaced by the sealed marker, as is the value of each
    /// line labelled a passcode or password (a short one too), and each URL's `pwd=` parameter left out.
    static func redacting(_ value: JSONValue, _ secrets: [String]) -> JSONValue {
        switch value {
        case .string(var text):
            for secret in secrets { text = text.replacingOccurrences(of: secret, with: ActionInput.sealedMarker) }
            text = text.replacing(/\?pwd=[^&\s]*&/, with: "?").replacing(/[?&]pwd=[^&\s]*/, with: "")
            return .string(
                text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                    guard let colon = line.firstIndex(of: ":"), ["passcode", "password"].contains(where: line[..<colon].lowercased().contains) else {
                        return String(line)
                    }
                    return line[...colon] + " " + ActionInput.sealedMarker
                }.joined(separator: "\n"))
        case .array(let items): return .array(items.map { redacting($0, secrets) })
        case .object(let members): return .object(members.mapValues { redacting($0, secrets) })
        default: return value
        }
    }
}
