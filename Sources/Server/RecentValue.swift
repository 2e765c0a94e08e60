import NIOConcurrencyHelpers

/// A value computed at most once per `lifetime`, shared by every caller meanwhile (also by callers that
/// arrive while it is being computed). The probes that ask the database on each call, `/readyz` and the
/// queue gauges of `/metrics`, are unauthenticated and unlimited: through this, a flood of them costs the
/// database one query per lifetime.
final class RecentValue<Value: Sendable>: Sendable {
    let lifetime: Duration
    private let current = NIOLockedValueBox<(task: Task<Value, Never>, started: ContinuousClock.Instant)?>(nil)

    init(lifetime: Duration) { self.lifetime = lifetime }

    /// The value computed within the last `lifetime`, or a new one from `compute`.
    func get(now: ContinuousClock.Instant = .now, _ compute: @escaping @Sendable () async -> Value) async -> Value {
        let task = current.withLockedValue { current -> Task<Value, Never> in
            if let current, now - current.started < lifetime { return current.task }
            let task = Task { await compute() }
            current = (task, now)
            return task
        }
        return await task.value
    }
}
