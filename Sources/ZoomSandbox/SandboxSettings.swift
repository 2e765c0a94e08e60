import Foundation

/// One setting's value. Zoom's settings are booleans, whole numbers, words and, for a few, an object of
/// those (`security.password_requirement`).
public enum SandboxSettingValue: Sendable, Hashable, Decodable {
    case bool(Bool)
    case integer(Int)
    case text(String)
    case object([String: SandboxSettingValue])

    /// Decodes strictly: `1` is not `true`, so a PATCH of the wrong type is refused as Zoom refuses it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int.self) {
            self = .integer(number)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .object(try container.decode([String: SandboxSettingValue].self))
        }
    }

    var json: Any {
        switch self {
        case .bool(let flag): flag
        case .integer(let number): number
        case .text(let text): text
        case .object(let members): members.mapValues(\.json)
        }
    }

    /// Whether `other` can replace this value: the same kind, and for an object only known keys.
    func accepts(_ other: SandboxSettingValue) -> Bool {
        switch (self, other) {
        case (.bool, .bool), (.integer, .integer), (.text, .text): true
        case (.object(let known), .object(let given)):
            given.allSatisfy { key, value in known[key]?.accepts(value) ?? false }
        default: false
        }
    }

    /// This value with `patch` applied: objects merge key by key, anything else is replaced.
    func merged(with patch: SandboxSettingValue) -> SandboxSettingValue {
        guard case .object(var members) = self, case .object(let changes) = patch else { return patch }
        for (key, value) in changes { members[key] = members[key]?.merged(with: value) ?? value }
        return .object(members)
    }
}

/// Settings of users and accounts (`zoom-api-actions.md` A4 and B3): generated from the seed and the
/// user's licence (a Basic user has no large meetings, webinars or cloud recording), with what PATCH changed
/// kept on the user.
enum SandboxSettings {
    typealias Sections = [String: SandboxSettingValue]

    static let autoRecording = ["none", "local", "cloud"]

    /// A user's settings now: generated, then their changes on top.
    static func user(_ user: SandboxUser, seed: UInt64, hasPhone: Bool) -> Sections {
        var random = SandboxRandom(seed: seed, 30, UInt64(user.accountIndex), UInt64(user.index))
        let licensed = user.type == 2
        var settings: Sections = [
            "schedule_meeting": .object([
                "host_video": .bool(random.chance(60)), "participants_video": .bool(random.chance(50)),
                "join_before_host": .bool(random.chance(30)), "require_password_for_scheduling_new_meetings": .bool(random.chance(80)),
                "use_pmi_for_scheduled_meetings": .bool(random.chance(20)), "audio_type": .text(random.pick(["both", "voip", "telephony"])),
            ]),
            "in_meeting": .object([
                "e2e_encryption": .bool(random.chance(10)), "chat": .bool(true), "private_chat": .bool(random.chance(70)),
                "file_transfer": .bool(random.chance(40)), "waiting_room": .bool(random.chance(65)), "breakout_room": .bool(random.chance(50)),
                "screen_sharing": .bool(true), "annotation": .bool(random.chance(80)), "closed_caption": .bool(random.chance(40)),
                "remote_control": .bool(random.chance(30)), "co_host": .bool(random.chance(60)),
            ]),
            "email_notification": .object([
                "jbh_reminder": .bool(true), "cancel_meeting_reminder": .bool(random.chance(70)),
                "alternative_host_reminder": .bool(random.chance(50)),
            ]),
            "recording": .object([
                "local_recording": .bool(random.chance(70)), "cloud_recording": .bool(licensed && random.chance(85)),
                "auto_recording": .text(licensed ? random.pick(autoRecording) : random.pick(["none", "local"])),
                "record_audio_file": .bool(random.chance(50)),
            ]),
            "telephony": .object(["third_party_audio": .bool(random.chance(15)), "show_international_numbers_link": .bool(random.chance(50))]),
            "feature": .object([
                "meeting_capacity": .integer(licensed ? 300 : 100), "large_meeting": .bool(licensed && random.chance(20)),
                "large_meeting_capacity": .integer(0), "webinar": .bool(licensed && random.chance(15)), "zoom_phone": .bool(hasPhone),
                "zoom_events": .bool(false),
            ]),
            "tsp": .object(["call_out": .bool(random.chance(40)), "show_international_numbers_link": .bool(random.chance(50))]),
            "whiteboard": .object(["enable_whiteboard": .bool(random.chance(75))]),
        ]
        if case .object(var feature)? = settings["feature"], feature["large_meeting"] == .bool(true) {
            feature["large_meeting_capacity"] = .integer(random.pick([500, 1000]))
            settings["feature"] = .object(feature)
        }
        for (section, change) in user.settingChanges { settings[section] = settings[section]?.merged(with: change) ?? change }
        return settings
    }

    /// The account's settings; paid accounts only, as at Zoom.
    static func account(_ account: SandboxAccount, seed: UInt64) -> Sections {
        var random = SandboxRandom(seed: seed, 31, UInt64(account.index))
        return [
            "schedule_meeting": .object([
                "host_video": .bool(random.chance(50)), "participant_video": .bool(random.chance(50)),
                "require_password_for_scheduling_new_meetings": .bool(true), "enforce_login": .bool(random.chance(30)),
            ]),
            "in_meeting": .object([
                "e2e_encryption": .bool(random.chance(30)), "chat": .bool(true), "file_transfer": .bool(random.chance(40)),
                "waiting_room": .bool(random.chance(70)), "breakout_room": .bool(true), "screen_sharing": .bool(true),
                "auto_saving_chat": .bool(random.chance(40)), "remote_control": .bool(random.chance(30)),
            ]),
            "email_notification": .object(["jbh_reminder": .bool(true), "cloud_recording_available_reminder": .bool(true)]),
            "zoom_rooms": .object(["upcoming_meeting_alert": .bool(true), "auto_start_stop_scheduled_meetings": .bool(random.chance(60))]),
            "security": .object([
                "admin_change_name_pic": .bool(random.chance(50)), "hide_billing_info": .bool(random.chance(30)),
                "password_requirement": .object([
                    "minimum_password_length": .integer(random.pick([8, 10, 12])), "have_special_character": .bool(random.chance(60)),
                    "consecutive_characters_length": .integer(0),
                ]),
            ]),
            "recording": .object([
                "local_recording": .bool(true), "cloud_recording": .bool(random.chance(80)),
                "auto_recording": .text(random.pick(autoRecording)), "auto_delete_cmr": .bool(random.chance(50)),
                "auto_delete_cmr_days": .integer(random.pick([30, 60, 90, 120])),
            ]),
            "telephony": .object(["third_party_audio": .bool(random.chance(15))]),
            "feature": .object(["meeting_capacity": .integer(account.plan == .business ? 300 : 100)]),
        ]
    }

    static func json(_ sections: Sections) -> [String: Any] { sections.mapValues(\.json) }

    /// Checks a PATCH of a user's settings against what the user has and may have, as Zoom does: each
    /// section and key must exist with a value of its kind; large meetings and webinars need a licence.
    /// - Returns: the changes to keep, or Zoom's error.
    static func check(_ body: [UInt8], for user: SandboxUser, current: Sections) -> Result<Sections, SandboxHTTPError> {
        guard let patch = try? JSONDecoder().decode(Sections.self, from: Data(body)) else {
            return .failure(SandboxHTTPError(code: 300, "Request Body should be a valid JSON object of settings."))
        }
        for (section, change) in patch.sorted(by: { $0.key < $1.key }) {
            guard let known = current[section], case .object = change, known.accepts(change) else {
                return .failure(SandboxHTTPError(code: 300, "Invalid field: \(section)."))
            }
        }
        if user.type != 2, case .object(let feature)? = patch["feature"] {
            if feature["large_meeting"] == .bool(true) {
                return .failure(SandboxHTTPError(code: 1108, "Only Licensed users can enable large meeting."))
            }
            if feature["webinar"] == .bool(true) { return .failure(SandboxHTTPError(code: 1122, "Only Licensed users can enable webinar.")) }
        }
        if case .object(let recording)? = patch["recording"], case .text(let mode)? = recording["auto_recording"], !autoRecording.contains(mode) {
            return .failure(SandboxHTTPError(code: 300, "Invalid field: recording.auto_recording."))
        }
        return .success(patch)
    }
}
