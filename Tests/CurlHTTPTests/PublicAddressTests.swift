import CurlHTTP
import Foundation
import TestSupport
import Testing

/// The address rules behind webhook SSRF protection (DESIGN §6.4): which addresses are the public internet,
/// and a client that connects to nothing else whatever name or spelling it is given.
@Suite("Public addresses only")
struct PublicAddressTests {
    @Test(
        "non-public address classes are recognised, IPv4 carried in IPv6 included",
        arguments: [
            ("127.0.0.1", AddressScope.loopback), ("::1", .loopback), ("10.1.2.3", .private), ("172.31.255.255", .private),
            ("192.168.0.1", .private), ("169.254.169.254", .linkLocal), ("100.64.0.1", .sharedAddressSpace),
            ("100.127.255.254", .sharedAddressSpace), ("fd12::1", .uniqueLocal), ("fe80::1", .linkLocal), ("0.0.0.0", .unspecified),
            ("::", .unspecified), ("224.0.0.251", .multicast), ("ff02::1", .multicast), ("255.255.255.255", .reserved),
            ("::ffff:10.0.0.1", .private), ("::ffff:127.0.0.1", .loopback), ("64:ff9b::7f00:1", .loopback), ("2002:c0a8:101::", .private),
            ("2001:db8::1", .reserved), ("198.51.100.7", .reserved),
        ])
    func nonPublic(literal: String, scope: AddressScope) throws {
        let address = try #require(NetworkAddress(literal))
        #expect(address.scope == scope)
        #expect(!address.scope.isPublic)
    }

    @Test(
        "public addresses next to the private ranges are public",
        arguments: ["1.2.3.4", "172.32.0.1", "100.128.0.1", "11.0.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])
    func publicAddresses(literal: String) throws {
        #expect(try #require(NetworkAddress(literal)).scope == .global)
    }

    @Test("literals parse and print in their usual form; names are not literals")
    func literals() {
        #expect(NetworkAddress("[::1]")?.description == "::1")
        #expect(NetworkAddress("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(NetworkAddress("example.com") == nil)
        #expect(NetworkAddress("300.1.1.1") == nil)
    }

    @Test("the resolver reads names and the numeric spellings an attacker uses for loopback")
    func resolver() throws {
        #expect(try HostResolver.addresses(of: "localhost").allSatisfy { $0.scope == .loopback })
        #expect(try HostResolver.addresses(of: "2130706433") == [NetworkAddress("127.0.0.1")!])
        #expect(throws: HTTPTransportError.self) { try HostResolver.addresses(of: "no-such-host.invalid") }
    }

    @Test("a client limited to public addresses opens no connection to loopback, by address or by name, and says why")
    func clientRefusesLoopback() async throws {
        var configuration = CurlHTTPClient.Configuration()
        configuration.publicAddressesOnly = true
        let guarded = CurlHTTPClient(configuration: configuration)
        defer { Task { await guarded.shutdown() } }
        try await withLoopbackServer(CurlHTTPClientTests.routes) { base in
            let port = try #require(URLComponents(string: base)?.port)
            // The same server answers the unguarded client, so a refusal below is the guard's doing.
            #expect(try await CurlHTTPClientTests.sharedClient.execute(HTTPClientRequest(url: base + "/hello")).status == 200)
            for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"] {
                do {
                    // https: the refusal comes before any TLS, so without the guard this would be a TLS failure.
                    _ = try await guarded.execute(HTTPClientRequest(url: "https://\(host):\(port)/hello"))
                    Issue.record("\(host) was reached")
                } catch let error as CurlHTTPError {
                    #expect(error.code == .refusedAddress, "\(host): \(error)")
                    Figures.count("ssrf.guarded_connects_refused")
                    #expect(!error.reason.contains("127.0.0.1"))
                }
            }
        }
    }
}
