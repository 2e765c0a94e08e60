public import Foundation
import Vault

/// One SQL file in `migrations/`, named `NNNN_description.sql`.
public struct Migration: Sendable, Hashable {
    /// The number in the file name; migrations apply in this order.
    public let version: Int
    /// The description part of the file name.
    public let name: String
    /// The file's SQL.
    public let sql: String
    /// SHA-256 of the file's bytes as hex, recorded when applied so later edits are detected.
    public let checksum: String

    /// Creates a migration from its parts.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256Digest.hexHash(sql)
    }

    /// Reads every `NNNN_description.sql` file in `directory`, sorted by version.
    /// - Throws: ``MigrationError`` when the folder is missing, a `.sql` file is misnamed, or two files
    ///   share a version.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.directoryUnreadable, "cannot read the migrations folder \(directory.path)")
        }
        var migrations: [Migration] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName: fileName) else {
                throw MigrationError(.badFileName, "\(fileName) is not named NNNN_description.sql (lowercase letters, digits, _)")
            }
            let url = directory.appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: url.path), let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(.directoryUnreadable, "cannot read \(fileName) as UTF-8")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(.duplicateVersion, "\(fileName) and \(clash.fileName) share version \(version)")
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// The file name this migration came from.
    public var fileName: String { String(format: "%04d_%@.sql", version, name) }

    static func parse(fileName: String) -> (Int, String)? {
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count == 4, digits.allSatisfy(\.isNumber), let version = Int(digits), version > 0,
            !name.isEmpty, name.allSatisfy({ ($0.isLowercase && $0.isASCII) || ($0.isNumber && $0.isASCII) || $0 == "_" })
        else { return nil }
        return (version, String(name))
    }
}

/// Why migrations could not be loaded or applied. Messages name files and versions, never data.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case directoryUnreadable = "directory_unreadable"
            case badFileName = "bad_file_name"
            case duplicateVersion = "duplicate_version"
            case checksumMismatch = "checksum_mismatch"
            case missingFile = "missing_file"
            case failed = "migration_failed"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let directoryUnreadable = Code(.directoryUnreadable)
        public static let badFileName = Code(.badFileName)
        public static let duplicateVersion = Code(.duplicateVersion)
        /// An applied file was edited afterwards.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// An applied file is no longer in the folder.
        public static let missingFile = Code(.missingFile)
        /// A file's SQL failed; its transaction was rolled back.
        public static let failed = Code(.failed)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
