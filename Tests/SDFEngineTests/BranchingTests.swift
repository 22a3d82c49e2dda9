import Foundation
import GRDB
import SDFAnalysis
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

/// A two-strategy design branched from `none`: `atTurn` as YAML (one integer or a list).
func branchedExperiment(atTurn: String = "3", replicates: Int = 2, turns: Int = 6, from: String = "none", branching: Bool = true) throws -> Experiment {
    let yaml = """
        version: 1
        name: branched
        seed: 7
        replicates: \(replicates)
        personas: [{username: user0, age: 30}, {username: user1, age: 40}, {username: user2, age: 50}, {username: user3, age: 60}]
        seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
        discussion: {users: 3, turns: \(turns), historyLength: 4, turnTaking: {policy: respond, p: 0.5}}
        strategies: [none, guidelines]
        models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
        \(branching ? "branching: {from: \(from), atTurn: \(atTurn)}" : "")
        """
    return try ExperimentLoader.load(yaml: yaml, file: "branched.yaml", baseDirectory: "/tmp")
}

@Suite("Branching")
struct BranchingTests {
    /// The trunk and branched discussions of each replicate, from the design.
    static func pairs(_ experiment: Experiment) -> [(trunk: DesignCell, branch: DesignCell)] {
        let cells = Design(experiment: experiment).cells
        return cells.compactMap { cell in
            guard let trunkId = cell.trunkDiscussionId, let trunk = cells.first(where: { $0.discussionId == trunkId }) else { return nil }
            return (trunk, cell)
        }
    }

    @Test("the prefix is an exact copy (text, order, calls), ids are namespaced, links stored; the continuation diverges")
    func prefixAndDivergence() async throws {
        let experiment = try branchedExperiment()
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        let report = try await run(experiment, store: store, client: model, concurrency: 4)
        #expect(report.finished == 4 && report.failed == 0)
        let links = try await store.branchLinks()
        let pairs = Self.pairs(experiment)
        #expect(pairs.count == 2 && links.count == 2)
        for (trunk, branch) in pairs {
            #expect(branch.condition.id == "strategy=guidelines;model=scripted;branch_turn=3")
            #expect(links[branch.discussionId] == BranchLink(discussionId: branch.discussionId, branchedFromDiscussion: trunk.discussionId, branchTurn: 3))
            let t = try await store.turns(of: trunk.discussionId)
            let b = try await store.turns(of: branch.discussionId)
            // The trunk has no moderator: its first three turns are user turns 1…3.
            let prefix = Array(t.prefix(3))
            let copied = Array(b.prefix(3))
            #expect(copied.map(\.text) == prefix.map(\.text))
            #expect(copied.map(\.speaker) == prefix.map(\.speaker))
            #expect(copied.map(\.turnIndex) == [1, 2, 3])
            #expect(copied.map(\.decision) == prefix.map(\.decision))
            #expect(copied.map(\.call.callKey) == prefix.map(\.call.callKey))
            #expect(copied.map(\.rawText) == prefix.map(\.rawText))
            // Namespaced: derived from the branched discussion, distinct from the trunk's.
            #expect(copied.map(\.id) == (1...3).map { SeedDerivation.uuid(branch.seed, "turn", branch.discussionId, String($0)) })
            #expect(Set(copied.map(\.id)).isDisjoint(with: Set(t.map(\.id))))
            let origins = try await store.turnOrigins(of: branch.discussionId)
            #expect(origins == Dictionary(uniqueKeysWithValues: zip(copied.map(\.id), prefix.map(\.id))))
            // Continuation: the branch's moderator answers user turn 3, then turns go on under guidelines.
            #expect(b[3].role == .moderator && b[3].turnIndex == 4)
            #expect(b.filter { $0.decision != nil }.count == 6)
            let trunkAfter = t.dropFirst(3).filter { $0.decision != nil }.compactMap(\.text)
            let branchAfter = b.dropFirst(3).filter { $0.decision != nil }.compactMap(\.text)
            #expect(trunkAfter.count == 3 && branchAfter.count == 3)
            #expect(trunkAfter != branchAfter, "the continuation should diverge under another strategy")
            // The same user order after the branch point: the turn taker continued from the trunk's state.
            #expect(t.filter { $0.decision != nil }.map(\.speaker) == b.filter { $0.decision != nil }.map(\.speaker))
        }
        // Calls: the prefix was generated once. 2 trunks × 6 user turns; 2 branches × (3 user turns + a moderator
        // turn after each of user turns 3…6).
        let users = model.requests.filter { !($0.messages.first?.content.contains("You moderate an online discussion forum") ?? false) }
        let expectedUsers: Int = 2 * 6 + 2 * 3
        let expectedCalls: Int = 2 * 6 + 2 * (3 + 4)
        #expect(users.count == expectedUsers)
        #expect(model.requests.count == expectedCalls)
        let plan = try ExperimentPlanner.plan(experiment)
        #expect(plan.userCalls + plan.moderatorCalls + plan.decisionCalls == model.requests.count)
        // The store's totals count the copied prefix once.
        #expect(try await store.summary().calls == model.requests.count)
    }

    @Test("a moderated trunk: its moderator turns before user turn K are copied, the unmoderated branch adds none; resume and plan agree")
    func moderatedTrunk() async throws {
        let experiment = try branchedExperiment(from: "guidelines")
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        let report = try await run(experiment, store: store, client: model, concurrency: 4)
        #expect(report.finished == 4 && report.failed == 0)
        for (trunk, branch) in Self.pairs(experiment) {
            #expect(branch.condition.strategy == "none")
            let t = try await store.turns(of: trunk.discussionId)
            let b = try await store.turns(of: branch.discussionId)
            let cutoff = try #require(t.filter { $0.decision != nil }.dropFirst(2).first?.turnIndex)
            // Trunk: user, moderator, user, moderator, user(3) → cutoff 5; the branch copies exactly those rows.
            #expect(cutoff == 5)
            #expect(b.filter { $0.turnIndex <= cutoff }.map(\.text) == t.filter { $0.turnIndex <= cutoff }.map(\.text))
            #expect(b.filter { $0.turnIndex > cutoff }.allSatisfy { $0.role != .moderator })
            #expect(try await store.turnOrigins(of: branch.discussionId).count == 5)
        }
        let plan = try ExperimentPlanner.plan(experiment)
        #expect(plan.userCalls + plan.moderatorCalls == model.requests.count)
    }

    @Test("trunk ids are those of the same design without branching; several branch points are conditions of their own")
    func design() throws {
        let branched = try branchedExperiment(atTurn: "[2, 4]")
        let plain = try branchedExperiment(branching: false)
        let d = Design(experiment: branched)
        #expect(d.conditions.map(\.label) == ["none", "guidelines/branch_turn=2", "guidelines/branch_turn=4"])
        #expect(d.conditions.map(\.branchTurn) == [nil, 2, 4])
        let trunkIds = d.cells.filter { $0.condition.strategy == "none" }.map(\.discussionId)
        #expect(trunkIds == Design(experiment: plain).cells.filter { $0.condition.strategy == "none" }.map(\.discussionId))
        #expect(d.cells.filter { $0.condition.branchTurn != nil }.map { $0.trunkDiscussionId ?? "" } == trunkIds + trunkIds)
        #expect(branched.designHash != plain.designHash)
    }

    @Test("several branch points: each copies its own prefix from the one trunk")
    func severalBranchPoints() async throws {
        let experiment = try branchedExperiment(atTurn: "[2, 4]", replicates: 1)
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        let report = try await run(experiment, store: store, client: model, concurrency: 3)
        #expect(report.finished == 3)
        let links = try await store.branchLinks()
        #expect(Set(links.values.map(\.branchTurn)) == [2, 4])
        for link in links.values {
            #expect(try await store.turnOrigins(of: link.discussionId).count == link.branchTurn)
        }
        let plan = try ExperimentPlanner.plan(experiment)
        #expect(plan.userCalls + plan.moderatorCalls == model.requests.count)
    }

    @Test("an interrupted branched run resumes to the uninterrupted result; the prefix is stored once", arguments: [1, 12])
    func resume(failingCall: Int) async throws {
        let experiment = try branchedExperiment()
        let reference = try Store.inMemory()
        try await run(experiment, store: reference, client: ScriptedChatModel(), concurrency: 1)
        let store = try Store.inMemory()
        // Call 1: the first trunk fails at its second user turn, before the branch point (its branch fails too).
        // Call 12: the first branched discussion fails at its first own call (the moderator after user turn 3).
        let first = try await run(experiment, store: store, client: FailingModel(failing: [failingCall]), concurrency: 1)
        #expect(first.failed >= 1)
        let second = try await run(experiment, store: store, client: ScriptedChatModel(), concurrency: 1)
        #expect(second.failed == 0)
        #expect(try await content(store) == (try await content(reference)))
        for (_, branch) in Self.pairs(experiment) {
            #expect(try await store.turnOrigins(of: branch.discussionId).count == 3)
        }
    }

    @Test("--branch-from: trunks are copied from a finished store of the same file, only the continuations call the model")
    func branchFrom() async throws {
        let plain = try branchedExperiment(branching: false)
        let source = try Store.inMemory()
        try await run(plain, store: source, client: ScriptedChatModel(), concurrency: 2)
        let experiment = try branchedExperiment()
        let store = try Store.inMemory()
        let model = ScriptedChatModel()
        var runner = ExperimentRunner(
            experiment: experiment, store: store, models: bindings(experiment, model), concurrency: 2, specText: "spec")
        runner.branchSource = source
        let report = try await runner.run()
        #expect(report.finished == 2 && report.failed == 0)
        let continuationCalls: Int = 2 * (3 + 4)
        #expect(model.requests.count == continuationCalls)
        for (trunk, branch) in Self.pairs(experiment) {
            let original = try await source.turns(of: trunk.discussionId)
            #expect(try await store.turns(of: trunk.discussionId).map(\.text) == original.map(\.text))
            #expect(try await store.turns(of: branch.discussionId).prefix(3).map(\.text) == original.prefix(3).map(\.text))
        }
        // The same result as branching within one run (deterministic model).
        let together = try Store.inMemory()
        try await run(experiment, store: together, client: ScriptedChatModel(), concurrency: 2)
        #expect(try await content(store) == (try await content(together)))
    }

    @Test("--branch-from copies a trunk's seed thread: every seed comment with its author, as in the source store")
    func branchFromSeedThread() async throws {
        let source = try Store.inMemory()
        try await run(try SeedThreadRunTests.experiment(), store: source, client: ScriptedChatModel(), concurrency: 2)
        let branched = try SeedThreadRunTests.experiment(extra: "branching: {from: none, atTurn: 2}")
        let store = try Store.inMemory()
        var runner = ExperimentRunner(
            experiment: branched, store: store, models: bindings(branched, ScriptedChatModel()), concurrency: 2, specText: "spec")
        runner.branchSource = source
        #expect(try await runner.run().failed == 0)
        // The replicate whose seed is the two-comment thread.
        var threaded: (trunk: DesignCell, branch: DesignCell)?
        for pair in Self.pairs(branched) where try await source.discussion(id: pair.trunk.discussionId)?.seedCommentIndex == 0 {
            threaded = pair
        }
        let (trunk, branch) = try #require(threaded)
        let original = try #require(try await source.discussion(id: trunk.discussionId))
        let copied = try #require(try await store.discussion(id: trunk.discussionId))
        let seeds = try await store.seedComments(of: copied)
        #expect(seeds.map(\.author) == ["renter_rita", "landlord_lou"])
        #expect(seeds == (try await source.seedComments(of: original)))
        // The branched discussion has the same thread (from the design).
        let branchRecord = try #require(try await store.discussion(id: branch.discussionId))
        #expect(try await store.seedComments(of: branchRecord).map(\.text) == seeds.map(\.text))
    }

    @Test("--branch-from refuses a store whose trunk did not finish, naming the discussion, and a store of another design")
    func branchFromRefusals() async throws {
        let plain = try branchedExperiment(branching: false)
        let failed = try Store.inMemory()
        try await run(plain, store: failed, client: FailingModel(failing: [1]), concurrency: 1)
        let experiment = try branchedExperiment()
        let trunk = try #require(Self.pairs(experiment).first?.trunk)
        for (source, expected) in [(failed, "trunk discussion \(trunk.discussionId) (none replicate 0) is failed")] {
            let store = try Store.inMemory()
            var runner = ExperimentRunner(
                experiment: experiment, store: store, models: bindings(experiment, ScriptedChatModel()), concurrency: 1, specText: "spec")
            runner.branchSource = source
            let configured = runner
            await #expect(throws: EngineError.self) { try await configured.run() }
            do {
                _ = try await configured.run()
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
            #expect(try await store.turnOrigins(of: Self.pairs(experiment)[0].branch.discussionId).isEmpty)
        }
        let other = try Store.inMemory()
        try await run(try branchedExperiment(replicates: 1, branching: false), store: other, client: ScriptedChatModel(), concurrency: 1)
        var runner = ExperimentRunner(
            experiment: experiment, store: try Store.inMemory(), models: bindings(experiment, ScriptedChatModel()), concurrency: 1,
            specText: "spec")
        runner.branchSource = other
        do {
            _ = try await runner.run()
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("another design"), "\(error)")
        }
    }

    @Test("sdf merge keeps the branch links and the copied rows' origins")
    func mergeKeepsLinks() async throws {
        let dir = try temporaryFolder("branch-merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let experiment = try branchedExperiment()
        let store = try Store.open(path: dir + "/branched.sqlite")
        try await run(experiment, store: store, client: ScriptedChatModel(), concurrency: 2)
        let links = try await store.branchLinks()
        #expect(links.count == 2)
        _ = try await StoreMerge.merge(inputs: [dir + "/branched.sqlite"], output: dir + "/merged.sqlite")
        let merged = try Store.openExisting(path: dir + "/merged.sqlite")
        #expect(try await merged.branchLinks() == links)
        for id in links.keys {
            let origins = try await store.turnOrigins(of: id)
            let mergedOrigins = try await merged.turnOrigins(of: id)
            #expect(origins.count == 3 && mergedOrigins == origins)
        }
    }

    @Test("a branch point outside the trunk (an edited store) pairs nothing in the report instead of stopping it")
    func reportGuardsTheBranchPoint() async throws {
        let dir = try temporaryFolder("branch-guard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store.open(path: dir + "/s.sqlite")
        try await run(try branchedExperiment(), store: store, client: ScriptedChatModel(), concurrency: 2)
        for k in [-5, 0, 999] {
            try await store.writer.write { db in try db.execute(sql: "UPDATE discussion SET branchTurn = ? WHERE branchTurn IS NOT NULL", arguments: [k]) }
            let analysis = try await ExperimentAnalysis.build(store: store, options: AnalysisOptions(bootstrapResamples: 50))
            #expect(analysis.paired?.isEmpty ?? true, "branch turn \(k)")
        }
    }

    @Test("--shard with branching is refused before anything is written")
    func shardRefused() async throws {
        let experiment = try branchedExperiment()
        let store = try Store.inMemory()
        var runner = ExperimentRunner(
            experiment: experiment, store: store, models: bindings(experiment, ScriptedChatModel()), concurrency: 1, specText: "spec")
        runner.shard = try ShardSpec.parse("0/2")
        let configured = runner
        do {
            _ = try await configured.run()
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("cannot be sharded"), "\(error)")
        }
        #expect(try await store.discussions().isEmpty)
    }

    @Test("validation: unknown strategy, branch point out of range, nothing to branch")
    func validation() throws {
        func problems(_ body: () throws -> Experiment) -> String {
            do {
                _ = try body()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let unknown = problems { try branchedExperiment(from: "nonesuch") }
        #expect(unknown.contains("branching.from") && unknown.contains("unknown strategy 'nonesuch'"))
        let zero = problems { try branchedExperiment(atTurn: "0") }
        #expect(zero.contains("branching.atTurn") && zero.contains("between 1 and 5"))
        let beyond = problems { try branchedExperiment(atTurn: "[2, 6]") }
        #expect(beyond.contains("branch point 6 is outside the discussion"))
        #expect(!beyond.contains("branch point 2"))
        let repeated = problems { try branchedExperiment(atTurn: "[2, 2]") }
        #expect(repeated.contains("repeat"))
        #expect(problems { try branchedExperiment(atTurn: "[1, 5]") } == "")
    }
}

@Suite("Branching end to end (fake server)", .serialized)
struct BranchingEndToEndTests {
    @Test("a branched experiment runs and annotates on the fake server; the report has the paired analysis per replicate")
    func pairedReport() async throws {
        let (result, file) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let file = try writeExperiment(url: url, name: "branching-e2e", extra: "\nbranching: {from: none, atTurn: 2}\n")
            return (try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false)), file)
        }
        #expect(result.exitCode == .allDone)
        let store = try Store.openExisting(path: ExperimentRunOptions.defaultStorePath(for: file))
        #expect(try await store.branchLinks().count == 2)
        let analysis = try await ExperimentAnalysis.build(store: store, options: AnalysisOptions(bootstrapResamples: 200))
        let paired = try #require(analysis.paired)
        #expect(paired.map(\.branched).allSatisfy { $0 == "guidelines/branch_turn=2" } && paired.map(\.trunk).allSatisfy { $0 == "none" })
        #expect(paired.contains { $0.replicates.count == 2 && $0.comparison?.n == 2 }, "\(paired)")
        #expect(ReportBuilder.html(analysis).contains("id=\"paired\""))
        // The tidy export carries the links.
        let tables = try await TidyExport.tables(store: store)
        let discussions = try #require(tables.first { $0.name == "discussions" })
        let comments = try #require(tables.first { $0.name == "comments" })
        #expect(Array(discussions.columns.suffix(2)) == ["branched_from_discussion", "branch_turn"])
        #expect(comments.columns.last == "branched_from")
        #expect(discussions.rows.filter { $0.last == .int(2) }.count == 2)
        #expect(comments.rows.filter { $0.last != .null }.count == 4)
        // So do ConvoKit's conversation and utterance meta.
        let corpus = try await ConvoKitExport.corpus(store: store)
        func meta(_ value: ConvoKitJSON) -> [String: ConvoKitJSON] {
            if case .object(let o) = value, case .object(let m)? = o["meta"] { return m }
            return [:]
        }
        let conversationMetas = corpus.conversations.values.map(meta)
        #expect(conversationMetas.filter { $0["branch_turn"] == .int(2) }.count == 2)
        #expect(conversationMetas.filter { $0["branch_turn"] == .null && $0["branched_from_discussion"] == .null }.count == 2)
        let links = try await store.branchLinks()
        for m in conversationMetas where m["branch_turn"] == .int(2) {
            guard case .string(let id)? = m["discussion_id"], case .string(let trunk)? = m["branched_from_discussion"] else {
                Issue.record("no ids in \(m)")
                continue
            }
            #expect(links[id]?.branchedFromDiscussion == trunk)
        }
        let copied = corpus.utterances.map(meta).filter { $0["branched_from"] != nil && $0["branched_from"] != .null }
        #expect(copied.count == 4)
        #expect(corpus.utterances.map(meta).allSatisfy { $0["branched_from"] != nil })
    }

    @Test("--branch-from with an annotation stage: the copied trunks are annotated in the new store too")
    func branchFromAnnotates() async throws {
        let (result, branchedFile) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, _ in
            let plainFile = try writeExperiment(url: url, name: "branch-from-source")
            let plain = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: plainFile, writesReport: false))
            #expect(plain.exitCode == .allDone)
            let branchedFile = try writeExperiment(url: url, name: "branch-from-target", extra: "\nbranching: {from: none, atTurn: 2}\n")
            let result = try await ExperimentRun.run(
                ExperimentRunOptions(
                    experimentFile: branchedFile, writesReport: false, branchFrom: ExperimentRunOptions.defaultStorePath(for: plainFile)))
            return (result, branchedFile)
        }
        #expect(result.exitCode == .allDone)
        let store = try Store.openExisting(path: ExperimentRunOptions.defaultStorePath(for: branchedFile))
        let comments = try await store.allTurns().filter { $0.outcome == .comment }
        let annotated = Set(try await store.annotations().map(\.commentId))
        #expect(!comments.isEmpty)
        #expect(comments.filter { !annotated.contains($0.id) && $0.role != .moderator }.isEmpty)
    }

    @Test("sdf run --branch-from without a branching section exits 64 before anything is written")
    func flagWithoutBranching() async throws {
        let file = try writeExperiment(url: "http://127.0.0.1:9/v1", name: "branch-from-flag")
        let result = try await sdf(["run", file, "--branch-from", "/nonexistent/other.sqlite"])
        #expect(result.status == 64 && result.stderr.contains("--branch-from needs a 'branching' section"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ExperimentRunOptions.defaultStorePath(for: file)))
    }
}
