import Foundation
import SDFCore
@testable import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

@Suite("Seed threads in a scripted run")
struct SeedThreadRunTests {
    /// Two replicates: one of a two-comment thread by non-participants, one of a plain seed by OP; `extra` is appended
    /// to the file (e.g. a `branching` section).
    static func experiment(extra: String = "") throws -> Experiment {
        let yaml = """
            version: 1
            name: threads
            seed: 11
            replicates: 2
            personas: [{username: user0}, {username: user1}, {username: user2}, {username: user3}]
            seedComments:
              - id: rent
                comments:
                  - {author: renter_rita, text: "Rent went up 30 % in two years. Is rent control the answer?"}
                  - {author: landlord_lou, text: "Rent control froze repairs in my building."}
              - "Homework should be abolished."
            discussion: {users: 3, turns: 4, historyLength: 3}
            strategies: [none, guidelines]
            models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
            \(extra)
            """
        return try ExperimentLoader.load(yaml: yaml, file: "threads.yaml", baseDirectory: "/tmp")
    }

    @Test func storesEverySeedCommentWithItsAuthorAndShowsTheThreadToEveryone() async throws {
        let experiment = try Self.experiment()
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        let report = try await run(experiment, store: store, client: model)
        #expect(report.finished == 4)
        let discussions = try await store.discussions()
        let threaded = discussions.filter { $0.seedCommentIndex == 0 }
        let plain = discussions.filter { $0.seedCommentIndex == 1 }
        #expect(threaded.count == 2 && plain.count == 2)
        for d in threaded {
            let seeds = try await store.seedComments(of: d)
            #expect(seeds.map(\.author) == ["renter_rita", "landlord_lou"])
            #expect(seeds.map(\.position) == [0, 1])
            #expect(seeds[0].id == d.seedCommentId)
            #expect(seeds[0].text == d.seedComment)
            #expect(seeds[1].text == "Rent control froze repairs in my building.")
            for p in try await store.participants(of: d.id) {
                #expect(p.systemPrompt.contains(
                    "renter_rita: Rent went up 30 % in two years. Is rent control the answer?\n\nlandlord_lou: Rent control froze repairs in my building."))
            }
        }
        for d in plain {
            let seeds = try await store.seedComments(of: d)
            #expect(seeds.count == 1 && seeds[0].author == "OP" && seeds[0].id == d.seedCommentId)
            for p in try await store.participants(of: d.id) { #expect(p.systemPrompt.contains("(OP):\nHomework should be abolished.")) }
        }
        // Every request of a threaded discussion carried both seed comments in its system message.
        let threadedRequests = model.requests.filter { $0.messages[0].content.contains("renter_rita:") }
        let threadedIds = Set(threaded.map(\.id))
        let threadedTurns = try await store.allTurns().filter { threadedIds.contains($0.discussionId) }
        #expect(threadedRequests.count == threadedTurns.count)
        #expect(threadedRequests.allSatisfy { $0.messages[0].content.contains("landlord_lou: Rent control froze") })

        // Tidy export: two turn_index 0 rows with the authors, role op, before the discussion's turns.
        let tables = try await TidyExport.tables(store: store)
        let comments = try #require(tables.first { $0.name == "comments" })
        let col = { (name: String) in comments.columns.firstIndex(of: name)! }
        for d in threaded {
            let rows = comments.rows.filter { $0[col("discussion_id")] == .text(d.id) }
            let seedRows = rows.filter { $0[col("turn_index")] == .int(0) }
            #expect(seedRows.map { $0[col("speaker")] } == [.text("renter_rita"), .text("landlord_lou")])
            #expect(seedRows.allSatisfy { $0[col("role")] == .text("op") })
            #expect(rows.prefix(2).map { $0[col("turn_index")] } == [.int(0), .int(0)])
        }

        // ConvoKit: the seed reply chain, and the first generated comment replies to the last seed comment.
        let corpus = try await ConvoKitExport.corpus(store: store)
        for d in threaded {
            let seeds = try await store.seedComments(of: d)
            let first = try #require(try await store.turns(of: d.id).first { $0.outcome == .comment })
            func replyTo(_ id: String) -> ConvoKitJSON? {
                for u in corpus.utterances {
                    if case .object(let o) = u, o["id"] == .string(id) { return o["reply_to"] }
                }
                return nil
            }
            #expect(replyTo(seeds[0].id) == .null)
            #expect(replyTo(seeds[1].id) == .string(seeds[0].id))
            #expect(replyTo(first.id) == .string(seeds[1].id))
        }

        // sdf show: both seed comments with their authors.
        let shown = try await ThreadFormatter.thread(store: store, discussion: threaded[0])
        #expect(shown.contains("[0] renter_rita (seed comment 1 of 2):"))
        #expect(shown.contains("[0] landlord_lou (seed comment 2 of 2):"))
    }

    @Test func annotatorsRateOnlyGeneratedCommentsAndSeeTheThread() async throws {
        let experiment = try Self.experiment()
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel())
        let setup = AnnotationSetup(
            annotators: [Persona(username: "ann0")], instructions: "Rate it.", rubric: .default, historyLength: 3,
            annotateModerator: true, structuredOutput: .off,
            model: ModelSettings(name: "annotator", endpoint: "http://127.0.0.1:9/v1", temperature: 0.2, maxTokens: 32),
            concurrency: 2)
        let model = ScriptedChatModel { _ in #"{"toxicity": 2, "argument_quality": 3}"# }
        let binding = ModelBinding(name: "annotator", client: model, requestModel: "m", settings: setup.model)
        _ = try await AnnotationRunner(setup: setup, store: store, binding: binding, templates: experiment.templates).run()
        let comments = try await store.allTurns().filter { $0.outcome == .comment }
        let annotations = try await store.annotations()
        #expect(Set(annotations.map(\.commentId)) == Set(comments.map(\.id)))
        var seedIds = Set<String>()
        for d in try await store.discussions() { for s in try await store.seedComments(of: d) { seedIds.insert(s.id) } }
        #expect(seedIds.count == 6)  // 2 plain discussions × 1 + 2 threaded × 2
        #expect(annotations.allSatisfy { !seedIds.contains($0.commentId) })
        let threadedPrompts = model.requests.filter { $0.messages[1].content.hasPrefix("The discussion started with these comments:") }
        let plainPrompts = model.requests.filter { $0.messages[1].content.hasPrefix("The discussion started with this post by OP:") }
        #expect(!threadedPrompts.isEmpty && !plainPrompts.isEmpty)
        #expect(threadedPrompts.count + plainPrompts.count == model.requests.count)
        #expect(threadedPrompts.allSatisfy { $0.messages[1].content.contains("landlord_lou: Rent control froze repairs in my building.") })
    }

    @Test func planPrintsTheThreadPerReplicate() throws {
        let e = try Self.experiment()
        #expect(ExperimentPlanner.seedHead(e.seedThreads[0]) == "thread rent (2 comments by renter_rita, landlord_lou)")
        #expect(ExperimentPlanner.seedHead(e.seedThreads[1]) == ExperimentPlanner.head("Homework should be abolished."))
    }
}
