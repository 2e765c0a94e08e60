/// One field of an action's input.
public struct ActionField: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case text(maxLength: Int)
        case email
        case integer(ClosedRange<Int>)
        case boolean
        case choice([String])
        /// A user, group or role of `table`: Tether's id of a synced record, or the provider's id (a user
        /// also by email). The engine turns Tether's ids into the provider's before planning.
        case reference(RecordTable)
        /// A secret (a password): sealed by the vault while the action waits, never stored or shown.
        case secret(maxLength: Int)
        /// An object of named sections, each an object of settings (a user's settings): only the sections
        /// named here, at least one, and at most ``ActionInput/maximumSectionsBytes`` of JSON.
        case sections([String])
        /// A list of short strings (a role's privileges), at most `maxItems`, none repeated.
        case textList(maxItems: Int, maxLength: Int)
        /// A provider's numeric id (a Zoom meeting id, an int64), given as a number or a string of digits.
        case numericID
        /// A provider's opaque id (an app id): letters, digits, `-` and `_`, so it is safe as a path segment.
        case identifier(maxLength: Int)
        /// A moment in UTC, `yyyy-MM-ddTHH:mm:ssZ`, as Zoom takes a meeting's start time.
        case timestamp
    }

    public let name: String
    public let kind: Kind
    public let isRequired: Bool
    /// What the field means, for the catalogue.
    public let summary: String

    public init(_ name: String, _ kind: Kind, required: Bool = false, _ summary: String) {
        self.name = name
        self.kind = kind
        self.isRequired = required
        self.summary = summary
    }

    /// The field every action that can touch an account's admins carries: without it, an admin is a
    /// protected target like the owner.
    public static let allowAdminTarget = ActionField(
        "allow_admin_target", .boolean, "Lets the action act on an admin of the account (never on its owner).")
}

/// An action a connector can carry out on a connected account (DESIGN §6.1).
public struct ActionDescription: Sendable, Hashable {
    /// The stable name (`user.deactivate`).
    public let name: String
    public let summary: String
    public let fields: [ActionField]
    /// Every requirement must be met by the connection's granted scopes.
    public let requirements: [ScopeRequirement]
    /// The provider's rate-limit category of the action's writes.
    public let category: String
    /// Whether sending the provider's request twice has the effect of sending it once.
    public let isIdempotent: Bool
    /// Whether the account's owner, and its admins unless the input allows them, are kept out of reach.
    public let protectsPrivilegedUsers: Bool
    /// At least one of these fields must be given (an update with nothing to change is refused).
    public let atLeastOneOf: [String]
    /// At most one of these fields may be given (Zoom refuses a licence type and a plan type changed at once).
    public let atMostOneOf: [String]

    public init(
        _ name: String, _ summary: String, fields: [ActionField], requirements: [ScopeRequirement], category: String, idempotent: Bool,
        protectsPrivilegedUsers: Bool, atLeastOneOf: [String] = [], atMostOneOf: [String] = []
    ) {
        self.name = name
        self.summary = summary
        self.fields = fields + (protectsPrivilegedUsers ? [ActionField.allowAdminTarget] : [])
        self.requirements = requirements
        self.category = category
        self.isIdempotent = idempotent
        self.protectsPrivilegedUsers = protectsPrivilegedUsers
        self.atLeastOneOf = atLeastOneOf
        self.atMostOneOf = atMostOneOf
    }

    /// The fields whose values are secrets.
    public var secretFields: [String] {
        fields.compactMap { field in if case .secret = field.kind { field.name } else { nil } }
    }

    /// The scopes the connection lacks for this action: for each unmet requirement, its preferred scope.
    public func missingScopes(granted: Set<String>) -> [String] {
        requirements.filter { !$0.isMet(by: granted) }.map { $0.anyOf[0] }
    }

    /// The input as a JSON Schema (draft 2020-12), for the catalogue.
    public var inputSchema: JSONValue {
        var properties: JSONObject = [:]
        for field in fields {
            var schema: JSONObject = ["description": .string(field.summary)]
            switch field.kind {
            case .text(let maxLength):
                schema["type"] = .string("string")
                schema["maxLength"] = .integer(maxLength)
            case .email:
                schema["type"] = .string("string")
                schema["format"] = .string("email")
                schema["maxLength"] = .integer(ActionInput.maximumEmailLength)
            case .integer(let range):
                schema["type"] = .string("integer")
                schema["minimum"] = .integer(range.lowerBound)
                schema["maximum"] = .integer(range.upperBound)
            case .boolean:
                schema["type"] = .string("boolean")
            case .choice(let values):
                schema["enum"] = .array(values.map(JSONValue.string))
            case .reference:
                schema["type"] = .string("string")
                schema["maxLength"] = .integer(ActionInput.maximumEmailLength)
            case .secret(let maxLength):
                schema["type"] = .string("string")
                schema["maxLength"] = .integer(maxLength)
                schema["writeOnly"] = .bool(true)
            case .sections(let names):
                schema["type"] = .string("object")
                schema["minProperties"] = .integer(1)
                schema["propertyNames"] = .object(["enum": .array(names.map(JSONValue.string))])
                schema["additionalProperties"] = .object(["type": .string("object"), "minProperties": .integer(1)])
            case .textList(let maxItems, let maxLength):
                schema["type"] = .string("array")
                schema["maxItems"] = .integer(maxItems)
                schema["uniqueItems"] = .bool(true)
                schema["items"] = .object(["type": .string("string"), "minLength": .integer(1), "maxLength": .integer(maxLength)])
            case .numericID:
                schema["type"] = .array([.string("integer"), .string("string")])
                schema["pattern"] = .string("^[0-9]{1,19}$")
                schema["minimum"] = .integer(1)
            case .identifier(let maxLength):
                schema["type"] = .string("string")
                schema["pattern"] = .string("^[A-Za-z0-9_-]{1,\(maxLength)}$")
            case .timestamp:
                schema["type"] = .string("string")
                schema["format"] = .string("date-time")
                schema["pattern"] = .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
            }
            properties[field.name] = .object(schema)
        }
        var schema: JSONObject = [
            "type": .string("object"), "properties": .object(properties), "additionalProperties": .bool(false),
            "required": .array(fields.filter(\.isRequired).map { .string($0.name) }),
        ]
        if !atLeastOneOf.isEmpty { schema["minProperties"] = .integer(fields.filter(\.isRequired).count + 1) }
        if atMostOneOf.count > 1 {
            let pairs = atMostOneOf.indices.flatMap { first in
                atMostOneOf[(first + 1)...].map { JSONValue.object(["required": .array([.string(atMostOneOf[first]), .string($0)])]) }
            }
            schema["not"] = .object(["anyOf": .array(pairs)])
        }
        return .object(schema)
    }

    /// Checks `input` against the fields: an object with known fields only, each of its kind, the required
    /// ones present. The error names the first field that is wrong and never repeats the value given.
    public func validate(_ input: JSONValue) throws(ActionInputError) -> ActionInput {
        guard let members = input.object else { throw ActionInputError(field: nil, "input must be a JSON object") }
        for name in members.keys.sorted() where !fields.contains(where: { $0.name == name }) {
            throw ActionInputError(field: name, "\(name.prefix(64).debugDescription) is not a field of \(self.name)")
        }
        for field in fields {
            guard let value = members[field.name], value != .null else {
                if field.isRequired { throw ActionInputError(field: field.name, "\(field.name) is required") }
                continue
            }
            try Self.check(value, against: field)
        }
        if !atLeastOneOf.isEmpty, !atLeastOneOf.contains(where: { members[$0] != nil && members[$0] != .null }) {
            throw ActionInputError(field: nil, "give at least one of: \(atLeastOneOf.joined(separator: ", "))")
        }
        let given = atMostOneOf.filter { members[$0] != nil && members[$0] != .null }
        if given.count > 1 {
            throw ActionInputError(
                field: given[1], "give only one of: \(atMostOneOf.joined(separator: ", ")) (\(given.joined(separator: " and ")) were given)")
        }
        return ActionInput(values: members.filter { $0.value != .null })
    }

    private static func check(_ value: JSONValue, against field: ActionField) throws(ActionInputError) {
        let name = field.name
        switch field.kind {
        case .text(let maxLength), .secret(let maxLength):
            guard case .string(let text) = value else { throw ActionInputError(field: name, "\(name) must be a string") }
            guard !text.isEmpty, text.count <= maxLength, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw ActionInputError(field: name, "\(name) must be 1 to \(maxLength) characters, without control characters") }
        case .email:
            guard case .string(let text) = value, ActionInput.isEmail(text) else {
                throw ActionInputError(field: name, "\(name) must be an email address")
            }
        case .integer(let range):
            guard case .integer(let number) = value, range.contains(number) else {
                throw ActionInputError(field: name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
        case .boolean:
            guard case .bool = value else { throw ActionInputError(field: name, "\(name) must be true or false") }
        case .choice(let values):
            guard case .string(let text) = value, values.contains(text) else {
                throw ActionInputError(field: name, "\(name) must be one of: \(values.joined(separator: ", "))")
            }
        case .reference:
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= ActionInput.maximumEmailLength,
                !text.unicodeScalars.contains(where: {
                    $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "/" || $0 == "?" || $0 == "#" || $0 == "%"
                })
            else { throw ActionInputError(field: name, "\(name) must be an id or an email address") }
        case .sections(let names):
            guard case .object(let sections) = value, !sections.isEmpty else {
                throw ActionInputError(field: name, "\(name) must be an object of sections, at least one")
            }
            for (section, settings) in sections.sorted(by: { $0.key < $1.key }) {
                guard names.contains(section) else {
                    throw ActionInputError(
                        field: name,
                        "\(name) has no section \(section.prefix(64).debugDescription); its sections are \(names.joined(separator: ", "))")
                }
                guard case .object(let members) = settings, !members.isEmpty else {
                    throw ActionInputError(field: name, "\(name).\(section) must be an object of settings, at least one")
                }
            }
            guard value.canonicalText.utf8.count <= ActionInput.maximumSectionsBytes else {
                throw ActionInputError(field: name, "\(name) must be at most \(ActionInput.maximumSectionsBytes) bytes of JSON")
            }
        case .textList(let maxItems, let maxLength):
            guard case .array(let items) = value, items.count <= maxItems,
                items.allSatisfy({ item in
                    item.string.map {
                        !$0.isEmpty && $0.count <= maxLength && !$0.unicodeScalars.contains { $0.properties.generalCategory == .control }
                    }
                        ?? false
                }),
                Set(items.compactMap(\.string)).count == items.count
            else {
                throw ActionInputError(
                    field: name, "\(name) must be a list of at most \(maxItems) different strings of 1 to \(maxLength) characters")
            }
        case .numericID:
            guard ActionInput.digits(of: value) != nil else { throw ActionInputError(field: name, "\(name) must be a numeric id") }
        case .identifier(let maxLength):
            guard case .string(let text) = value, (1...maxLength).contains(text.utf8.count),
                text.unicodeScalars.allSatisfy({ ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
            else { throw ActionInputError(field: name, "\(name) must be an id of letters, digits, - and _") }
        case .timestamp:
            guard case .string(let text) = value, ActionInput.isTimestamp(text) else {
                throw ActionInputError(field: name, "\(name) must be a UTC time as yyyy-MM-ddTHH:mm:ssZ")
            }
        }
    }
}

/// An input that failed its action's checks: nothing is stored.
public struct ActionInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field at fault, when one is.
    public let field: String?
    public let message: String

    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// A validated input.
public struct ActionInput: Sendable, Hashable {
    /// Every field given.
    public var values: JSONObject

    public init(values: JSONObject) { self.values = values }

    /// What stands in for a secret wherever the input is stored or shown.
    public static let sealedMarker = "<sealed>"

    /// The input with each of `secretFields` given replaced by ``sealedMarker``, and those values apart.
    public func separating(_ secretFields: [String]) -> (shown: ActionInput, secrets: [String: String]) {
        var shown = self
        var secrets: [String: String] = [:]
        for name in secretFields {
            guard let value = values[name]?.string else { continue }
            secrets[name] = value
            shown.values[name] = .string(Self.sealedMarker)
        }
        return (shown, secrets)
    }

    static let maximumEmailLength = 254
    /// Settings are a few dozen flags: 16 KB is ample, and bounds what a ledger row holds.
    public static let maximumSectionsBytes = 16_384

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return text.count <= maximumEmailLength && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !text.unicodeScalars.contains { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
    }

    /// A numeric id given as a number or a string of 1 to 19 digits, as its digits.
    public static func digits(of value: JSONValue) -> String? {
        switch value {
        case .integer(let number) where number > 0: return String(number)
        case .string(let text) where (1...19).contains(text.utf8.count) && text.utf8.allSatisfy({ (48...57).contains($0) }) && (Int64(text) ?? 0) > 0:
            return text
        default: return nil
        }
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` naming a real moment (no 30 February, no hour 24).
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else { return false }
        func number(_ range: Range<Int>) -> Int? {
            bytes[range].allSatisfy { (48...57).contains($0) } ? bytes[range].reduce(0) { $0 * 10 + Int($1 - 48) } : nil
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    public func text(_ name: String) -> String? { values[name]?.string }
    /// A ``ActionField/Kind/numericID`` field's digits.
    public func numericID(_ name: String) -> String? { values[name].flatMap { Self.digits(of: $0) } }
    public func texts(_ name: String) -> [String]? { values[name]?.array?.compactMap(\.string) }
    public func integer(_ name: String) -> Int? { values[name]?.integer }
    public func flag(_ name: String) -> Bool { values[name] == .bool(true) }
}

/// Who or what an action acts on, as the provider knows them.
public struct ActionTarget: Sendable, Hashable, Codable {
    public enum Privilege: String, Sendable, Hashable, Codable {
        case owner, admin, member
    }

    /// `user`, `group` or `role`.
    public let kind: String
    public let remoteID: String
    /// An email or a name, for people reading the ledger.
    public let label: String
    /// For a user: the account role it holds.
    public let privilege: Privilege?

    public init(kind: String, remoteID: String, label: String, privilege: Privilege? = nil) {
        self.kind = kind
        self.remoteID = remoteID
        self.label = label
        self.privilege = privilege
    }
}

/// What an action will send, worked out before anything is sent: the engine stores it (a dry run shows it)
/// and sends its requests in order.
public struct ActionPlan: Sendable, Hashable {
    public let targets: [ActionTarget]
    public let requests: [APIRequest]

    public init(targets: [ActionTarget], requests: [APIRequest]) {
        self.targets = targets
        self.requests = requests
    }
}

/// A refusal worked out while planning: the action ends with `code` and nothing is sent.
public struct ActionRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The owner, or an admin without `allow_admin_target`.
        case protectedTarget = "protected_target"
        /// The target does not exist at the provider.
        case notFound = "not_found"
        /// The input is well formed but cannot apply (a group the user is not in).
        case invalidInput = "invalid_input"
        case notAvailable = "not_available"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Synced records an action removed, marked deleted at once: those of `table` whose `column` is `value`
/// (a record by its `remote_id`, or every membership of a removed user or group).
public struct RecordDeletion: Sendable, Hashable {
    public let table: RecordTable
    public let column: String
    public let value: String

    public init(_ table: RecordTable, where column: String = "remote_id", is value: String) {
        self.table = table
        self.column = column
        self.value = value
    }
}

/// What a finished action leaves behind: its result for the ledger, and the synced records it changed,
/// re-read from the provider so they are stored exactly as a sync would store them.
public struct ActionOutcome: Sendable {
    public var result: JSONValue
    public var upserts: [(table: RecordTable, record: SyncedRecord)]
    public var deletions: [RecordDeletion]

    public init(result: JSONValue, upserts: [(table: RecordTable, record: SyncedRecord)] = [], deletions: [RecordDeletion] = []) {
        self.result = result
        self.upserts = upserts
        self.deletions = deletions
    }
}
