import Foundation
import SDFLLM
import Testing

@Suite("Call gate: slots shared by discussion turns and annotation jobs")
struct CallGateTests {
    /// Waits until the gate has `waiting` calls queued.
    func waitUntil(_ gate: CallGate, waiting: Int) async throws {
        for _ in 0..<2_000 {
            if await gate.load.waiting == waiting { return }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
        Issue.record("the gate never had \(waiting) waiting calls")
    }

    @Test(arguments: [1, 3, 8])
    func neverMoreCallsInFlightThanPermits(permits: Int) async throws {
        let gate = CallGate(permits: permits)
        let counters = SendableBox((now: 0, peak: 0, calls: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await gate.withPermit(i.isMultiple(of: 3) ? .turn : .annotation) {
                        counters.update {
                            $0.now += 1
                            $0.peak = max($0.peak, $0.now)
                            $0.calls += 1
                        }
                        // Hold the permit until every permit is taken (or every call has started), so the
                        // peak does not depend on how fast a loaded machine schedules the tasks.
                        var polls = 0
                        while true {
                            let c = counters.get()
                            if c.now >= permits || c.calls == 40 { break }
                            polls += 1
                            if polls > 20_000 {
                                Issue.record("only \(c.now) of \(permits) permits were ever taken together")
                                break
                            }
                            try await Task.sleep(nanoseconds: 1_000_000)
                        }
                        try await Task.sleep(nanoseconds: 2_000_000)  // room for a gate that lets too many in
                        counters.update { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = counters.get()
        #expect(final.calls == 40)
        #expect(final.peak == permits)
        #expect(await gate.load.inFlight == 0)
    }

    @Test func waitingTurnsGoBeforeWaitingAnnotationJobs() async throws {
        let gate = CallGate(permits: 1)
        let order = SendableBox<[String]>([])
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await gate.withPermit(.annotation) {
                    for await _ in release { break }
                }
            }
            while await gate.load.inFlight == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
            for (i, name) in ["a1", "a2", "t1", "a3", "t2"].enumerated() {
                group.addTask {
                    try await gate.withPermit(name.hasPrefix("t") ? .turn : .annotation) {
                        order.update { $0.append(name) }
                    }
                }
                try await waitUntil(gate, waiting: i + 1)
            }
            releaser.yield()
            try await group.waitForAll()
        }
        #expect(order.get() == ["t1", "t2", "a1", "a2", "a3"])
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let gate = CallGate(permits: 1)
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await gate.withPermit(.turn) {
                for await _ in release { break }
            }
        }
        while await gate.load.inFlight == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        let waiter = Task { try await gate.withPermit(.annotation) { "ran" } }
        try await waitUntil(gate, waiting: 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await gate.load.waiting == 0)
        releaser.yield()
        try await holder.value
        #expect(await gate.load.inFlight == 0)
        // The permit is free again.
        #expect(try await gate.withPermit(.annotation) { "ran" } == "ran")
    }

    @Test func theGatedModelPassesCallsThrough() async throws {
        struct Echo: ChatModel {
            let endpoint = "echo"
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                ChatResponse(text: request.messages.last?.content ?? "", finishReason: "stop", model: "echo", usage: .init(), latencyMs: 0)
            }
        }
        let gated = GatedChatModel(Echo(), gate: CallGate(permits: 2), priority: .turn)
        #expect(gated.endpoint == "echo")
        let answer = try await gated.complete(ChatRequest(model: "m", messages: [.init(role: "user", content: "hello")]))
        #expect(answer.text == "hello")
    }
}
