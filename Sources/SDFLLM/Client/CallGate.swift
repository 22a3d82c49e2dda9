/// Limits the calls in flight to one server to its slot count, serving waiting calls by priority.
///
/// Discussion turns and annotation jobs that go to the same server share one gate: a turn waiting for a slot
/// is served before any waiting annotation job (FIFO within a priority), so annotation fills the slots the
/// discussions leave idle (at the end of a run, or when fewer discussions than slots remain) without slowing
/// them down. A cancelled waiter leaves the queue and throws `CancellationError`.
public actor CallGate {
    /// Who is waiting; lower raw values are served first.
    public enum Priority: Int, Sendable, Comparable {
        /// A discussion turn.
        case turn = 0
        /// An annotation job.
        case annotation = 1

        /// Orders by raw value.
        public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    }

    struct Waiter {
        var id: UInt64
        var priority: Priority
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Calls allowed in flight at once (≥ 1).
    public nonisolated let permits: Int
    var inUse = 0
    var waiters: [Waiter] = []
    var nextId: UInt64 = 0
    var cancelledEarly: Set<UInt64> = []

    /// Creates a gate.
    ///
    /// - Parameter permits: calls in flight at once; values below 1 are raised to 1.
    public init(permits: Int) {
        self.permits = max(1, permits)
    }

    /// Calls in flight now, and calls waiting (for tests and progress).
    public var load: (inFlight: Int, waiting: Int) { (inUse, waiters.count) }

    /// Runs `body` holding one permit.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting; whatever `body` throws.
    public nonisolated func withPermit<T: Sendable>(
        _ priority: Priority, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await acquire(priority)
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    func acquire(_ priority: Priority) async throws {
        try Task.checkCancellation()
        if inUse < permits {
            inUse += 1
            return
        }
        nextId += 1
        let id = nextId
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if cancelledEarly.remove(id) != nil {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append(Waiter(id: id, priority: priority, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    func cancel(_ id: UInt64) {
        if let i = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: i).continuation.resume(throwing: CancellationError())
        } else {
            // The handler ran before the waiter was queued (or after it was served: then this is never read).
            cancelledEarly.insert(id)
        }
    }

    func release() {
        // The first waiter of the best priority takes the permit over directly.
        if let top = waiters.map(\.priority).min(), let i = waiters.firstIndex(where: { $0.priority == top }) {
            waiters.remove(at: i).continuation.resume()
        } else {
            inUse -= 1
        }
    }
}

/// A ``ChatModel`` whose calls pass through a ``CallGate`` with one priority.
public struct GatedChatModel: ChatModel {
    /// The model called.
    public let base: any ChatModel
    /// The gate shared with the server's other users.
    public let gate: CallGate
    /// This model's place in the queue.
    public let priority: CallGate.Priority

    /// Wraps `base`.
    public init(_ base: any ChatModel, gate: CallGate, priority: CallGate.Priority) {
        self.base = base
        self.gate = gate
        self.priority = priority
    }

    /// The base model's endpoint.
    public var endpoint: String { base.endpoint }

    /// Waits for a permit, then calls the base model.
    ///
    /// - Throws: `CancellationError` while waiting; whatever the base model throws.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await gate.withPermit(priority) { try await base.complete(request) }
    }
}
