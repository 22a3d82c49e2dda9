import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

@Suite("Discussion engine with a scripted model")
struct ExperimentRunnerTests {
    @Test func runsEveryDiscussionWithTheRightTurnStructure() async throws {
        let experiment = try smallExperiment()
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        let report = try await run(experiment, store: store, client: model)
        #expect(report.planned == 4)
        #expect(report.finished == 4)
        #expect(report.failed == 0)
        let discussions = try await store.discussions()
        #expect(discussions.count == 4)
        for d in discussions {
            #expect(d.status == .done)
            let turns = try await store.turns(of: d.id)
            let userTurns = turns.filter { $0.role != .moderator }
            #expect(userTurns.count == 6)
            #expect(turns.map(\.turnIndex) == Array(1...turns.count))
            let participants = try await store.participants(of: d.id)
            if d.strategy == "none" {
                #expect(!participants.contains { $0.role == .moderator })
                #expect(turns.count == 6)
            } else {
                // A moderator turn right after every user comment (the scripted users always comment).
                #expect(turns.count == 12)
                for (i, t) in turns.enumerated() {
                    #expect(t.role == (i % 2 == 0 ? Role.user : .moderator) || (i % 2 == 0 && t.role == .troll))
                }
            }
            for t in turns {
                #expect(t.outcome != .failed)
                if t.outcome == .comment {
                    let text = try #require(t.text)
                    #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty)
                    #expect(text != "\"\"")
                } else {
                    #expect(t.text == nil)
                    #expect(t.role == .moderator)
                }
                #expect(t.call.modelId == "scripted-model")
                #expect(t.call.promptTokens != nil)
                #expect(t.call.sampling.maxTokens == 50)
                let prompt = try await store.prompt(hash: t.call.promptHash)
                #expect(prompt != nil)
                #expect(t.decision == nil || t.role != .moderator)
                if t.role != .moderator { #expect(t.decision != nil) }
            }
        }
        // The scripted moderator abstains on about a third of its turns: abstentions must exist.
        let summary = try await store.summary()
        #expect(summary.count(.abstention) > 0)
        #expect(summary.count(.comment) + summary.count(.abstention) == 6 * 4 + 12)
    }

    @Test func abstentionsAreNeverShownAndTheWindowHoldsTheLastHComments() async throws {
        let experiment = try smallExperiment(strategies: ["guidelines"], replicates: 1, turns: 8, historyLength: 3)
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        try await run(experiment, store: store, client: model)
        for request in model.requests {
            let user = request.messages[1].content
            // The cue (last line) mentions "(silent)"; no comment line may.
            #expect(!user.split(separator: "\n").dropLast().contains { $0.contains("(silent)") })
            let shown = user.split(separator: "\n").filter { line in
                ["user0", "user1", "user2", "user3", "user4", "user5", "moderator"].contains { line.hasPrefix("\($0): ") }
            }
            #expect(shown.count <= 3)
            // Stop sequences name every other speaker, never the speaker itself.
            let speaker = ScriptedChatModel.speaker(of: request)
            #expect(!request.stop.contains("\n\(speaker):"))
            #expect(request.stop.contains("\nOP:"))
        }
        // The system message is the same for every turn of a participant.
        var systems: [String: Set<String>] = [:]
        for request in model.requests {
            systems[ScriptedChatModel.speaker(of: request), default: []].insert(request.messages[0].content)
        }
        #expect(systems.values.allSatisfy { $0.count == 1 })
    }

    @Test func sameSeedGivesTheSameStoreAtAnyConcurrency() async throws {
        let experiment = try smallExperiment()
        let a = try Store.inMemory()
        let b = try Store.inMemory()
        let c = try Store.inMemory()
        try await run(experiment, store: a, client: ScriptedChatModel(), concurrency: 1)
        try await run(experiment, store: b, client: ScriptedChatModel(), concurrency: 1)
        try await run(experiment, store: c, client: ScriptedChatModel(), concurrency: 16)
        let contentA = try await content(a)
        #expect(contentA.count > 1000)
        #expect(contentA == (try await content(b)))
        #expect(contentA == (try await content(c)))
        let other = try Store.inMemory()
        try await run(try smallExperiment(seed: 8), store: other, client: ScriptedChatModel())
        #expect(contentA != (try await content(other)))
    }

    @Test func replicatesShareUsersSeedAndTurnOrderAcrossConditions() async throws {
        let experiment = try smallExperiment()
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel())
        let discussions = try await store.discussions()
        for replicate in 0..<2 {
            let pair = discussions.filter { $0.replicate == replicate }
            #expect(pair.count == 2)
            #expect(pair[0].seedComment == pair[1].seedComment)
            let users0 = try await store.participants(of: pair[0].id).filter { $0.role != .moderator }
            let users1 = try await store.participants(of: pair[1].id).filter { $0.role != .moderator }
            #expect(users0.map(\.username) == users1.map(\.username))
            #expect(users0.map(\.role) == users1.map(\.role))
            let order0 = try await store.turns(of: pair[0].id).filter { $0.role != .moderator }.map(\.speaker)
            let order1 = try await store.turns(of: pair[1].id).filter { $0.role != .moderator }.map(\.speaker)
            #expect(order0 == order1)
        }
    }

    @Test func aFailedCallFailsItsDiscussionOnlyAndARerunCompletesIdentically() async throws {
        let experiment = try smallExperiment()
        let store = try Store.inMemory()
        let report = try await run(experiment, store: store, client: FailingModel(failing: [3]), concurrency: 1)
        #expect(report.failed == 1)
        #expect(report.finished == 3)
        let failedTurns = try await store.allTurns().filter { $0.outcome == .failed }
        #expect(failedTurns.count == 1)
        #expect(failedTurns[0].call.error?.description.contains("HTTP 500 injected") == true)
        #expect(failedTurns[0].call.attempts == 4)
        #expect(try await store.discussions().filter { $0.status == .failed }.count == 1)
        // Re-running retries the failed discussion from its start; the result equals an uninterrupted run.
        let second = try await run(experiment, store: store, client: ScriptedChatModel())
        #expect(second.skipped == 3)
        #expect(second.finished == 1)
        // The retried failure is not forgotten: it moved to the failure log.
        let retried = try await store.retriedFailures()
        #expect(retried.count == 1)
        #expect(retried.first?.record == .turn && retried.first?.error?.description.contains("HTTP 500 injected") == true && retried.first?.attempts == 4)
        let status = try await StatusReport.status(store: store)
        #expect(status.retriedFailures == ["turns: server": 1])
        let reference = try Store.inMemory()
        try await run(experiment, store: reference, client: ScriptedChatModel())
        #expect(try await content(store) == (try await content(reference)))
    }

    @Test func refusesAStoreMadeFromAnotherDesign() async throws {
        let store = try Store.inMemory()
        try await run(try smallExperiment(), store: store, client: ScriptedChatModel())
        await #expect {
            try await run(try smallExperiment(turns: 7), store: store, client: ScriptedChatModel())
        } throws: { error in
            "\(error)".contains("discussion.turns: 6 → 7")
        }
    }

    @Test func userAbstentionsConsumeTheTurnAndTriggerNoModeratorTurn() async throws {
        let experiment = try smallExperiment(strategies: ["guidelines"], replicates: 1, turns: 6)
        let store = try Store.inMemory()
        // Users abstain on every second call they get; the moderator always comments.
        let model = ScriptedChatModel { request in
            let speaker = ScriptedChatModel.speaker(of: request)
            if speaker == "moderator" { return "Please stay on topic." }
            return (request.seed ?? 0) % 2 == 0 ? "\"\"" : "**\(speaker):** I disagree with that."
        }
        try await run(experiment, store: store, client: model)
        let turns = try await store.allTurns()
        let userTurns = turns.filter { $0.role != .moderator }
        #expect(userTurns.count == 6)
        let abstained = userTurns.filter { $0.outcome == .abstention }
        #expect(!abstained.isEmpty)
        #expect(abstained.allSatisfy { $0.rawText == "\"\"" && $0.text == nil })
        let commented = userTurns.filter { $0.outcome == .comment }
        #expect(commented.allSatisfy { $0.text == "I disagree with that." })
        #expect(commented.allSatisfy { $0.cleaning.contains { $0.step == "speakerPrefix" } })
        // Exactly one moderator turn per user comment, each right after it.
        #expect(turns.filter { $0.role == .moderator }.count == commented.count)
        for t in turns where t.role == .moderator {
            let before = try #require(turns.first { $0.turnIndex == t.turnIndex - 1 })
            #expect(before.outcome == .comment && before.role != .moderator)
        }
    }

    @Test func exportsTheOriginalSDFJsonLayout() async throws {
        let experiment = try smallExperiment()
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-export-\(UUID().uuidString)").path
        let files = try await SDFJSONExport.write(store: store, to: dir)
        #expect(files.count == 4)
        #expect(Set(files.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent }) == ["none", "guidelines"])
        for file in files {
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
            for key in ["id", "timestamp", "users", "moderator", "user_prompts", "moderator_prompt", "ctx_length", "logs"] {
                #expect(json.keys.contains(key), "missing \(key) in \(file)")
            }
            let logs = try #require(json["logs"] as? [[String: String]])
            #expect(logs.first?["name"] == "OP")
            #expect(logs.first?["model"] == "hardcoded")
            #expect(logs.allSatisfy { !($0["text"] ?? "").isEmpty && $0["text"] != "\"\"" })
            #expect((json["users"] as? [String])?.count == 3)
            #expect((json["user_prompts"] as? [String])?.count == 3)
            #expect(json["ctx_length"] as? Int == 3)
            let id = try #require(json["id"] as? String)
            let turns = try await store.turns(of: id)
            #expect(logs.count == 1 + turns.filter { $0.outcome == .comment }.count)
        }
    }
}

