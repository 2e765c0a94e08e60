import Foundation
import Store
import TestSupport
import Testing

/// The binary carries its migrations (DESIGN §6.3): they must be exactly the repository's files.
@Suite("Migrations built into the binary")
struct EmbeddedMigrationsTests {
    @Test("the embedded migrations are exactly migrations/*.sql, byte for byte (run scripts/dev/embed-migrations.py after adding one)")
    func embeddedMatchFiles() throws {
        let files = try Migration.load(from: TestDatabase.migrationsDirectory)
        #expect(Migration.embedded.map(\.fileName) == files.map(\.fileName))
        for (embedded, file) in zip(Migration.embedded, files) {
            #expect(embedded.checksum == file.checksum, "\(file.fileName) changed since it was embedded")
        }
    }
}
