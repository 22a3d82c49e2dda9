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

/// Hostile answers: NUL, C0 controls, terminal escapes, RTL override, U+FFFD, ~2 KB of random code points.
let hostileAnswers: [String] = {
    func random(_ seed: UInt64) -> String { HostileText.random(seed: seed) }
    return [
        "\u{0}hello", "hello\u{0} world", "\u{0}", "\u{1B}]0;pwned\u{07}\u{1B}[31mred", "rtl \u{202E}gnp.exe",
        "c0 \u{1}\u{2}\u{1F}", "\u{FFFD} replaced", random(1), random(2), "plain words",
    ]
}()

@Suite("What a model says never aborts a run", .serialized)
struct HostileRunTests {
    @Test func hostileAnswersAreStoredExactlyFlaggedAndTheRunFinishes() async throws {
        let experiment = try smallExperiment(strategies: ["none"], replicates: 1, turns: hostileAnswers.count, trollShare: nil)
        let store = try Store.inMemory()
        let report = try await FakeOpenAIServer.with(script: { r in .chat(hostileAnswers[r.index % hostileAnswers.count]) }) { url, _ in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(baseURL: url, apiKey: nil, timeout: 10, retry: .init(maxAttempts: 2, baseDelay: 0.01), http: http)
                return try await run(experiment, store: store, client: client, concurrency: 1)
            }
        }
        #expect(report.failed == 0 && report.finished == 1)
        let turns = try await store.allTurns().sorted { $0.turnIndex < $1.turnIndex }
        #expect(turns.count == hostileAnswers.count)
        for (turn, sent) in zip(turns, hostileAnswers) {
            #expect(Data((turn.rawText ?? "").utf8) == Data(sent.utf8), "turn \(turn.turnIndex)")
            #expect(turn.outcome != .failed)
            #expect(!(turn.text ?? "").unicodeScalars.contains("\u{0}"))
            if ControlCharacters.found(in: sent) { #expect(turn.flags.contains(.controlCharacters), "turn \(turn.turnIndex)") }
        }
        #expect(turns[0].text == "hello" && turns[1].text == "hello world" && turns[2].outcome == .abstention)
        // The thread as shown to people carries no control character.
        let shown = try await ThreadFormatter.thread(store: store, discussion: try #require(try await store.discussions().first), raw: true)
        #expect(!shown.unicodeScalars.contains { ControlCharacters.isControl($0) || $0 == "\r" })
        #expect(shown.contains("␛]0;pwned␇"))
    }

    @Test func aRefusedKeyStopsTheRunAtOnceAndRecordsNoFailures() async throws {
        let experiment = try smallExperiment(replicates: 3)
        let store = try Store.inMemory()
        let (error, requests) = try await FakeOpenAIServer.with(script: { _ in
            .raw(status: 401, body: #"{"error":{"message":"Incorrect API key provided: sk-wr***","code":"invalid_api_key"}}"#)
        }) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(baseURL: url, apiKey: "sk-wrong", timeout: 10, retry: .init(maxAttempts: 5, baseDelay: 0.01), http: http)
                do {
                    _ = try await run(experiment, store: store, client: client, concurrency: 2)
                    return (LLMError?.none, log.all.count)
                } catch let error as LLMError {
                    return (error, log.all.count)
                }
            }
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("Incorrect API key provided") == true)
        // 6 discussions, 2 in flight: at most the calls in flight were sent, none retried.
        #expect(requests <= 2, "\(requests) requests")
        #expect(try await store.allTurns().isEmpty, "an account problem is not a model's failed turn")
        #expect(try await store.runs().last?.status == .failed)
    }
}

@Suite("sdf run: honest exits, one writer per store", .serialized)
struct RuntimeCommandTests {
    static func experiment(url: String, replicates: Int = 2, extra: String = "") -> String {
        crashExperimentYAML(url: url).replacingOccurrences(of: "replicates: 2", with: "replicates: \(replicates)") + extra
    }

    @Test func a401OnCompletionsExits3SayingAuthenticationAndStopsEarly() async throws {
        try await FakeOpenAIServer.with(script: { _ in
            .raw(status: 401, body: #"{"error":{"message":"Invalid API key: key revoked"}}"#)
        }) { url, log in
            let dir = try temporaryFolder("auth")
            try Self.experiment(url: url, replicates: 5).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            let result = try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stderr.contains("authentication"), "\(result.stderr)")
            #expect(result.stderr.contains("Invalid API key: key revoked"))
            #expect(!result.stderr.contains("retry them"))
            // 10 discussions, 2 in flight, 6 attempts allowed per call: one call per discussion in flight at most.
            #expect(log.all.count <= 2, "\(log.all.count) requests")
        }
    }

    @Test func aDeterministicBadRequestIsNotCalledRetryable() async throws {
        try await FakeOpenAIServer.with(script: { _ in
            .raw(status: 400, body: #"{"error":{"message":"the request exceeds the available context size"}}"#)
        }) { url, log in
            let dir = try temporaryFolder("badrequest")
            try Self.experiment(url: url).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            let result = try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("rejected the request"), "\(result.stderr)")
            #expect(result.stderr.contains("exceeds the available context size"))
            #expect(!result.stderr.contains("run the same command again to retry them"))
            // Four discussions, one call each: a 400 is not retried.
            #expect(log.all.count == 4, "\(log.all.count) requests")
        }
    }

    @Test func aSecondRunOnALockedStoreIsRefusedWithExit4() async throws {
        try await FakeOpenAIServer.with(script: { r in .chat(FakeOpenAIServer.scriptedAnswer(r.body)) }) { url, log in
            let dir = try temporaryFolder("locked")
            try Self.experiment(url: url).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            let second = try await StoreLock.withLock(store: dir + "/e.sqlite", command: "sdf run (test)") {
                try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            }
            #expect(second.status == 4, "\(second.stderr)")
            #expect(second.stderr.contains("in use by `sdf run (test)`"), "\(second.stderr)")
            #expect(second.stderr.contains("pid \(getpid())"))
            #expect(!second.stderr.contains("UNIQUE constraint"))
            #expect(log.all.isEmpty, "the refused run called the server")
            // Released: the same command now runs.
            let third = try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            #expect(third.status == 0, "\(third.stderr)")
        }
    }

    @Test func twoConcurrentRunsOnOneStoreEndInOneRefusal() async throws {
        try await FakeOpenAIServer.with(script: { r in .delay(0.15, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body))) }) { url, _ in
            let dir = try temporaryFolder("two-runs")
            try Self.experiment(url: url).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            async let a = sdf(["run", dir + "/e.yaml"], deadline: 120)
            try await Task.sleep(nanoseconds: 300_000_000)
            async let b = sdf(["run", dir + "/e.yaml"], deadline: 120)
            let results = try await [a, b]
            #expect(results.map(\.status).sorted() == [0, 4], "\(results.map(\.stderr))")
            #expect(!results.contains { $0.stderr.contains("UNIQUE constraint") })
        }
    }

    @Test func aSigkilledRunIsReportedInterrupted() async throws {
        try await FakeOpenAIServer.with(script: { r in .delay(0.2, then: .chat(FakeOpenAIServer.scriptedAnswer(r.body))) }) { url, _ in
            let dir = try temporaryFolder("sigkill")
            try Self.experiment(url: url).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            let pid = SendablePid()
            async let killed = sdf(["run", dir + "/e.yaml"], deadline: 120) { pid.set($0) }
            let deadline = ContinuousClock.now + .seconds(60)
            var turns = 0
            while turns < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)
                if let store = try? Store.openReadOnly(path: dir + "/e.sqlite") { turns = (try? await store.allTurns().count) ?? 0 }
            }
            let running = try await sdf(["status", dir + "/e.sqlite"])
            #expect(running.stdout.contains("last run running (pid \(try #require(pid.get()))"), "\(running.stdout)")
            kill(try #require(pid.get()), SIGKILL)
            #expect(try await killed.status != 0)
            let status = try await sdf(["status", dir + "/e.sqlite"])
            #expect(status.stdout.contains("last run interrupted"), "\(status.stdout)")
            #expect(!status.stdout.contains("last run running"))
            // The next run marks it so in the store too, and finishes the work.
            let resumed = try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let runs = try await Store.openExisting(path: dir + "/e.sqlite").runs()
            #expect(runs.map(\.status) == [.interrupted, .done])
        }
    }

    @Test(arguments: [
        ("replicates: 2", "replicates: 10000000000", "100000"),
        ("turns: 6", "turns: 10000000000", "10000"),
    ])
    func absurdCountsExit2AndWriteNothing(_ from: String, _ to: String, _ bound: String) async throws {
        let dir = try temporaryFolder("absurd")
        let yaml = crashExperimentYAML(url: "http://127.0.0.1:9/v1").replacingOccurrences(of: from, with: to)
        try yaml.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let result = try await sdf(["run", dir + "/e.yaml"], deadline: 60)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(bound), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["e.yaml"])
    }

    @Test func anEmptyTurnTemplateExits2() async throws {
        let dir = try temporaryFolder("empty-template")
        let yaml = crashExperimentYAML(url: "http://127.0.0.1:9/v1") + "\nprompts:\n  turn: \"\"\n"
        try yaml.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let result = try await sdf(["run", dir + "/e.yaml"], deadline: 60)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("prompts.turn"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["e.yaml"])
    }

    @Test func showAndExportOfHostileOutput() async throws {
        try await FakeOpenAIServer.with(script: { r in
            r.body.contains("response_format") ? .chat(FakeOpenAIServer.scriptedAnswer(r.body)) : .chat("\u{1B}]0;pwned\u{07}\u{1B}[31mhi\u{0} there")
        }) { url, _ in
            let dir = try temporaryFolder("show")
            try Self.experiment(url: url, replicates: 1).write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
            let run = try await sdf(["run", dir + "/e.yaml"], deadline: 120)
            #expect(run.status == 0, "\(run.stderr)")
            let store = try Store.openExisting(path: dir + "/e.sqlite")
            let first = try #require(try await store.discussions().first)
            let show = try await sdf(["show", dir + "/e.sqlite", String(first.id.prefix(8)), "--raw"])
            #expect(show.status == 0)
            #expect(!show.stdout.unicodeScalars.contains { ControlCharacters.isControl($0) }, "raw control characters reached stdout")
            #expect(show.stdout.contains("␛]0;pwned␇␛[31mhi"))
            #expect(try await store.allTurns().allSatisfy { $0.rawText == "\u{1B}]0;pwned\u{07}\u{1B}[31mhi\u{0} there" })
            // Exports of a second store into the first one's folder are refused; --force overrides.
            let other = try await sdf(["run", dir + "/e.yaml", "--store", dir + "/other.sqlite"], deadline: 120)
            #expect(other.status == 0, "\(other.stderr)")
            for format in ["csv", "jsonl", "convokit"] {
                let out = dir + "/out-" + format
                #expect(try await sdf(["export", dir + "/e.sqlite", "--format", format, "--out", out]).status == 0)
                #expect(try await sdf(["export", dir + "/e.sqlite", "--format", format, "--out", out]).status == 0, "re-export")
                let refused = try await sdf(["export", dir + "/other.sqlite", "--format", format, "--out", out])
                #expect(refused.status == 4, "\(format): \(refused.stderr)")
                #expect(refused.stderr.contains("e.sqlite") && refused.stderr.contains("--force"), "\(refused.stderr)")
                let forced = try await sdf(["export", dir + "/other.sqlite", "--format", format, "--out", out, "--force"])
                #expect(forced.status == 0, "\(forced.stderr)")
            }
            #expect(try await sdf(["report", dir + "/e.sqlite", "--out", dir + "/report"]).status == 0)
            let refused = try await sdf(["report", dir + "/other.sqlite", "--out", dir + "/report"])
            #expect(refused.status == 4 && refused.stderr.contains("--force"), "\(refused.stderr)")
            #expect(try await sdf(["report", dir + "/e.sqlite", "--out", dir + "/report"]).status == 0)
        }
    }
}
