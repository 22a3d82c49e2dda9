import SDFCore
import Foundation

/// A ``ChatModel`` over several OpenAI-compatible servers that serve the same model: each attempt goes to the
/// endpoint with the fewest outstanding requests, and an endpoint that fails is taken out for a while.
///
/// Balancing: among the endpoints not cooling down, the one with the fewest requests in flight from this
/// process relative to its capacity (its slots, when known; ties: the one picked least recently). Failures that say something about the server — no
/// connection, timeout, HTTP 429 or 5xx — take the endpoint out for `cooldown × 2^(k−1)` seconds after its
/// k-th consecutive failure (capped at `maxCooldown`; a 429's `Retry-After` when longer); the next success
/// puts it back at once. When every endpoint is cooling down, the one that comes back first is tried.
/// A failed attempt is retried per the pool's ``RetryPolicy``, usually on another endpoint.
///
/// A server can stop answering without closing its connections (llama-server shutting down does): while an
/// attempt is pending, the pool asks its endpoint for `GET /models` every `probeAfter` seconds; when that gets
/// no answer either, the attempt fails as a timeout, the endpoint is taken out, and the call moves on.
public struct EndpointPool: ChatModel {
    /// The clients, one per endpoint, each making single attempts.
    public let clients: [OpenAIClient]
    /// Retries across endpoints.
    public let retry: RetryPolicy
    /// Seconds between health probes of an endpoint while an attempt on it is pending (`nil`: no probes).
    public let probeAfter: Double?
    let state: PoolState

    /// The endpoints, comma-separated (per-call provenance records the one that answered).
    public var endpoint: String { clients.map(\.baseURL).joined(separator: ",") }

    /// Creates a pool.
    ///
    /// - Parameters:
    ///   - clients: one client per endpoint (their own retry policies are not used), at least one.
    ///   - retry: retry policy for a call across endpoints.
    ///   - cooldown: seconds an endpoint is out after its first failure (doubling with each further one).
    ///   - maxCooldown: longest time out, seconds.
    ///   - capacities: requests each endpoint processes at once (e.g. llama-server's `total_slots`), one per
    ///     client, each ≥ 1; `nil` weighs all endpoints equally.
    ///   - probeAfter: seconds between health probes of a pending attempt's endpoint (default 30; `nil`: none).
    public init(
        clients: [OpenAIClient], retry: RetryPolicy = .init(), cooldown: Double = 5, maxCooldown: Double = 120,
        capacities: [Int]? = nil, probeAfter: Double? = 30
    ) {
        self.probeAfter = probeAfter
        precondition(!clients.isEmpty, "an endpoint pool needs at least one endpoint")
        precondition(capacities.map { $0.count == clients.count } ?? true, "one capacity per endpoint")
        self.clients = clients
        self.retry = retry
        self.state = PoolState(
            count: clients.count, cooldown: cooldown, maxCooldown: maxCooldown, capacities: capacities?.map { max(1, $0) })
    }

    /// Sends the request to the least-loaded healthy endpoint, retrying failures (usually elsewhere).
    ///
    /// - Throws: ``LLMError`` after the retries, with ``LLMError/attempts`` set.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        // The endpoints serve one model from servers of one kind: the first client's memory speaks for the pool.
        try await StructuredOutputNegotiation.run(request, memory: clients[0].structuredOutputMemory, endpoint: endpoint) { body in
            try await retry.run {
                let i = await state.pick()
                do {
                    let answer = try await watched(clients[i], body: body)
                    await state.finished(i, error: nil)
                    return answer
                } catch let error as LLMError {
                    await state.finished(i, error: error)
                    throw error
                } catch {
                    await state.finished(i, error: nil)
                    throw error
                }
            }
        }
    }

    /// One attempt on `client`, failed as a timeout if the endpoint stops answering health probes meanwhile.
    func watched(_ client: OpenAIClient, body: Data) async throws -> ChatResponse {
        guard let probeAfter else { return try await client.attempt(body: body) }
        return try await withThrowingTaskGroup(of: ChatResponse?.self) { group in
            group.addTask { try await client.attempt(body: body) }
            group.addTask {
                while true {
                    try await Task.sleep(nanoseconds: UInt64(probeAfter * 1e9))
                    if await !client.answersProbe(within: min(probeAfter, 10)) {
                        throw LLMError(
                            .timeout, "\(client.baseURL) stopped answering (GET /models got no answer while a request was pending)")
                    }
                }
            }
            defer { group.cancelAll() }
            while let first = try await group.next() {
                if let first { return first }
            }
            throw CancellationError()
        }
    }

    /// Requests in flight per endpoint, and whether each is cooling down now (for tests and status).
    public func snapshot() async -> [(outstanding: Int, coolingDown: Bool)] { await state.snapshot() }
}

/// The pool's shared counters.
actor PoolState {
    var outstanding: [Int]
    var failures: [Int]
    var downUntil: [ContinuousClock.Instant?]
    var lastPicked: [UInt64]
    var picks: UInt64 = 0
    let cooldown: Double
    let maxCooldown: Double
    let capacities: [Int]

    init(count: Int, cooldown: Double, maxCooldown: Double, capacities: [Int]? = nil) {
        self.capacities = capacities ?? Array(repeating: 1, count: count)
        outstanding = Array(repeating: 0, count: count)
        failures = Array(repeating: 0, count: count)
        downUntil = Array(repeating: nil, count: count)
        lastPicked = Array(repeating: 0, count: count)
        self.cooldown = cooldown
        self.maxCooldown = maxCooldown
    }

    func pick() -> Int {
        let now = ContinuousClock.now
        let healthy = downUntil.indices.filter { downUntil[$0].map { $0 <= now } ?? true }
        let chosen: Int
        if healthy.isEmpty {
            chosen = downUntil.indices.min { downUntil[$0]! < downUntil[$1]! }!
        } else {
            // Fewest outstanding per unit of capacity: a/ca < b/cb ⇔ a·cb < b·ca.
            chosen = healthy.min { a, b in
                let (la, lb) = (outstanding[a] * capacities[b], outstanding[b] * capacities[a])
                return la != lb ? la < lb : lastPicked[a] < lastPicked[b]
            }!
        }
        picks += 1
        lastPicked[chosen] = picks
        outstanding[chosen] += 1
        return chosen
    }

    func finished(_ i: Int, error: LLMError?) {
        outstanding[i] -= 1
        guard let error else {
            failures[i] = 0
            downUntil[i] = nil
            return
        }
        switch error.kind {
        case .connection, .timeout, .rateLimited, .server:
            failures[i] += 1
            let backoff = min(maxCooldown, cooldown * Double(1 << min(failures[i] - 1, 20)))
            let wait = max(backoff, min(error.retryAfter ?? 0, maxCooldown))
            downUntil[i] = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        default:
            break  // the request or the answer was at fault, not the endpoint
        }
    }

    func snapshot() -> [(outstanding: Int, coolingDown: Bool)] {
        let now = ContinuousClock.now
        return outstanding.indices.map { (outstanding[$0], downUntil[$0].map { $0 > now } ?? false) }
    }
}
