import Foundation
import Logging
import Postgres
import Sensitive

// tether-bench: the measured side of scripts/bench. It loads the same deterministic rows that
// `generate` writes for `psql \copy`, so every figure compares like with like.
//
//   tether-bench generate FILE ROWS      write ROWS rows in COPY text format
//   tether-bench copy ROWS               load ROWS rows through PGConnection.copyFrom
//   tether-bench insert ROWS [BATCH]     load ROWS rows through multi-row parameterized INSERTs
//
// `copy` and `insert` read DATABASE_URL and print the elapsed seconds of the load alone.

/// The 1,000 tenants the rows are spread over.
let tenantIDs = (0..<1000).map { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", $0))! }

/// Row `index` of the benchmark data set.
struct BenchRow {
    let id: Int
    let tenantID: UUID
    let email: String
    let name: String
    let createdAt: Date
    let payload: PGJSON

    init(_ index: Int) {
        id = index
        tenantID = tenantIDs[index % tenantIDs.count]
        email = "user\(index)@example.com"
        name = "User \(index)"
        createdAt = Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
        payload = PGJSON(text: "{\"index\": \(index)}")
    }
}

let columns = "(id, tenant_id, email, name, created_at, payload)"

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: tether-bench generate FILE ROWS | copy ROWS | insert ROWS [BATCH]\n".utf8))
    exit(2)
}

func makePool() -> PGPool {
    var logger = Logger(label: "tether.bench")
    logger.logLevel = .warning
    let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    return PGPool(configuration: .init(connectionString: Secret(url)), logger: logger)
}

func measure(_ body: () async throws -> Void) async throws {
    let started = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - started
    print(String(format: "%.3f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
}

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else { usage() }
switch command {
case "generate":
    guard arguments.count == 3, let rows = Int(arguments[arguments.startIndex + 2]) else { usage() }
    let path = arguments[arguments.startIndex + 1]
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    var chunk = ""
    for index in 0..<rows {
        let row = BenchRow(index)
        guard case .text(let created)? = row.createdAt.pgBind.value else { fatalError("timestamps encode as text") }
        chunk += "\(row.id)\t\(row.tenantID.uuidString.lowercased())\t\(row.email)\t\(row.name)\t\(created)\t\(row.payload.text)\n"
        if chunk.utf8.count > 1 << 20 {
            file.write(Data(chunk.utf8))
            chunk = ""
        }
    }
    file.write(Data(chunk.utf8))
    try file.close()
case "copy":
    guard arguments.count == 2, let rows = Int(arguments[arguments.startIndex + 1]) else { usage() }
    let pool = makePool()
    try await measure {
        try await pool.withConnection { connection -> Int in
            try connection.copyFrom("COPY bench_rows \(unescaped: columns) FROM STDIN") { writer in
                for index in 0..<rows {
                    let row = BenchRow(index)
                    try writer.appendRow(row.id, row.tenantID, row.email, row.name, row.createdAt, row.payload)
                }
            }
        }
    }
    await pool.close()
case "insert":
    guard arguments.count >= 2, let rows = Int(arguments[arguments.startIndex + 1]) else { usage() }
    let batch = arguments.count > 2 ? Int(arguments[arguments.startIndex + 2]) ?? 1000 : 1000
    let pool = makePool()
    try await measure {
        try await pool.withTransaction { connection in
            var start = 0
            while start < rows {
                var query = PGQuery(unsafeSQL: "INSERT INTO bench_rows \(columns) VALUES ")
                for index in start..<min(start + batch, rows) {
                    let row = BenchRow(index)
                    let values: [any PGEncodable] = [row.id, row.tenantID, row.email, row.name, row.createdAt, row.payload]
                    query.appendSQL(index == start ? "(" : ",(")
                    for (position, value) in values.enumerated() {
                        if position > 0 { query.appendSQL(",") }
                        query.appendBind(value)
                    }
                    query.appendSQL(")")
                }
                try connection.execute(query)
                start += batch
            }
        }
    }
    await pool.close()
default:
    usage()
}
