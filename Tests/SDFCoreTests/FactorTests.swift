import Foundation
import Testing
import Yams

@testable import SDFCore

enum FactorFixtures {
    static let base = """
        version: 1
        seed: 42
        replicates: 2
        personas: [{username: ann}, {username: bob}, {username: cem}, {username: dia}]
        seedComments: [One, Two, Three]
        discussion:
          users: 3
          turns: 4
          turnTaking: {policy: respond, p: 0.4}
        trolls: {share: 0.34}
        strategies: [none, guidelines]
        models: [{name: m, endpoint: "http://127.0.0.1:9/v1"}]
        """

    static let factors = """
        factors:
          turn_taking:
            round_robin: {discussion: {turnTaking: {policy: roundRobin}}}
            respond:     {discussion: {turnTaking: {policy: respond, p: 0.7}}}
          trolls:
            none: {trolls: null}
            some: {trolls: {share: 0.67}}
        """

    static func load(_ yaml: String) throws -> Experiment {
        try ExperimentLoader.load(yaml: yaml, file: "f.yaml", baseDirectory: "/nonexistent")
    }

    /// The diagnostics' descriptions of a file that must not load.
    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            return ["loaded"]
        } catch let error as ExperimentFileError {
            return error.diagnostics.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }
}

@Suite("Factors: levels as deep-merged overrides")
struct FactorTests {
    @Test func fullFactorialIsStrategiesTimesModelsTimesEveryLevel() throws {
        let e = try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors)
        #expect(e.factors == [Factor(name: "turn_taking", levels: ["round_robin", "respond"]), Factor(name: "trolls", levels: ["none", "some"])])
        let design = Design(experiment: e)
        #expect(design.conditions.count == 2 * 1 * 4)
        #expect(design.cells.count == 8 * 2)
        #expect(design.conditions.map(\.label) == [
            "none/turn_taking=round_robin/trolls=none", "none/turn_taking=round_robin/trolls=some",
            "none/turn_taking=respond/trolls=none", "none/turn_taking=respond/trolls=some",
            "guidelines/turn_taking=round_robin/trolls=none", "guidelines/turn_taking=round_robin/trolls=some",
            "guidelines/turn_taking=respond/trolls=none", "guidelines/turn_taking=respond/trolls=some",
        ])
        #expect(design.conditions[3].id == "strategy=none;model=m;turn_taking=respond;trolls=some")
        #expect(design.conditions[3].level(of: "trolls") == "some")
        // Each condition runs its own merged experiment.
        let rr = e.experiment(for: design.conditions[0])
        if case .roundRobin = rr.spec.discussion.turnTaking {} else { Issue.record("expected roundRobin, got \(rr.spec.discussion.turnTaking)") }
        #expect(rr.spec.trolls == nil)
        let respondSome = e.experiment(for: design.conditions[3])
        #expect(respondSome.spec.discussion.turnTaking == .respond(p: 0.7))
        #expect(respondSome.spec.trolls?.share == 0.67)
        // Maps merge: the keys the level does not name keep the file's values.
        #expect(respondSome.spec.discussion.turns == 4 && respondSome.spec.discussion.users == 3)
        // Ids are distinct, and replicate r shares its replicate seed across conditions.
        #expect(Set(design.cells.map(\.discussionId)).count == design.cells.count)
        #expect(Set(design.cells.filter { $0.replicate == 1 }.map(\.replicateSeed)).count == 1)
    }

    @Test func explicitConditionsRunOnlyTheListedCombinationsAndLeftOutFactorsTakeTheFirstLevel() throws {
        let yaml = FactorFixtures.base + "\n" + FactorFixtures.factors + """

            conditions:
              - {turn_taking: respond, trolls: some}
              - {turn_taking: round_robin}
              - {trolls: none, turn_taking: respond}
            """
        let e = try FactorFixtures.load(yaml)
        #expect(e.levelCombinations.map(FactorLevel.key) == [
            "turn_taking=respond;trolls=some", "turn_taking=round_robin;trolls=none", "turn_taking=respond;trolls=none",
        ])
        let design = Design(experiment: e)
        #expect(design.conditions.count == 2 * 3)
        #expect(design.conditions.map(\.label).prefix(3) == [
            "none/turn_taking=respond/trolls=some", "none/turn_taking=round_robin/trolls=none", "none/turn_taking=respond/trolls=none",
        ])
        #expect(e.variants.count == 3)
    }

    @Test func deepMergeMapsMergeScalarsListsAndNullReplace() throws {
        let base = try #require(try Yams.compose(yaml: "a: {b: 1, c: [1, 2], d: {e: x, f: y}}\ng: keep\nh: {i: 1}"))
        let override = try #require(try Yams.compose(yaml: "a: {b: 2, c: [3], d: {f: z}}\nh: null\nnew: {k: v}"))
        let merged = FactorMerge.merge(base, override)
        let expected = try #require(try Yams.compose(yaml: "a: {b: 2, c: [3], d: {e: x, f: z}}\ng: keep\nh: null\nnew: {k: v}"))
        #expect(try Yams.serialize(node: merged) == Yams.serialize(node: expected))
        // A mapping over a scalar replaces it, a scalar over a mapping too.
        #expect(FactorMerge.merge(Node("1"), expected) == expected)
        #expect(FactorMerge.merge(expected, Node("1")) == Node("1"))
    }

    @Test func aListInALevelReplacesTheWholeList() throws {
        let yaml = FactorFixtures.base + """

            factors:
              seeds:
                all: {}
                one: {seedComments: [Only this]}
            """
        let e = try FactorFixtures.load(yaml)
        let conditions = Design(experiment: e).conditions
        #expect(e.experiment(for: conditions[0]).seedComments == ["One", "Two", "Three"])
        #expect(e.experiment(for: conditions[1]).seedComments == ["Only this"])
    }

    /// Golden texts of the validation messages: each names the file, the line of the level, the factor and level,
    /// and the key path.
    @Test func validationMessagesNameTheFactorLevelAndKeyPath() {
        let typo = FactorFixtures.base + """

            factors:
              trolls:
                none: {discussion: {turnTakng: {policy: roundRobin}}}
            """
        #expect(FactorFixtures.problems(typo) == [
            "f.yaml:15:25: factors.trolls.none: discussion.turnTakng: no such key (did you mean turnTaking?)"
        ])
        let invalid = FactorFixtures.base + """

            factors:
              trolls:
                many: {trolls: {share: 3}}
            """
        #expect(FactorFixtures.problems(invalid) == ["f.yaml:15:5: factors.trolls.many: trolls.share: expected a share in [0, 1], got 3.0"])
        let topLevel = FactorFixtures.base + """

            factors:
              size:
                big: {discusion: {users: 4}, models: [{name: x}]}
            """
        #expect(FactorFixtures.problems(topLevel) == [
            "f.yaml:15:11: factors.size.big: discusion: no such key (did you mean discussion?)",
            "f.yaml:15:34: factors.size.big: models: cannot be set by a factor level (levels override personas, seedComments, "
                + "discussion, users, trolls, moderator, prompts; strategies and models are design factors of their own)",
        ])
        let badCondition = FactorFixtures.base + "\n" + FactorFixtures.factors + """

            conditions:
              - {turn_taking: responds}
              - {trols: none}
            """
        #expect(FactorFixtures.problems(badCondition) == [
            "f.yaml:21:6: conditions[0].turn_taking: factor 'turn_taking' has no level 'responds' (did you mean respond?)",
            "f.yaml:22:6: conditions[1].trols: no factor 'trols' (did you mean trolls?)",
        ])
        // Problems of the sections and of the levels are reported together.
        let both = FactorFixtures.base + "\n" + FactorFixtures.factors.replacingOccurrences(of: "turnTaking: {policy: roundRobin}", with: "turnTakng: {policy: roundRobin}") + """

            conditions:
              - {turn_taking: respnd}
            """
        #expect(FactorFixtures.problems(both) == [
            "f.yaml:21:6: conditions[0].turn_taking: factor 'turn_taking' has no level 'respnd' (did you mean respond?)",
            "f.yaml:15:32: factors.turn_taking.round_robin: discussion.turnTakng: no such key (did you mean turnTaking?)",
        ])
        let notAMap = FactorFixtures.base + "\nfactors:\n  trolls:\n    none: 3\n"
        #expect(FactorFixtures.problems(notAMap) == [
            "f.yaml:15:5: factors.trolls.none: expected a mapping of overrides (a partial experiment), e.g. {trolls: {share: 0}}"
        ])
        let reserved = FactorFixtures.base + "\nfactors:\n  model:\n    a: {}\n"
        #expect(FactorFixtures.problems(reserved) == ["f.yaml:14:3: factors.model: 'model' is a design column already; name the factor otherwise"])
        let noFactors = FactorFixtures.base + "\nconditions:\n  - {trolls: none}\n"
        #expect(FactorFixtures.problems(noFactors) == [
            "f.yaml:13:1: conditions: 'conditions' lists combinations of factor levels, but the file has no 'factors'"
        ])
    }

    @Test func aDesignWithoutFactorsKeepsItsConditionIdsAndLabels() throws {
        let e = try FactorFixtures.load(FactorFixtures.base)
        #expect(e.factors.isEmpty && e.levelCombinations.isEmpty && e.variants.isEmpty)
        let design = Design(experiment: e)
        #expect(design.conditions.map(\.id) == ["strategy=none;model=m", "strategy=guidelines;model=m"])
        #expect(design.conditions.map(\.label) == ["none", "guidelines"])
        #expect(e.experiment(for: design.conditions[0]) == e)
    }

    /// The fingerprint exactly as the version before factors, balanced assignment and the new sampling knobs computed
    /// it (copied from that version): a design without them must hash the same so that its stores resume.
    static func previousFingerprint(_ e: Experiment) -> String {
        struct Fingerprint: Encodable {
            var seed: UInt64
            var replicates: Int
            var personas: [Persona]
            var seedComments: [String]
            var userInstructions: String
            var trollInstructions: String
            var trollShare: Double?
            var strategies: [Strategy]
            var discussion: DiscussionSettings
            var moderator: ModeratorSettings
            var models: [[String: String]]
            var templates: PromptTemplates
        }
        let spec = e.spec
        let fingerprint = Fingerprint(
            seed: spec.seed, replicates: spec.replicates, personas: e.personas, seedComments: e.seedComments,
            userInstructions: e.userInstructions, trollInstructions: e.trollInstructions, trollShare: spec.trolls?.share,
            strategies: e.strategies, discussion: spec.discussion, moderator: spec.moderator,
            models: spec.models.map {
                [
                    "name": $0.name, "local": String($0.isLocal), "model": $0.model ?? "", "gguf": $0.gguf ?? "",
                    "temperature": String($0.temperature), "topP": $0.topP.map { String($0) } ?? "",
                    "maxTokens": String($0.maxTokens),
                ]
            }, templates: e.templates)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(fingerprint)) ?? Data(), as: UTF8.self)
    }

    @Test func aDesignWithoutFactorsUnderIndependentDrawsHashesExactlyAsBefore() throws {
        // A price is not part of the design.
        let e = try FactorFixtures.load(
            FactorFixtures.base.replacingOccurrences(of: #"endpoint: "http://127.0.0.1:9/v1"}"#, with: #"endpoint: "http://127.0.0.1:9/v1", price: {input: 1, output: 2}}"#))
        #expect(e.spec.models[0].price == ModelPrice(input: 1, output: 2))
        let earlier = e.with(assignment: .independentDraws)
        #expect(earlier.designFingerprint == Self.previousFingerprint(e))
        #expect(earlier.designHash == RenderedPrompt.sha256Hex(Self.previousFingerprint(e)))
        // Balanced assignment is a different plan, so a different design; so are factors and sampling knobs.
        #expect(e.designHash != earlier.designHash)
        #expect(e.designFingerprint.contains(#""assignment":"balanced""#))
        let withFactors = try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors)
        #expect(withFactors.with(assignment: .independentDraws).designHash != earlier.designHash)
        var penalised = e
        penalised.spec.models[0].frequencyPenalty = 0.5
        #expect(penalised.designHash != e.designHash)
    }

    @Test func factorLevelsChangeTheHashOnlyThroughWhatTheyChange() throws {
        let a = try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors)
        let b = try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors.replacingOccurrences(of: "0.67", with: "0.5"))
        #expect(a.designHash != b.designHash)
        #expect(try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors).designHash == a.designHash)
    }
}

@Suite("Balanced replicate assignment")
struct BalancedAssignmentTests {
    @Test(arguments: [(3, 3), (3, 7), (5, 12), (2, 1), (4, 30)])
    func eachSeedCommentIsUsedAsEquallyAsTheCountsAllow(seeds: Int, replicates: Int) {
        for runSeed: UInt64 in [1, 42, 99, 12345] {
            let table = ReplicateAssignment.balanced(
                replicates: replicates, seedComments: seeds, personas: 7, usersPerDiscussion: 3, runSeed: runSeed)
            #expect(table.count == replicates)
            var counts = Array(repeating: 0, count: seeds)
            for a in table { counts[a.seedCommentIndex] += 1 }
            #expect(counts.allSatisfy { $0 == replicates / seeds || $0 == (replicates + seeds - 1) / seeds }, "\(counts)")
        }
    }

    @Test(arguments: [(7, 3), (10, 4), (4, 3), (5, 5), (6, 4)])
    func everyPersonaIsUsedWithinOneOfEveryOtherAfterEachReplicate(personas: Int, users: Int) {
        let table = ReplicateAssignment.balanced(replicates: 40, seedComments: 3, personas: personas, usersPerDiscussion: users, runSeed: 42)
        var counts = Array(repeating: 0, count: personas)
        for a in table {
            #expect(a.personaIndices.count == users)
            #expect(Set(a.personaIndices).count == users, "a persona twice in one discussion: \(a.personaIndices)")
            for i in a.personaIndices { counts[i] += 1 }
            #expect(counts.max()! - counts.min()! <= 1, "\(counts)")
        }
    }

    @Test func theFirstReplicatesGetDistinctSeedCommentsWhereIndependentDrawsRepeatedOne() throws {
        // Seed 42, 3 seed comments, 3 replicates: the independent draws give replicates 0, 1 and 2 seed comments
        // [0, 0, 0] or the like; balanced ones are a permutation.
        let e = try FactorFixtures.load(FactorFixtures.base.replacingOccurrences(of: "replicates: 2", with: "replicates: 3"))
        let balanced = ReplicateAssignment.table(for: e).map(\.seedCommentIndex)
        #expect(balanced.sorted() == [0, 1, 2])
        let plans = try DesignFixtures.plans(e)
        #expect(Set(plans.filter { $0.cell.condition.strategy == "none" }.map(\.seedCommentIndex)).count == 3)
        // The independent draws are what DiscussionPlan used to draw (streams `personas` and `seed-comment`).
        let earlier = e.with(assignment: .independentDraws)
        for r in 0..<3 {
            let seed = SeedDerivation.derive(42, "replicate-\(r)")
            var rng = SeededGenerator(seed: seed, stream: "seed-comment")
            #expect(ReplicateAssignment.independent(experiment: earlier, replicate: r).seedCommentIndex == rng.index(below: 3))
            var personaRNG = SeededGenerator(seed: seed, stream: "personas")
            let users = Array(personaRNG.shuffled(e.personas).prefix(3)).map(\.username)
            let plan = try DiscussionPlan(
                experiment: earlier, cell: Design(experiment: earlier).cells[r], renderer: PromptRenderer(templates: e.templates))
            #expect(plan.users.map(\.username) == users)
        }
    }

    @Test func theAssignmentIsTheSameInEveryCondition() throws {
        let e = try FactorFixtures.load(FactorFixtures.base + "\n" + FactorFixtures.factors)
        let design = Design(experiment: e)
        var byReplicate: [Int: Set<String>] = [:]
        for cell in design.cells {
            let variant = e.experiment(for: cell.condition)
            let plan = try DiscussionPlan(experiment: variant, cell: cell, renderer: PromptRenderer(templates: variant.templates))
            byReplicate[cell.replicate, default: []].insert("\(plan.seedCommentIndex)|\(plan.users.map(\.username))")
        }
        #expect(byReplicate.values.allSatisfy { $0.count == 1 })
    }
}

@Suite("Sampling knobs in the experiment file")
struct SamplingKnobTests {
    @Test func penaltiesSeedPolicyAndExtraBodyDecode() throws {
        let yaml = FactorFixtures.base.replacingOccurrences(
            of: #"models: [{name: m, endpoint: "http://127.0.0.1:9/v1"}]"#,
            with: #"models: [{name: m, endpoint: "http://127.0.0.1:9/v1", frequencyPenalty: 0.5, presencePenalty: -0.25, seed: 7, extraBody: {repeat_penalty: 1.1, dry_multiplier: 0, samplers: [top_k, min_p], mirostat: {on: false}}}, {name: n, endpoint: "http://127.0.0.1:9/v1", seed: none}]"#)
        let e = try FactorFixtures.load(yaml)
        let m = e.spec.models[0]
        #expect(m.frequencyPenalty == 0.5 && m.presencePenalty == -0.25 && m.seedPolicy == .fixed(7))
        #expect(m.extraBody == [
            "repeat_penalty": .double(1.1), "dry_multiplier": .int(0), "samplers": .array([.string("top_k"), .string("min_p")]),
            "mirostat": .object(["on": .bool(false)]),
        ])
        #expect(m.samplingSeed(derived: 99) == 7)
        #expect(e.spec.models[1].seedPolicy == SamplingSeedPolicy.none && e.spec.models[1].samplingSeed(derived: 99) == nil)
        #expect(ModelSettings().samplingSeed(derived: 99) == 99)
    }

    @Test func outOfRangeKnobsAndReservedExtraKeysAreErrors() {
        let yaml = FactorFixtures.base.replacingOccurrences(
            of: #"models: [{name: m, endpoint: "http://127.0.0.1:9/v1"}]"#,
            with: "models:\n  - {name: m, endpoint: \"http://127.0.0.1:9/v1\", frequencyPenalty: 3, seed: -1, extraBody: {temperature: 2}}")
        #expect(FactorFixtures.problems(yaml) == [
            "f.yaml:13:50: models[0].frequencyPenalty: expected a value in [-2, 2], got 3.0",
            "f.yaml:13:71: models[0].seed: expected a non-negative integer, 'derived' or 'none', got -1",
            "f.yaml:13:93: models[0].extraBody.temperature: 'temperature' is set by SDF itself; use the model setting instead of extraBody",
        ])
    }
}

@Suite("Balanced replicates on the scaffolded experiment")
struct ScaffoldAssignmentTests {
    /// Seed 42, the scaffold's seed comments and persona pool, 3 replicates: what the independent draws gave and
    /// what balanced assignment gives.
    @Test func quickstartReplicatesZeroToTwo() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        for file in Scaffold.files() { try TestSupport.write(file.contents, to: file.path, in: dir) }
        var quick = try ExperimentLoader.load(path: dir.appendingPathComponent(Scaffold.quickstartFile).path)
        quick.spec.replicates = 3
        let earlier = (0..<3).map { ReplicateAssignment.independent(experiment: quick, replicate: $0).seedCommentIndex }
        let balanced = ReplicateAssignment.table(for: quick).map(\.seedCommentIndex)
        // The issue's observation: all three replicates drew seed comment 5.
        #expect(earlier == [5, 5, 5])
        #expect(Set(balanced).count == 3)
        #expect(balanced == [6, 2, 1])
    }
}
