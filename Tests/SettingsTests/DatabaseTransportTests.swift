import Testing
import TetherSettings

/// A start-up warning when the database is reached over the network without verified TLS.
@Suite("Database transport warning")
struct DatabaseTransportTests {
    @Test("a remote host without sslmode=verify-full is warned about, naming the host and never the password")
    func remoteWithoutVerifiedTLS() throws {
        for url in [
            "postgresql://app:s3cret@db.example.com:5432/tether", "postgresql://app@db.example.com/tether?sslmode=require",
            "host=10.0.0.5 user=app password=s3cret sslmode=verify-ca", "postgres:///tether?host=db.internal",
        ] {
            let warning = try #require(DatabaseTransport.warning(for: url), "\(url)")
            #expect(warning.contains("sslmode=verify-full"))
            #expect(!warning.contains("s3cret"))
        }
        #expect(DatabaseTransport.warning(for: "", environment: ["PGHOST": "db.example.com"])?.contains("db.example.com") == true)
    }

    @Test("loopback, Unix sockets and verified TLS pass quietly")
    func localOrVerified() {
        for url in [
            "postgresql://app@127.0.0.1:55432/tether", "postgresql://app@localhost/tether", "postgresql://app@[::1]:5432/tether",
            "host=/var/run/postgresql dbname=tether", "", "postgresql://app@db.example.com/tether?sslmode=verify-full",
            "host=db.example.com sslmode=verify-full",
        ] {
            #expect(DatabaseTransport.warning(for: url) == nil, "\(url)")
        }
        #expect(DatabaseTransport.warning(for: "", environment: ["PGHOST": "db.example.com", "PGSSLMODE": "verify-full"]) == nil)
    }
}
