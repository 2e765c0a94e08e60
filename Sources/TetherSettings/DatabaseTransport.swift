import Foundation
import Transport

/// Whether the runtime database is reached safely: a database on another host must be reached with TLS
/// that verifies the server's certificate and name (`sslmode=verify-full`), or a machine in between can
/// read every token Tether seals and unseals (issue 18, finding 11; DESIGN §6.4).
public enum DatabaseTransport {
    /// A warning for the operator, or `nil` when the connection is local or verified.
    /// - Parameters:
    ///   - connection: `DATABASE_URL` as given: a `postgres[ql]://` URI, a `key=value` string, or empty.
    ///   - environment: libpq's `PGHOST` and `PGSSLMODE` apply where the string names neither.
    public static func warning(for connection: String, environment: [String: String] = [:]) -> String? {
        let (host, sslMode) = parse(connection)
        let effectiveHost = host ?? environment["PGHOST"] ?? ""
        let effectiveMode = sslMode ?? environment["PGSSLMODE"] ?? "prefer"
        let hosts = effectiveHost.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let remote = hosts.filter { !$0.isEmpty && !$0.hasPrefix("/") && !OutboundURLPolicy.isLoopback(host: $0) }
        guard !remote.isEmpty, effectiveMode != "verify-full" else { return nil }
        return "DATABASE_URL reaches \(remote.joined(separator: ", ")) with sslmode=\(effectiveMode): use sslmode=verify-full, "
            + "or the database's traffic (sealed tokens, tenant data) can be read or altered on the way"
    }

    /// The host and sslmode a libpq connection string names, if any.
    static func parse(_ connection: String) -> (host: String?, sslMode: String?) {
        let trimmed = connection.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            let components = URLComponents(string: trimmed)
            let query = components?.queryItems ?? []
            let host = query.first { $0.name == "host" }?.value ?? components?.host.flatMap { $0.isEmpty ? nil : $0 }
            return (host?.removingPercentEncoding ?? host, query.first { $0.name == "sslmode" }?.value)
        }
        var host: String?
        var sslMode: String?
        for pair in trimmed.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            if parts[0] == "host" || parts[0] == "hostaddr" { host = host ?? value }
            if parts[0] == "sslmode" { sslMode = value }
        }
        return (host, sslMode)
    }
}
