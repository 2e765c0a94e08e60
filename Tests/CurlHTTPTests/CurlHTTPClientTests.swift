import CurlHTTP
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import TestSupport
import Testing

@Suite("libcurl HTTP client over loopback")
struct CurlHTTPClientTests {
    static func routes(_ router: Router<PeerContext>) {
        router.get("/hello") { _, _ in
            Response(status: .ok, headers: [.init("X-Test")!: "yes"], body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        router.post("/echo") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let custom = request.headers[.init("X-Custom")!] ?? "none"
            return Response(status: .created, headers: [.init("X-Got")!: custom], body: .init(byteBuffer: body))
        }
        router.get("/peer") { _, context in "\(context.peerPort ?? -1)" }
        router.get("/big") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 65, count: 2 << 20)))
        }
        router.get("/big-chunked") { _, _ in
            Response(status: .ok, body: .init(contentsOf: (0..<64).map { _ in ByteBuffer(repeating: 66, count: 32 * 1024) }))
        }
        router.get("/drip") { _, _ in
            Response(
                status: .ok,
                body: .init { writer in
                    for _ in 0..<120 {  // a minute in all: far longer than any bound below, even under ThreadSanitizer
                        try await writer.write(ByteBuffer(string: "."))
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/redirect") { _, _ in Response.redirect(to: "/hello", type: .found) }
    }

    static let sharedClient = CurlHTTPClient()
    var client: CurlHTTPClient { Self.sharedClient }

    @Test("GET returns status, headers and body")
    func get() async throws {
        try await withLoopbackServer(Self.routes) { base in
            let response = try await client.execute(HTTPClientRequest(url: base + "/hello"))
            #expect(response.status == 200)
            #expect(response.header("x-test") == "yes")
            #expect(response.bodyText == "hello")
        }
    }

    @Test("POST sends the body and headers exactly")
    func post() async throws {
        try await withLoopbackServer(Self.routes) { base in
            let payload = Array("grant_type=authorization_code&code=abc%20def".utf8) + [0, 255]
            let response = try await client.execute(
                HTTPClientRequest(
                    method: "POST", url: base + "/echo",
                    headers: [HTTPHeader("X-Custom", "value 1"), HTTPHeader("Content-Type", "application/octet-stream")],
                    body: payload))
            #expect(response.status == 201)
            #expect(response.body == payload)
            #expect(response.header("X-Got") == "value 1")
        }
    }

    @Test("sequential requests reuse one keep-alive TCP connection")
    func connectionReuse() async throws {
        // A client of its own with one transfer thread: the shared one has several handles, and other
        // tests running at the same time decide which of them is free.
        var configuration = CurlHTTPClient.Configuration()
        configuration.threads = 1
        let single = CurlHTTPClient(configuration: configuration)
        try await withLoopbackServer(Self.routes) { base in
            var ports = Set<String>()
            for _ in 0..<5 { ports.insert(try await single.execute(HTTPClientRequest(url: base + "/peer")).bodyText) }
            #expect(ports.count == 1)
        }
        await single.shutdown()
    }

    @Test("the total timeout aborts a server that drips one byte at a time")
    func totalTimeout() async throws {
        try await withLoopbackServer(Self.routes) { base in
            let started = ContinuousClock.now
            let error = await #expect(throws: CurlHTTPError.self) {
                try await client.execute(HTTPClientRequest(url: base + "/drip", timeout: .milliseconds(800)))
            }
            #expect(error?.code == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test("bodies over the cap are refused, with or without Content-Length", arguments: ["/big", "/big-chunked"])
    func sizeCap(path: String) async throws {
        try await withLoopbackServer(Self.routes) { base in
            let error = await #expect(throws: CurlHTTPError.self) {
                try await client.execute(HTTPClientRequest(url: base + path, maximumResponseBytes: 1 << 20))
            }
            #expect(error?.code == .responseTooLarge)
            let allowed = try await client.execute(HTTPClientRequest(url: base + path, maximumResponseBytes: 4 << 20))
            #expect(allowed.body.count == 2 << 20)
        }
    }

    @Test("cancelling the task aborts the transfer promptly")
    func cancellation() async throws {
        try await withLoopbackServer(Self.routes) { base in
            let started = ContinuousClock.now
            let task = Task { try await client.execute(HTTPClientRequest(url: base + "/drip")) }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test("redirects are returned, not followed, unless the request asks")
    func redirects() async throws {
        try await withLoopbackServer(Self.routes) { base in
            let refused = try await client.execute(HTTPClientRequest(url: base + "/redirect"))
            #expect(refused.status == 302)
            #expect(refused.header("location") == "/hello")
            let followed = try await client.execute(HTTPClientRequest(url: base + "/redirect", followRedirects: true))
            #expect(followed.status == 200)
            #expect(followed.bodyText == "hello")
        }
    }

    @Test(
        "plain http to a non-loopback host, other schemes and malformed URLs are refused before any I/O",
        arguments: ["http://example.com/", "http://10.1.2.3/", "ftp://127.0.0.1/", "file:///etc/passwd", "not a url", "https://"])
    func refusedURLs(url: String) async {
        let error = await #expect(throws: CurlHTTPError.self) { try await client.execute(HTTPClientRequest(url: url)) }
        #expect(error?.code == .insecureURL || error?.code == .invalidURL)
    }

    @Test("a header containing a line break is refused instead of splitting the request")
    func headerInjection() async throws {
        try await withLoopbackServer(Self.routes) { base in
            await #expect(throws: CurlHTTPError.self) {
                try await client.execute(HTTPClientRequest(url: base + "/hello", headers: [HTTPHeader("X-A", "1\r\nX-Injected: 2")]))
            }
        }
    }

    @Test("a closed port fails with connectFailed")
    func connectionRefused() async {
        let error = await #expect(throws: CurlHTTPError.self) { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:1/")) }
        #expect(error?.code == .connectFailed)
    }

    @Test("loopback detection covers 127.0.0.0/8, localhost and ::1 only")
    func loopback() {
        for host in ["127.0.0.1", "127.9.8.7", "localhost", "LOCALHOST", "::1", "[::1]"] { #expect(CurlHTTPClient.isLoopback(host: host)) }
        for host in ["128.0.0.1", "127.0.0", "localhost.example.com", "10.0.0.1", "::2", "127.0.0.1.nip.io"] {
            #expect(!CurlHTTPClient.isLoopback(host: host))
        }
    }
}

@Suite("TLS verification")
struct CurlTLSTests {
    @Test("a server with a self-signed certificate is refused", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func selfSignedIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openssl = { (arguments: [String]) throws -> ChildProcess in
            try ChildProcess("/usr/bin/openssl", arguments, environment: ProcessInfo.processInfo.environment, directory: directory.path)
        }
        let keygen = try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        #expect(await keygen.exitStatus(within: .seconds(60)) == 0)
        // The server picks a free port and names it: a port chosen here could be another test's ephemeral one,
        // and then the client would be talking to that server instead.
        let announcement = directory.appendingPathComponent("s_server.out")
        let server = try ChildProcess(
            "/usr/bin/openssl", ["s_server", "-accept", "127.0.0.1:0", "-cert", "cert.pem", "-key", "key.pem", "-www"],
            environment: ProcessInfo.processInfo.environment, directory: directory.path, standardOutput: announcement.path)
        defer { server.terminate() }
        let port = try await Self.announcedPort(in: announcement, of: server)
        let client = CurlHTTPClient(
            configuration: {
                var c = CurlHTTPClient.Configuration(); c.threads = 1; return c
            }())
        defer { Task { await client.shutdown() } }
        let refusal = await #expect(throws: CurlHTTPError.self) {
            _ = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
        }
        #expect(refusal?.code == .tlsFailed)
        // Trusting the certificate explicitly makes the same server acceptable, proving the refusal was about trust.
        var trusting = CurlHTTPClient.Configuration()
        trusting.threads = 1
        trusting.caBundlePath = directory.appendingPathComponent("cert.pem").path
        let trustingClient = CurlHTTPClient(configuration: trusting)
        let response = try await trustingClient.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
        await trustingClient.shutdown()
        #expect(response.status == 200)
    }

    /// The port `openssl s_server` printed as `ACCEPT 127.0.0.1:<port>` once it listens.
    static func announcedPort(in file: URL, of server: ChildProcess) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, server.isRunning {
            let output = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT 127.0.0.1:") }),
                let port = Int(line.dropFirst("ACCEPT 127.0.0.1:".count))
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError("openssl s_server named no port (running: \(server.isRunning))")
    }
}
