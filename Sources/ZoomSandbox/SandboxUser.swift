public import Foundation

/// One generated user: a pure function of (seed, account, index), so any page of a million users is
/// produced without storing the others.
public struct SandboxUser: Sendable, Hashable {
    public let accountIndex: Int
    public let index: Int
    public let id: String
    public var email: String
    public var firstName: String
    public var lastName: String
    /// Zoom's `type`: 1 basic, 2 licensed, 99 none.
    public var type: Int
    public let role: SandboxRole
    /// Zoom's role id: "0", "1", "2", or the account's custom role.
    public var roleID: String
    /// Ids of the groups the user belongs to (none for some users).
    public var groupIDs: [String]
    /// `active`, `inactive` or `pending`.
    public var status: String
    public var department: String?
    public var jobTitle: String?
    /// Profile fields Zoom leaves empty until an admin sets them (`PATCH /users/{id}`).
    public var company: String?
    public var location: String?
    public var manager: String?
    /// The name Zoom shows; by default the first and last names.
    public var displayName: String?
    /// Zoom United and Zoom One plan types, when one was assigned.
    public var planUnitedType: String?
    public var zoomOneType: Int?
    public let timezone: String
    public let createdAt: Date
    public var lastLoginAt: Date?
    public let pmi: Int
    /// Whether `DELETE /users/{id}/picture` removed the user's profile picture.
    public var pictureDeleted = false
    /// The presence status set through the control API, in place of the generated one.
    public var presence: String? = nil
    /// What `PATCH /users/{id}/settings` changed, by section, on top of the generated settings.
    public var settingChanges: [String: SandboxSettingValue] = [:]

    /// Licensed active users have Zoom Phone in this sandbox.
    var hasPhone: Bool { type == 2 && status == "active" }

    private static let firstNames = [
        "Ana", "Zoë", "José", "Łukasz", "Siobhán", "Ngọc", "Aarav", "Olu", "Mei", "Björn", "Fatima", "Renée", "Kenji",
        "Chloé", "Dmitri", "Aisha", "Mateo", "Saoirse", "Ravi", "Ingrid", "李", "Nomvula", "Émile", "Yara",
    ]
    private static let lastNames = [
        "Silva", "Müller", "García", "Kowalski", "O'Brien", "Nguyễn", "Patel", "Adeyemi", "Chen", "Lindqvist",
        "Haddad", "Dubois", "Tanaka", "Ivanov", "Khan", "López", "Murphy", "Sharma", "Johansson", "王", "Dlamini",
    ]
    /// The names as they appear in email addresses: accents folded, other letters dropped.
    private static let asciiFirstNames = firstNames.map(asciiFold)
    private static let asciiLastNames = lastNames.map(asciiFold)

    private static func asciiFold(_ name: String) -> String {
        name.folding(options: [.diacriticInsensitive], locale: nil).filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    private static let departments = ["Engineering", "Sales", "Marketing", "Finance", "Support", "People", "Legal"]
    private static let titles = ["Engineer", "Account Executive", "Manager", "Analyst", "Designer", "Director"]
    private static let timezones = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles", "Australia/Sydney", "UTC"]
    /// The moment generated histories end: fixed, so data does not drift between runs.
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    init(seed: UInt64, account: SandboxAccount, index: Int) {
        var random = SandboxRandom(seed: seed, 10, UInt64(account.index), UInt64(index))
        accountIndex = account.index
        self.index = index
        id = random.identifier(length: 14) + "u" + Self.base36(index, width: 7)
        firstName = random.pick(Self.firstNames)
        lastName = random.pick(Self.lastNames)
        let local = [
            Self.asciiFirstNames[Self.firstNames.firstIndex(of: firstName)!],
            Self.asciiLastNames[Self.lastNames.firstIndex(of: lastName)!] + String(index),
        ]
        .filter { !$0.isEmpty }.joined(separator: ".")
        let domain = "sandbox-\(account.index).example.com"
        // Zoom keeps emails as entered: some users typed capitals.
        email = (random.chance(15) ? local : local.lowercased()) + "@" + domain
        role = index == 0 ? .owner : (index <= 2 ? .admin : .member)
        roleID = role == .member && index % 11 == 5 ? SandboxDirectory.customRole(seed: seed, account: account).id : role.zoomRoleID
        groupIDs =
            SandboxDirectory.groupIndex(ofUser: index, account: account).map {
                [SandboxDirectory.group(seed: seed, account: account, index: $0).id]
            } ?? []
        let licence = random.below(100)
        type = role != .member ? 2 : (licence < 55 ? 1 : (licence < 95 ? 2 : 99))
        let statusRoll = random.below(100)
        status = role != .member ? "active" : (statusRoll < 8 ? "pending" : (statusRoll < 16 ? "inactive" : "active"))
        department = random.chance(80) ? random.pick(Self.departments) : nil
        jobTitle = random.chance(60) ? random.pick(Self.titles) : nil
        timezone = random.pick(Self.timezones)
        createdAt = Self.epoch.addingTimeInterval(-Double(random.below(3 * 365 * 86_400) + 86_400))
        lastLoginAt =
            status == "pending" || random.chance(5)
            ? nil : Self.epoch.addingTimeInterval(-Double(random.below(120 * 86_400)))
        pmi = 1_000_000_000 + random.below(8_999_999_999)
    }

    /// The index encoded in a user id, if `id` has the shape this sandbox generates.
    static func index(fromID id: String) -> Int? {
        guard id.count == 22, id[id.index(id.startIndex, offsetBy: 14)] == "u" else { return nil }
        return Int(id.suffix(7), radix: 36)
    }

    private static func base36(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 36)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
