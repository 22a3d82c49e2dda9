import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

/// `small.yaml` with two factors: turn-taking (round-robin / respond) and trolls (none / some).
func factorExperiment(replicates: Int = 2) throws -> Experiment {
    let yaml = """
        version: 1
        name: factors
        seed: 42
        replicates: \(replicates)
        personas: [{username: ann, age: 31}, {username: bob, age: 45}, {username: cem, age: 27}, {username: dia, age: 52}]
        seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished.", "Tipping has gone too far."]
        discussion: {users: 3, turns: 4, historyLength: 3, turnTaking: {policy: respond, p: 0.4}}
        strategies: [none, guidelines]
        models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
        factors:
          turn_taking:
            round_robin: {discussion: {turnTaking: {policy: roundRobin}}}
            respond: {}
          trolls:
            none: {}
            some: {trolls: {share: 0.34, instructions: SABOTAGE}}
        """
    return try ExperimentLoader.load(yaml: yaml, file: "factors.yaml", baseDirectory: "/tmp")
}

@Suite("Running designs with factors, sampling knobs and plans", .serialized)
struct DesignFactorRunTests {
    @Test func eachConditionRunsItsLevelsAndStoresAndExportsThem() async throws {
        let experiment = try factorExperiment()
        let store = try Store.inMemory()
        let report = try await run(experiment, store: store, client: ScriptedChatModel())
        #expect(report.planned == 2 * 4 * 2 && report.finished == 16 && report.failed == 0)
        let discussions = try await store.discussions()
        #expect(Set(discussions.map(\.conditionLabel)).count == 8)
        for d in discussions {
            let levels = Dictionary(uniqueKeysWithValues: d.factorLevels.map { ($0.factor, $0.level) })
            #expect(d.factorLevels.map(\.factor) == ["turn_taking", "trolls"])
            #expect(d.conditionLabel == "\(d.strategy)/turn_taking=\(levels["turn_taking"]!)/trolls=\(levels["trolls"]!)")
            let participants = try await store.participants(of: d.id)
            let trolls = participants.filter { $0.role == .troll }
            #expect(trolls.count == (levels["trolls"] == "some" ? 1 : 0))
            #expect(trolls.allSatisfy { $0.instructions == "SABOTAGE" })
            if levels["turn_taking"] == "round_robin" {
                #expect(d.turnTaking.description.contains("roundRobin"), "\(d.turnTaking.description)")
            } else {
                #expect(d.turnTaking.description.contains("respond"), "\(d.turnTaking.description)")
            }
        }
        // Replicate r has the same seed comment and users in all 8 conditions.
        for r in 0..<2 {
            let replicate = discussions.filter { $0.replicate == r }
            #expect(Set(replicate.map(\.seedCommentIndex)).count == 1)
            var users = Set<[String]>()
            for d in replicate { users.insert(try await store.participants(of: d.id).filter { $0.role != .moderator }.map(\.username)) }
            #expect(users.count == 1)
        }
        #expect(Set(discussions.filter { $0.replicate < 2 }.map(\.seedCommentIndex)).count == 2)
        // One column per factor in the discussions and comments tables.
        let tables = try await TidyExport.tables(store: store)
        let discussionTable = try #require(tables.first { $0.name == "discussions" })
        let comments = try #require(tables.first { $0.name == "comments" })
        // `turn_taking` is a column of the discussions table already (the policy), so its factor column is
        // `factor_turn_taking`, in both tables.
        #expect(Array(discussionTable.columns.suffix(2)) == ["factor_turn_taking", "trolls"])
        #expect(Array(comments.columns.suffix(2)) == ["factor_turn_taking", "trolls"])
        #expect(comments.rows.allSatisfy { $0.count == comments.columns.count })
        let conditionColumn = try #require(discussionTable.columns.firstIndex(of: "condition"))
        for row in discussionTable.rows {
            guard case .text(let label) = row[conditionColumn], case .text(let tt) = row[row.count - 2], case .text(let tr) = row[row.count - 1]
            else { Issue.record("unexpected row \(row)"); continue }
            #expect(label.hasSuffix("/turn_taking=\(tt)/trolls=\(tr)"))
        }
        // Resuming the finished store does nothing.
        let again = try await run(experiment, store: store, client: ScriptedChatModel())
        #expect(again.skipped == 16 && again.finished == 0)
    }

    @Test func aStoreWrittenBeforeBalancedAssignmentResumesWithItsOwnPlan() async throws {
        let balanced = try smallExperiment(replicates: 3)
        let earlier = balanced.with(assignment: .independentDraws)
        #expect(balanced.designHash != earlier.designHash)
        let store = try Store.inMemory()
        // The previous version's run (independent draws), cut off: every call after the 15th fails, so some
        // discussions are done, one is partial and the rest failed on their first turn.
        let calls = Counter()
        let failing = ScriptedChatModel { request in
            if calls.next() > 15 { throw LLMError(.server, "down") }
            return ScriptedChatModel.defaultScript(request)
        }
        let first = try await run(earlier, store: store, client: failing, concurrency: 1)
        #expect(first.finished >= 1 && first.failed >= 1)
        var participantsBefore: [String: [String]] = [:]
        var seedsBefore: [String: Int] = [:]
        for d in try await store.discussions() {
            participantsBefore[d.id] = try await store.participants(of: d.id).map(\.username)
            seedsBefore[d.id] = d.seedCommentIndex
        }
        #expect(try await ExperimentRunner.matchingStore(balanced, store: store).replicateAssignment == .independentDraws)
        // Resuming with the new version's experiment (balanced by default) continues the old plan: the partial
        // discussion's replayed turns match (a different plan would stop with a store mismatch), every discussion
        // keeps its users and seed comment, and the result equals an uninterrupted run of the old plan.
        let resumed = try await run(balanced, store: store, client: ScriptedChatModel())
        #expect(resumed.failed == 0 && resumed.skipped == first.finished)
        for d in try await store.discussions() where participantsBefore[d.id] != nil {
            #expect(try await store.participants(of: d.id).map(\.username) == participantsBefore[d.id])
            #expect(d.seedCommentIndex == seedsBefore[d.id])
        }
        let reference = try Store.inMemory()
        try await run(earlier, store: reference, client: ScriptedChatModel())
        #expect(try await content(store) == content(reference))
        // A new store gets the balanced plan.
        #expect(try await ExperimentRunner.matchingStore(balanced, store: try Store.inMemory()).replicateAssignment == .balanced)
    }

    @Test func samplingKnobsAreSentOnTheWireAndStoredWithEachCall() async throws {
        let (bodies, storePath) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let dir = try temporaryFolder("knobs")
            let file = dir + "/e.yaml"
            let yaml = crashExperimentYAML(url: url).replacingOccurrences(
                of: "maxTokens: 40}]",
                with: "maxTokens: 40, frequencyPenalty: 0.5, presencePenalty: -0.25, seed: 1234, extraBody: {repeat_penalty: 1.1, "
                    + "dry_multiplier: 0.8, samplers: [top_k, min_p], temperature: 9}}]")
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            do {
                _ = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
                Issue.record("extraBody.temperature was accepted")
            } catch let error as ExperimentRunError {
                #expect(error.exitCode == .badExperiment)
                #expect(error.message.contains("models[0].extraBody.temperature: 'temperature' is set by SDF itself"))
            }
            try yaml.replacingOccurrences(of: ", temperature: 9}", with: "}").write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            #expect(result.allDone)
            return (log.all, result.storePath)
        }
        let turnBodies = bodies.filter { !$0.contains("response_format") && !$0.contains("rater") }
        #expect(!turnBodies.isEmpty)
        for body in turnBodies {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(json["frequency_penalty"] as? Double == 0.5)
            #expect(json["presence_penalty"] as? Double == -0.25)
            #expect(json["seed"] as? Int == 1234)
            #expect(json["repeat_penalty"] as? Double == 1.1)
            #expect(json["dry_multiplier"] as? Double == 0.8)
            #expect(json["samplers"] as? [String] == ["top_k", "min_p"])
            #expect(json["temperature"] as? Double == 0.8)
        }
        let store = try Store.openExisting(path: storePath)
        let turns = try await store.allTurns()
        #expect(!turns.isEmpty)
        for t in turns {
            #expect(t.call.sampling.frequencyPenalty == 0.5 && t.call.sampling.presencePenalty == -0.25 && t.call.sampling.seed == 1234)
            #expect(t.call.sampling.extraBody?["repeat_penalty"] == .double(1.1))
        }
        // The annotator's model has none of them: its requests carry none.
        let annotationBodies = bodies.filter { $0.contains("response_format") }
        #expect(!annotationBodies.isEmpty && annotationBodies.allSatisfy { !$0.contains("frequency_penalty") && !$0.contains("repeat_penalty") })
    }

    @Test func thePlansCallCountEqualsAScriptedRunsRecordedCalls() async throws {
        let (requests, file) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "plan-count", extra: "\n  annotateModerator: false\n")
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            #expect(result.allDone)
            return (log.all.count, file)
        }
        let experiment = try ExperimentLoader.load(path: file)
        let plan = try ExperimentPlanner.plan(experiment)
        let store = try Store.openExisting(path: ExperimentRunOptions.defaultStorePath(for: file))
        let turns = try await store.allTurns()
        let annotations = try await store.annotations()
        #expect(plan.discussions == 4)
        #expect(plan.userCalls == turns.filter { $0.role != .moderator }.count)
        #expect(plan.moderatorCalls == turns.filter { $0.role == .moderator }.count)
        #expect(plan.annotationCalls == annotations.count)
        #expect(plan.maxCalls == requests)
        #expect(plan.maxCalls == turns.count + annotations.count)
        // The moderator abstained sometimes (the script's "(silent)"), yet the counts are exact: user turns never
        // abstain here and moderator comments are not annotated.
        #expect(turns.contains { $0.role == .moderator && $0.outcome == .abstention })
        // With the store as --from: its rates and throughput.
        let measured = try await ExperimentPlanner.measure(storePath: ExperimentRunOptions.defaultStorePath(for: file))
        #expect(measured.calls == requests)
        #expect(measured.userAbstentionRate == 0)
        #expect(measured.moderatorAbstentionRate > 0)
        let withStore = try ExperimentPlanner.plan(experiment, measured: measured)
        // No user abstained and moderator comments are not annotated: the expected count is the exact one.
        #expect(withStore.expectedCalls == Double(plan.maxCalls))
        // With moderator comments annotated, the expected count discounts them by the measured moderator rate.
        var annotatingModerator = experiment
        annotatingModerator.annotation?.annotateModerator = true
        let both = try ExperimentPlanner.plan(annotatingModerator, measured: measured)
        let moderatorAnnotations = Double(plan.moderatorCalls * 2)
        #expect(both.annotationCalls == plan.annotationCalls + plan.moderatorCalls * 2)
        #expect(abs(both.expectedCalls - (Double(plan.maxCalls) + moderatorAnnotations * (1 - measured.moderatorAbstentionRate))) < 1e-9)
        #expect(withStore.expectedWallSeconds != nil)
        #expect(withStore.text.contains("Wall time: about"))
        // The replicate assignment printed is the one the run used.
        for d in try await store.discussions() {
            #expect(plan.assignment[d.replicate].seedCommentIndex == d.seedCommentIndex)
        }
    }

    @Test func thePlanTextListsConditionsLevelsCountsAssignmentAndCost() throws {
        var experiment = try factorExperiment(replicates: 3)
        experiment.spec.models[0].price = ModelPrice(input: 1, output: 2)
        let plan = try ExperimentPlanner.plan(experiment)
        #expect(plan.conditions.count == 8 && plan.discussions == 24)
        #expect(plan.userCalls == 24 * 4)
        // afterEveryComment: one moderator call per user turn in the 12 guidelines discussions.
        #expect(plan.moderatorCalls == 12 * 4)
        #expect(plan.annotationCalls == 0)
        #expect(plan.completionTokens == (plan.userCalls + plan.moderatorCalls) * 50)
        let cost = try #require(plan.cost)
        #expect(abs(cost - (Double(plan.promptTokens) * 1 + Double(plan.completionTokens) * 2) / 1e6) < 1e-12)
        let text = plan.text
        #expect(text.contains("8 conditions × 3 replicates = 24 discussions"))
        #expect(text.contains("guidelines/turn_taking=respond/trolls=some"))
        #expect(text.contains("LLM calls: 144 if no agent abstains (user turns 96, moderator 48, annotations 0)."))
        #expect(text.contains("Replicate assignment"))
        #expect(plan.assignment.map(\.seedCommentIndex).sorted() == [0, 1, 2])
    }
}

/// A thread-safe call counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Increments and returns the new value.
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

@Suite("sdf plan on the command line", .serialized)
struct PlanCommandTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/plan-factors.txt")

    /// `sdf plan` prints the plan (golden text: conditions with levels, counts, token bounds, assignment, cost) and
    /// exits 0; a bad experiment file exits 2 with the factor and level named; an unreadable `--from` exits 4.
    @Test func planPrintsTheGoldenTextAndExitsWithTheHouseCodes() async throws {
        let dir = try temporaryFolder("plan-cli")
        let file = dir + "/factors.yaml"
        let yaml = """
            version: 1
            name: factors
            seed: 42
            replicates: 3
            personas: [{username: ann, age: 31}, {username: bob, age: 45}, {username: cem, age: 27}, {username: dia, age: 52}]
            seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished.", "Tipping has gone too far."]
            discussion: {users: 3, turns: 4, historyLength: 3, turnTaking: {policy: respond, p: 0.4}}
            strategies: [none, guidelines]
            models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50, price: {input: 0.5, output: 1.5}}]
            annotation:
              annotators: [{username: rater1, age: 40}]
              model: {name: rater, endpoint: "http://127.0.0.1:9/v1", maxTokens: 20}
            factors:
              turn_taking:
                round_robin: {discussion: {turnTaking: {policy: roundRobin}}}
                respond: {}
              trolls:
                none: {}
                some: {trolls: {share: 0.34}}
            conditions:
              - {turn_taking: respond, trolls: some}
              - {turn_taking: round_robin}
              - {trolls: none, turn_taking: respond}
            """
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await sdf(["plan", file], deadline: 120)
        #expect(result.status == 0, "\(result.stderr)")
        if ProcessInfo.processInfo.environment["SDF_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try result.stdout.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(result.stdout == expected)

        try yaml.replacingOccurrences(of: "some: {trolls: {share: 0.34}}", with: "some: {trolls: {shar: 0.34}}")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try await sdf(["plan", file], deadline: 120)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("factors.trolls.some: trolls.shar: no such key (did you mean share?)"), "\(bad.stderr)")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let missing = try await sdf(["plan", file, "--from", dir + "/none.sqlite"], deadline: 120)
        #expect(missing.status == 4, "\(missing.stderr)")
    }
}
