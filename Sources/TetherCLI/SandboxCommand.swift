import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TetherSettings
import UnixSignals
import ZoomSandbox

/// `tether sandbox`: runs the Zoom emulator on its own, for local development and demos.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the Zoom sandbox (OAuth and REST emulator) on a loopback port.")

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

    @Option(help: "Users in the main (Pro) account.")
    var users = 50

    @Option(help: "Further Pro accounts, each with its own custom and server-to-server app (for load tests).")
    var fleetAccounts = 0

    @Option(help: "Users in each of the --fleet-accounts.")
    var fleetUsers = 100

    @Option(help: "Seed for the generated accounts, users and app credentials.")
    var seed: UInt64 = 1

    @Option(help: "Redirect URI to register on the OAuth apps (repeatable). Default: TETHER_PUBLIC_URL/oauth/callback/zoom.")
    var redirectURI: [String] = []

    @Option(help: "Approve every authorization at once as this user: owner, admin or member.")
    var autoApprove: String?

    @Option(help: "Access-token lifetime in seconds (Zoom: 3599).")
    var tokenLifetime = 3599

    @Flag(help: "Serve the control API under /_sandbox/ (data changes, faults, clock, webhooks, counters).")
    var controlAPI = false

    @Flag(help: "Do not enforce Zoom's rate limits (for benchmarks).")
    var noRateLimits = false

    @Option(help: "Past meetings a day in each account's dashboard (default: one per five users, at most 300).")
    var meetingsPerDay: Int?

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let logger = Runtime.makeLogger(settings)
        var configuration = SandboxConfiguration()
        configuration.users = users
        configuration.seed = seed
        configuration.redirectURIs = redirectURI.isEmpty ? [settings.publicURL + "/oauth/callback/zoom"] : redirectURI
        if let autoApprove {
            guard let role = SandboxRole(rawValue: autoApprove) else { throw ValidationError("--auto-approve must be owner, admin or member") }
            configuration.autoApprove = role
        }
        guard users > 0 else { throw ValidationError("--users must be positive") }
        guard (0...100_000).contains(fleetAccounts) else { throw ValidationError("--fleet-accounts must be 0 to 100000") }
        guard fleetUsers > 0 else { throw ValidationError("--fleet-users must be positive") }
        configuration.fleetAccounts = fleetAccounts
        configuration.fleetUsers = fleetUsers
        guard tokenLifetime > 0 else { throw ValidationError("--token-lifetime must be positive") }
        configuration.accessTokenLifetime = .seconds(tokenLifetime)
        configuration.controlAPI = controlAPI
        configuration.rateLimits = !noRateLimits
        if let meetingsPerDay {
            guard (1...999).contains(meetingsPerDay) else { throw ValidationError("--meetings-per-day must be 1 to 999") }
            configuration.meetingsPerDay = meetingsPerDay
        }
        let sandbox = try ZoomSandbox(configuration: configuration)
        // Written unbuffered, so a script reading our output sees the credentials before the server starts.
        let summary = sandbox.credentialsSummary + "\nRedirect URIs: \(configuration.redirectURIs.joined(separator: ", "))\n"
        FileHandle.standardOutput.write(Data(summary.utf8))
        let app = sandbox.buildApplication(
            host: host, port: port, logger: logger,
            onServerRunning: { port in logger.info("Zoom sandbox listening", metadata: ["address": "http://\(host):\(port)"]) })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
