import NIOConcurrencyHelpers
import NIOPosix

extension NIOThreadPool {
    /// `runIfActive`, with the result handed back through a lock as well as the continuation. The values a
    /// pool thread builds (a response and its body) are read by the awaiting task on another thread;
    /// the continuation orders that, but ThreadSanitizer cannot see it (swiftlang/swift#57803) and reports
    /// such reads as races (it did for the Postgres pool). A lock is an order it sees, and costs nothing uncontended.
    func runHandingOff<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        let handoff = NIOLockedValueBox<Result<Value, any Error>?>(nil)
        try await runIfActive { handoff.withLockedValue { $0 = Result(catching: body) } }
        return try handoff.withLockedValue { $0! }.get()
    }
}
