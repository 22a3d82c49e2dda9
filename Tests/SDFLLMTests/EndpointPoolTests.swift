import SDFCore
import AsyncHTTPClient
import Foundation
@testable import SDFLLM
import SDFTesting
import Testing

@Suite("Several endpoints: balanced by outstanding requests, failing ones taken out")
struct EndpointPoolTests {
    let request = ChatRequest(model: "fake-model", messages: [.init(role: "user", content: "Say hi.")], maxTokens: 8)
    let fastRetry = RetryPolicy(maxAttempts: 4, baseDelay: 0.005, maxDelay: 0.02)

    /// Two fake servers with their own scripts, and a pool over them.
    func withTwo<T: Sendable>(
        cooldown: Double = 5,
        _ a: @escaping @Sendable (FakeRequest) -> FakeReply, _ b: @escaping @Sendable (FakeRequest) -> FakeReply,
        _ body: @Sendable (EndpointPool, (url: String, log: FakeRequestLog), (url: String, log: FakeRequestLog)) async throws -> T
    ) async throws -> T {
        try await FakeOpenAIServer.with(script: a) { urlA, logA in
            try await FakeOpenAIServer.with(script: b) { urlB, logB in
                try await HTTPClient.withHTTPClient { http in
                    let clients = [urlA, urlB].map { OpenAIClient(baseURL: $0, apiKey: nil, timeout: 10, retry: .none, http: http) }
                    let pool = EndpointPool(clients: clients, retry: fastRetry, cooldown: cooldown)
                    return try await body(pool, (urlA, logA), (urlB, logB))
                }
            }
        }
    }

    func concurrently(_ n: Int, _ pool: EndpointPool) async throws -> [ChatResponse] {
        try await withThrowingTaskGroup(of: ChatResponse.self) { group in
            for _ in 0..<n { group.addTask { try await pool.complete(request) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func requestsStartedTogetherAreSplitEvenly() async throws {
        let slow: @Sendable (FakeRequest) -> FakeReply = { _ in .delay(0.3, then: .chat("ok")) }
        let (a, b, endpoints) = try await withTwo(slow, slow) { pool, a, b in
            let responses = try await concurrently(8, pool)
            return (a.log.all.count, b.log.all.count, Set(responses.compactMap(\.endpoint)))
        }
        #expect(a == 4 && b == 4)
        #expect(endpoints.count == 2)
    }

    @Test func eachPickGoesToTheEndpointWithFewestOutstandingRequests() async {
        let state = PoolState(count: 3, cooldown: 5, maxCooldown: 120)
        // Equal load: round robin (the least recently picked first).
        #expect(await [state.pick(), state.pick(), state.pick(), state.pick()] == [0, 1, 2, 0])
        // Endpoint 2 answers twice as fast: its requests end, so it has the fewest outstanding.
        await state.finished(2, error: nil)
        #expect(await state.pick() == 2)
        await state.finished(2, error: nil)
        await state.finished(1, error: nil)
        #expect(await state.pick() == 1, "1 and 2 have none outstanding; 1 was picked less recently")
        #expect(await state.pick() == 2)
        // A failure followed by a success of another request to the same endpoint leaves it in.
        await state.finished(0, error: LLMError(.server, "HTTP 500"))
        await state.finished(0, error: nil)
        await state.finished(1, error: nil)
        await state.finished(2, error: nil)
        #expect(await state.snapshot().map(\.outstanding) == [0, 0, 0])
        #expect(await state.snapshot().allSatisfy { !$0.coolingDown })
        // A timeout takes endpoint 0 out although it would be next.
        #expect(await state.pick() == 0)
        await state.finished(0, error: LLMError(.timeout, "slow"))
        #expect(await [state.pick(), state.pick(), state.pick()] == [1, 2, 1])
        #expect(await state.snapshot().map(\.outstanding) == [0, 2, 1])
    }

    @Test func anEndpointWithMoreSlotsTakesMoreRequests() async {
        let state = PoolState(count: 2, cooldown: 5, maxCooldown: 120, capacities: [1, 3])
        // Four requests at once: one to the 1-slot endpoint, three to the 3-slot one.
        var picks: [Int] = []
        for _ in 0..<4 { picks.append(await state.pick()) }
        #expect(picks.sorted() == [0, 1, 1, 1])
        #expect(await state.snapshot().map(\.outstanding) == [1, 3])
    }

    @Test func aFailingEndpointIsTakenOut() async throws {
        // A cooldown far longer than the test, so that a slow (loaded) machine cannot bring A back mid-test.
        let (responses, a, b, snapshot) = try await withTwo(cooldown: 600, { _ in .raw(status: 500, body: "{}") }, { _ in .chat("from b") }) {
            pool, a, b in
            var responses: [ChatResponse] = []
            for _ in 0..<10 { responses.append(try await pool.complete(request)) }
            return (responses, a.log.all.count, b, await pool.snapshot())
        }
        #expect(responses.allSatisfy { $0.text == "from b" && $0.endpoint == b.url })
        #expect(a == 1, "A failed once, then stayed out for its cooldown")
        #expect(b.log.all.count == 10)
        #expect(snapshot[0].coolingDown && !snapshot[1].coolingDown)
        #expect(snapshot.allSatisfy { $0.outstanding == 0 })
        #expect(responses.map(\.attempts).reduce(0, +) == 11)
    }

    @Test func aTakenOutEndpointIsTriedAgainLater() async throws {
        // A fails its first request only; after its 0.2 s cooldown it serves again.
        let (aCount, snapshot) = try await withTwo(
            cooldown: 0.2, { $0.index == 0 ? .raw(status: 503, body: "{}") : .chat("a") }, { _ in .delay(0.05, then: .chat("b")) }
        ) { pool, a, _ in
            _ = try await pool.complete(request)
            try await Task.sleep(nanoseconds: 300_000_000)
            _ = try await concurrently(6, pool)
            return (a.log.all.count, await pool.snapshot())
        }
        #expect(aCount >= 3, "A is back in the rotation after its cooldown")
        #expect(!snapshot[0].coolingDown)
    }

    @Test func anEndpointThatStopsAnsweringIsLeftForAnother() async throws {
        // A accepts the request but answers neither it nor health probes for 30 s (a server shutting down);
        // with probes every 0.3 s the call moves to B long before A's answer or any request timeout (the margin
        // is wide: on a machine running several builds the move took 12.7 s once).
        let (response, elapsed, snapshot) = try await FakeOpenAIServer.with(modelsDelay: 30, script: { _ in .delay(30, then: .chat("late")) }) {
            hung, _ in
            try await FakeOpenAIServer.with(script: { _ in .chat("from b") }) { up, _ in
                try await HTTPClient.withHTTPClient { http in
                    let clients = [hung, up].map { OpenAIClient(baseURL: $0, apiKey: nil, timeout: 60, retry: .none, http: http) }
                    let pool = EndpointPool(clients: clients, retry: fastRetry, probeAfter: 0.3)
                    let start = ContinuousClock.now
                    let response = try await pool.complete(request)
                    return (response, ContinuousClock.now - start, await pool.snapshot())
                }
            }
        }
        #expect(response.text == "from b" && response.attempts >= 2, "attempts: \(response.attempts)")
        #expect(elapsed < .seconds(25), "moved on before the hung endpoint's 30 s answer")
        #expect(snapshot[0].coolingDown)
    }

    @Test func whenEveryEndpointFailsTheCallFailsAfterItsRetries() async throws {
        let error = try await withTwo({ _ in .raw(status: 500, body: "{}") }, { _ in .raw(status: 502, body: "{}") }) { pool, _, _ in
            do {
                _ = try await pool.complete(request)
                return LLMError?.none
            } catch let error as LLMError {
                return error
            }
        }
        #expect(error?.kind == .server)
        #expect(error?.attempts == fastRetry.maxAttempts)
    }

    @Test func badRequestsDoNotTakeAnEndpointOut() async throws {
        let (error, snapshot) = try await withTwo({ _ in .raw(status: 400, body: "{}") }, { _ in .raw(status: 400, body: "{}") }) {
            pool, _, _ in
            let error = await #expect(throws: LLMError.self) { try await pool.complete(request) }
            return (error, await pool.snapshot())
        }
        #expect(error?.kind == .badRequest && error?.attempts == 1)
        #expect(snapshot.allSatisfy { !$0.coolingDown })
    }

    @Test func slotsAreReadFromProps() async throws {
        let (withProps, without) = try await FakeOpenAIServer.with(slots: 6, script: { _ in .chat("x") }) { url, _ in
            try await FakeOpenAIServer.with(script: { _ in .chat("y") }) { other, _ in
                try await HTTPClient.withHTTPClient { http in
                    (
                        await OpenAIClient(baseURL: url, apiKey: nil, http: http).serverSlots(),
                        await OpenAIClient(baseURL: other, apiKey: nil, http: http).serverSlots()
                    )
                }
            }
        }
        #expect(withProps == 6)
        #expect(without == nil)
    }
}
