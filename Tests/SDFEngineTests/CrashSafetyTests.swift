import AsyncHTTPClient
import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Faults and crash safety", .serialized)
struct CrashSafetyTests {
    @Test func everyFaultKindIsRetriedAndTheCountsAddUp() async throws {
        let experiment = try smallExperiment(replicates: 1)
        // Requests 0, 2, 4, … each meet one fault (so every call meets at most one: its retry succeeds); every
        // other request gets the scripted answer.
        let faults: [Int: FakeReply] = [
            0: .raw(status: 500, body: #"{"error":{"message":"boom"}}"#),
            2: .raw(status: 429, body: "{}", headers: ["Retry-After": "0"]),
            4: .delay(8, then: .chat("too late")),
            6: .cutMidway,
            8: .raw(status: 200, body: "{not json"),
            10: .raw(status: 200, body: #"{"choices":[]}"#),
            12: .raw(status: 200, body: #"{"choices":[{"message":{"role":"assistant"},"finish_reason":"stop"}]}"#),
        ]
        // The timeout is well above an ordinary answer's time even on a loaded machine (CI runs two real model servers
        // beside this test: at 1 s an ordinary request once timed out too, one attempt more than the faults), and well
        // below the delayed answer's.
        let (report, store) = try await FakeOpenAIServer.with(script: { r in faults[r.index] ?? .scripted }) { url, _ in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(
                    baseURL: url, apiKey: nil, timeout: 3, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05), http: http)
                let store = try Store.inMemory()
                return (try await run(experiment, store: store, client: client, concurrency: 1), store)
            }
        }
        #expect(report.finished == 2 && report.failed == 0)
        let turns = try await store.allTurns()
        #expect(turns.allSatisfy { $0.outcome != .failed })
        // Each injected fault cost exactly one extra attempt of the request it hit.
        #expect(turns.map { $0.call.attempts - 1 }.reduce(0, +) == faults.count)
        #expect(turns.filter { $0.call.attempts == 2 }.count == faults.count)
    }

    @Test func aCallThatKeepsFailingFailsItsDiscussionAndTheRunGoesOn() async throws {
        let experiment = try smallExperiment(strategies: ["none"], replicates: 2)
        let (report, store) = try await FakeOpenAIServer.with(script: { r in
            // Every request of the discussion whose first user is the one named in the cue "user1"… simpler:
            // requests 3, 4, 5 (one request and its two retries) fail with 503.
            (3...5).contains(r.index) ? .raw(status: 503, body: #"{"error":{"message":"overloaded"}}"#) : .scripted
        }) { url, _ in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(
                    baseURL: url, apiKey: nil, timeout: 2, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02), http: http)
                let store = try Store.inMemory()
                return (try await run(experiment, store: store, client: client, concurrency: 1), store)
            }
        }
        #expect(report.failed == 1 && report.finished == 1)
        let failed = try await store.allTurns().filter { $0.outcome == .failed }
        #expect(failed.count == 1)
        #expect(failed[0].call.attempts == 3)
        #expect(failed[0].call.error?.description.hasPrefix("server: ") == true)
        #expect(failed[0].call.error?.description.contains("overloaded") == true)
        let status = try await StatusReport.status(store: store)
        #expect(status.turnFailures == ["server": 1])
    }
}

/// The experiment file used by the process-level tests: scripted replies from the fake server at `url`.
func crashExperimentYAML(url: String, keyEnv: String? = nil) -> String {
    """
    version: 1
    name: crash
    seed: 11
    replicates: 2
    personas: [{username: ann, age: 31}, {username: bob, age: 45}, {username: cem, age: 27}, {username: dia, age: 52}]
    seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
    discussion: {users: 3, turns: 6, historyLength: 3, turnTaking: {policy: respond, p: 0.4}}
    strategies: [none, guidelines]
    models: [{name: fake, endpoint: "\(url)", model: fake-model, maxTokens: 40\(keyEnv.map { ", apiKeyEnv: \($0)" } ?? "")}]
    concurrency: 2
    annotation:
      annotators: [{username: rater1, age: 40}, {username: rater2, age: 50}]
      model: {name: rater, endpoint: "\(url)", model: fake-model, maxTokens: 20\(keyEnv.map { ", apiKeyEnv: \($0)" } ?? "")}
      concurrency: 2
    """
}

/// Stored content without run-dependent fields, annotations included.
func fullContent(_ path: String) async throws -> String {
    let store = try Store.openExisting(path: path)
    var text = try await content(store)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for var a in try await store.annotations() {
        a.startedAt = Date(timeIntervalSince1970: 0)
        a.finishedAt = Date(timeIntervalSince1970: 0)
        a.call.latencyMs = nil
        text += "\n" + String(decoding: try encoder.encode(a), as: UTF8.self)
    }
    return text
}

@Suite("Killing sdf run and resuming", .serialized)
struct KillAndResumeTests {
    /// Counts in a store that another process may be writing (WAL: reads don't block).
    func counts(_ path: String) async -> (turns: Int, annotations: Int) {
        guard FileManager.default.fileExists(atPath: path), let store = try? Store.openReadOnly(path: path) else { return (0, 0) }
        let turns = (try? await store.allTurns().count) ?? 0
        let annotations = (try? await store.annotations().count) ?? 0
        return (turns, annotations)
    }

    @Test func sigkillAtSeveralPointsThenResumeEqualsAnUninterruptedRun() async throws {
        try await FakeOpenAIServer.with(script: { r in
            .delay(0.02, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body)))
        }) { url, _ in
            let dir = try temporaryFolder("kill")
            try crashExperimentYAML(url: url).write(toFile: dir + "/crash.yaml", atomically: true, encoding: .utf8)
            try crashExperimentYAML(url: url).write(toFile: dir + "/reference.yaml", atomically: true, encoding: .utf8)
            let reference = try await sdf(["run", dir + "/reference.yaml"], deadline: 300)
            #expect(reference.status == 0, "\(reference.stderr)")
            let store = dir + "/crash.sqlite"
            // Kill points: early in the discussions, later in the discussions, during annotation (which runs
            // alongside the discussions: 5 more annotations than when this run began).
            typealias Counts = (turns: Int, annotations: Int)
            let points: [(String, @Sendable (Counts, Counts) -> Bool)] = [
                ("after 3 turns", { now, _ in now.turns >= 3 }),
                ("after 20 turns", { now, _ in now.turns >= 20 }),
                ("during annotation", { now, start in now.annotations >= start.annotations + 5 }),
            ]
            var before = (turns: 0, annotations: 0)
            for (name, reached) in points {
                let pid = SendablePid()
                async let result = sdf(["run", dir + "/crash.yaml"], deadline: 300) { pid.set($0) }
                let deadline = ContinuousClock.now + .seconds(120)
                while pid.get() == nil && ContinuousClock.now < deadline { try await Task.sleep(nanoseconds: 1_000_000) }
                var now = await counts(store)
                while !reached(now, before) && ContinuousClock.now < deadline {
                    try await Task.sleep(nanoseconds: 5_000_000)
                    now = await counts(store)
                }
                kill(try #require(pid.get()), SIGKILL)
                let killed = try await result
                #expect(killed.status != 0, "\(name): the run finished before the kill point")
                let after = await counts(store)
                // Nothing committed is lost across kills.
                #expect(after.turns >= before.turns && after.annotations >= before.annotations, "\(name)")
                before = after
            }
            let resumed = try await sdf(["run", dir + "/crash.yaml"], deadline: 300)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let expected = try await fullContent(dir + "/reference.sqlite")
            #expect(try await fullContent(store) == expected)
            // No duplicates: the unique keys would have refused them, and the counts match the reference.
            let a = await counts(store)
            let b = await counts(dir + "/reference.sqlite")
            #expect(a.turns == b.turns && a.annotations == b.annotations)
            let status = try await sdf(["status", store])
            #expect(status.stdout.contains("total                   4      0        0       0"), "\(status.stdout)")
        }
    }

    @Test func sigtermStopsCleanlyAndSaysHowToResume() async throws {
        try await FakeOpenAIServer.with(script: { r in .delay(0.05, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body))) }) { url, _ in
            let dir = try temporaryFolder("term")
            try crashExperimentYAML(url: url).write(toFile: dir + "/crash.yaml", atomically: true, encoding: .utf8)
            let pid = SendablePid()
            async let result = sdf(["run", dir + "/crash.yaml"], deadline: 300) { pid.set($0) }
            let deadline = ContinuousClock.now + .seconds(60)
            while await counts(dir + "/crash.sqlite").turns < 4 && ContinuousClock.now < deadline {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            kill(try #require(pid.get()), SIGTERM)
            let stopped = try await result
            #expect(stopped.status == 130, "\(stopped.stderr)")
            #expect(stopped.stderr.contains("run the same command again to resume"))
            let store = try Store.openExisting(path: dir + "/crash.sqlite")
            #expect(try await store.runs().last?.status == .interrupted)
            let resumed = try await sdf(["run", dir + "/crash.yaml"], deadline: 300)
            #expect(resumed.status == 0)
        }
    }

    @Test func apiKeysNeverLeaveTheEnvironment() async throws {
        let secret = "sk-test-\(UUID().uuidString)"
        try await FakeOpenAIServer.with(script: { r in
            r.authorization == "Bearer \(secret)" ? .chat(FakeOpenAIServer.scriptedAnswer(r.body)) : .raw(status: 401, body: "{}")
        }) { url, _ in
            let dir = try temporaryFolder("secret")
            try crashExperimentYAML(url: url, keyEnv: "SDF_TEST_KEY").write(toFile: dir + "/crash.yaml", atomically: true, encoding: .utf8)
            let result = try await sdfWithEnvironment(["run", dir + "/crash.yaml", "--verbose"], ["SDF_TEST_KEY": secret])
            #expect(result.status == 0, "\(result.stderr)")
            for format in ["csv", "jsonl", "sdf-json"] {
                let export = try await sdfWithEnvironment(
                    ["export", dir + "/crash.sqlite", "--format", format, "--out", dir + "/export-\(format)"], [:])
                #expect(export.status == 0)
            }
            // Everything the run wrote: store (and WAL), exports, console output.
            var files: [String] = []
            let enumerator = FileManager.default.enumerator(atPath: dir)
            while let name = enumerator?.nextObject() as? String { files.append(dir + "/" + name) }
            #expect(files.count > 10)
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                #expect(data.range(of: Data(secret.utf8)) == nil, "the API key leaked into \(file)")
            }
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
            // Without the variable, the run refuses before writing anything.
            try? FileManager.default.removeItem(atPath: dir + "/crash.sqlite")
            let missing = try await sdfWithEnvironment(["run", dir + "/crash.yaml"], [:])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("SDF_TEST_KEY"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/crash.sqlite"))
        }
    }
}
