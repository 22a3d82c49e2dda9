import Foundation
import Testing

@testable import SDFCore

enum DesignFixtures {
    static func experiment(
        users: Int = 4, trollShare: Double? = 0.25, strategies: String = "[none, guidelines, minimal]", replicates: Int = 4,
        models: String = "[{name: small}]", personaCount: Int = 10, moderatorPersona: Bool = false, seed: Int = 99,
        turnTaking: String = "{policy: respond, p: 0.4}"
    ) throws -> Experiment {
        let personas = (0..<personaCount).map { "  - {username: user\($0), age: \(20 + $0), occupation: job\($0)}" }.joined(separator: "\n")
        var yaml = """
            version: 1
            seed: \(seed)
            replicates: \(replicates)
            personas:
            \(personas)
            seedComments:
              - Rent caps work.
              - Remote work is better.
              - Cars should be banned from city centres.
              - Tipping culture has gone too far.
            discussion:
              users: \(users)
              turns: 8
              turnTaking: \(turnTaking)
            strategies: \(strategies)
            models: \(models)
            moderator:
              username: mod
            """
        if moderatorPersona { yaml += "\n  persona: {username: whoever, age: 50, occupation: librarian}" }
        if let trollShare { yaml += "\ntrolls:\n  share: \(trollShare)\n  instructions: TROLL INSTRUCTIONS" }
        yaml += "\nusers:\n  instructions: USER INSTRUCTIONS\n"
        return try ExperimentLoader.load(yaml: yaml, file: "design.yaml", baseDirectory: "/nonexistent")
    }

    static func plans(_ e: Experiment) throws -> [DiscussionPlan] {
        let renderer = try PromptRenderer(templates: e.templates)
        return try Design(experiment: e).cells.map { try DiscussionPlan(experiment: e, cell: $0, renderer: renderer) }
    }
}

@Suite("Design")
struct DesignTests {
    @Test func strategiesTimesModelsTimesReplicates() {
        let d = Design(strategies: ["none", "guidelines", "constructive"], models: ["a", "b"], replicates: 3, runSeed: 7)
        #expect(d.conditions.count == 6)
        #expect(d.cells.count == 18)
        // Models outermost, then strategies, in the given order.
        #expect(d.conditions.map(\.model) == ["a", "a", "a", "b", "b", "b"])
        #expect(d.conditions.map(\.strategy) == ["none", "guidelines", "constructive", "none", "guidelines", "constructive"])
        #expect(d.conditions.map(\.label) == ["none/a", "guidelines/a", "constructive/a", "none/b", "guidelines/b", "constructive/b"])
        #expect(d.conditions[1].id == "strategy=guidelines;model=a")
        #expect(Set(d.conditions.map(\.id)).count == 6)
        // Cells: condition by condition, replicates in order.
        for (i, cell) in d.cells.enumerated() {
            #expect(cell.condition == d.conditions[i / 3])
            #expect(cell.replicate == i % 3)
        }
        // Every (strategy, model, replicate) combination exactly once.
        let keys = Set(d.cells.map { "\($0.condition.strategy)|\($0.condition.model)|\($0.replicate)" })
        #expect(keys.count == 18)
    }

    @Test func singleModelLabelsAreStrategyNames() {
        let d = Design(strategies: ["none", "guidelines"], models: ["local"], replicates: 2, runSeed: 1)
        #expect(d.conditions.map(\.label) == ["none", "guidelines"])
        #expect(d.conditions.map(\.id) == ["strategy=none;model=local", "strategy=guidelines;model=local"])
    }

    @Test func noReplicatesNoCells() {
        #expect(Design(strategies: ["none"], models: ["m"], replicates: 0, runSeed: 1).cells.isEmpty)
        #expect(Design(strategies: ["none"], models: ["m"], replicates: -3, runSeed: 1).cells.isEmpty)
        #expect(Design(strategies: ["none"], models: ["m"], replicates: -3, runSeed: 1).conditions.count == 1)
    }

    @Test func seedsAndIdsAreStableAndDistinct() {
        let d1 = Design(strategies: ["none", "guidelines", "constructive"], models: ["a", "b"], replicates: 5, runSeed: 42)
        let d2 = Design(strategies: ["none", "guidelines", "constructive"], models: ["a", "b"], replicates: 5, runSeed: 42)
        let d3 = Design(strategies: ["none", "guidelines", "constructive"], models: ["a", "b"], replicates: 5, runSeed: 43)
        #expect(d1 == d2)
        #expect(Set(d1.cells.map(\.seed)).count == d1.cells.count)
        #expect(Set(d1.cells.map(\.discussionId)).count == d1.cells.count)
        #expect(d1.cells.allSatisfy { UUID(uuidString: $0.discussionId) != nil })
        // The replicate seed is shared by replicate r of every condition and differs between replicates.
        for r in 0..<5 {
            let seeds = Set(d1.cells.filter { $0.replicate == r }.map(\.replicateSeed))
            #expect(seeds.count == 1)
        }
        #expect(Set(d1.cells.map(\.replicateSeed)).count == 5)
        #expect(Set(d1.cells.map(\.replicateSeed)).isDisjoint(with: Set(d1.cells.map(\.seed))))
        // Another run seed changes everything.
        #expect(Set(d1.cells.map(\.seed)).isDisjoint(with: Set(d3.cells.map(\.seed))))
        #expect(Set(d1.cells.map(\.discussionId)).isDisjoint(with: Set(d3.cells.map(\.discussionId))))
        // Cell seeds are what the documentation says they are.
        let cell = d1.cells[7]
        #expect(cell.seed == SeedDerivation.derive(42, cell.condition.id, "replicate-\(cell.replicate)"))
        #expect(cell.replicateSeed == SeedDerivation.derive(42, "replicate-\(cell.replicate)"))
    }

    /// Adding a condition must not change the seeds or ids of the existing ones (resumable, comparable runs).
    @Test func addingAConditionKeepsExistingCells() {
        let small = Design(strategies: ["none", "guidelines"], models: ["m"], replicates: 3, runSeed: 5)
        let big = Design(strategies: ["none", "guidelines", "constructive"], models: ["m"], replicates: 4, runSeed: 5)
        for cell in small.cells {
            #expect(big.cells.contains(cell))
        }
    }

    @Test func designFromExperiment() throws {
        let e = try DesignFixtures.experiment(strategies: "[none, guidelines]", replicates: 3, models: "[{name: a}, {name: b, endpoint: 'http://h:1/v1'}]")
        let d = Design(experiment: e)
        #expect(d == Design(strategies: ["none", "guidelines"], models: ["a", "b"], replicates: 3, runSeed: 99, namespace: e.designHash))
        #expect(d.cells.count == 12)
        // Another design with the same seed never shares a discussion id.
        let other = Design(experiment: try DesignFixtures.experiment(strategies: "[none, guidelines]", replicates: 4, models: "[{name: a}, {name: b, endpoint: 'http://h:1/v1'}]"))
        #expect(Set(d.cells.map(\.discussionId)).isDisjoint(with: other.cells.map(\.discussionId)))
        #expect(d.cells.map(\.seed) == other.cells.prefix(3).map(\.seed) + other.cells[4..<7].map(\.seed) + other.cells[8..<11].map(\.seed) + other.cells[12..<15].map(\.seed))
    }
}

@Suite("DiscussionPlan")
struct DiscussionPlanTests {
    @Test func blockedDesignSharesEverythingButTheConditionAcrossConditions() throws {
        let e = try DesignFixtures.experiment()
        let plans = try DesignFixtures.plans(e)
        #expect(plans.count == 3 * 4)
        for r in 0..<4 {
            let same = plans.filter { $0.cell.replicate == r }
            #expect(same.count == 3)
            let first = same[0]
            for other in same.dropFirst() {
                #expect(other.users.map(\.username) == first.users.map(\.username))
                #expect(other.users.map(\.role) == first.users.map(\.role))
                #expect(other.users.map(\.systemPrompt) == first.users.map(\.systemPrompt))
                #expect(other.seedCommentIndex == first.seedCommentIndex)
                #expect(other.seedComment == first.seedComment)
                #expect(other.turnTaker == first.turnTaker)
                #expect(other.samplingSeed(label: "user-3") == first.samplingSeed(label: "user-3"))
                // Ids are per discussion.
                #expect(other.cell.discussionId != first.cell.discussionId)
                #expect(Set(other.users.map(\.id)).isDisjoint(with: Set(first.users.map(\.id))))
                #expect(other.seedCommentId != first.seedCommentId)
            }
            // The same turn-taker gives the same speaking order in every condition.
            var takers = same.map(\.turnTaker)
            let orders = takers.indices.map { i in (0..<30).map { _ in takers[i].next().speaker } }
            #expect(Set(orders.map { $0.description }).count == 1)
        }
        // Different replicates differ (users, seed comment or order).
        let byReplicate = (0..<4).map { r in plans.first { $0.cell.replicate == r }! }
        let signatures = byReplicate.map { "\($0.users.map(\.username))|\($0.seedCommentIndex)" }
        #expect(Set(signatures).count > 1)
    }

    @Test func plansAreDeterministic() throws {
        let e = try DesignFixtures.experiment()
        #expect(try DesignFixtures.plans(e) == DesignFixtures.plans(e))
    }

    @Test func usersAreDistinctPersonasFromThePool() throws {
        let e = try DesignFixtures.experiment(users: 5, replicates: 6)
        let pool = Set(e.personas.map(\.username))
        var everChosen = Set<String>()
        for plan in try DesignFixtures.plans(e) {
            let names = plan.users.map(\.username)
            #expect(names.count == 5)
            #expect(Set(names).count == 5)
            #expect(Set(names).isSubset(of: pool))
            everChosen.formUnion(names)
            #expect(plan.users.allSatisfy { p in e.personas.contains(p.persona) })
            #expect(Set(plan.users.map(\.id)).count == 5 && plan.users.allSatisfy { UUID(uuidString: $0.id) != nil })
            #expect(plan.turnTaker.userCount == 5)
            #expect(plan.turnTaker.policy == .respond(p: 0.4))
            #expect(e.seedComments.indices.contains(plan.seedCommentIndex))
            #expect(plan.seedComment == e.seedComments[plan.seedCommentIndex])
            #expect(UUID(uuidString: plan.seedCommentId) != nil)
        }
        #expect(everChosen.count > 5, "sampling should not always pick the same users")
    }

    @Test func seedCommentsAreDrawnAcrossReplicates() throws {
        let e = try DesignFixtures.experiment(strategies: "[none]", replicates: 40)
        let indices = try DesignFixtures.plans(e).map(\.seedCommentIndex)
        #expect(Set(indices) == Set(0..<4))
    }

    @Test(arguments: [
        (0.25, 4, 1), (0.5, 4, 2), (0.34, 3, 1), (0.1, 4, 0), (0.0, 5, 0), (1.0, 3, 3), (0.6, 5, 3), (0.75, 4, 3), (0.125, 4, 1),
    ])
    func trollCountIsRoundedShareOfUsers(share: Double, users: Int, expected: Int) throws {
        #expect(Int((share * Double(users)).rounded()) == expected, "fixture arithmetic")
        let e = try DesignFixtures.experiment(users: users, trollShare: share, strategies: "[none, minimal]", replicates: 5)
        for plan in try DesignFixtures.plans(e) {
            let trolls = plan.users.filter { $0.role == .troll }
            #expect(trolls.count == expected)
            #expect(plan.users.filter { $0.role == .user }.count == users - expected)
            for p in plan.users {
                let instructions = p.role == .troll ? "TROLL INSTRUCTIONS" : "USER INSTRUCTIONS"
                #expect(p.instructions == instructions)
                #expect(p.systemPrompt.contains(instructions))
                #expect(p.systemPrompt.contains("You are \(p.username), a member"))
                #expect(p.systemPrompt.hasSuffix(plan.seedComment))
            }
        }
    }

    @Test func withoutTrollSettingsEveryoneIsAUser() throws {
        let e = try DesignFixtures.experiment(trollShare: nil)
        for plan in try DesignFixtures.plans(e) { #expect(plan.users.allSatisfy { $0.role == .user }) }
    }

    @Test func trollsAreNotAlwaysTheSamePosition() throws {
        let e = try DesignFixtures.experiment(users: 4, trollShare: 0.25, strategies: "[none]", replicates: 30)
        let positions = try DesignFixtures.plans(e).compactMap { $0.users.firstIndex { $0.role == .troll } }
        #expect(positions.count == 30)
        #expect(Set(positions).count > 1)
    }

    @Test func moderatorExistsIffStrategyIsNotNone() throws {
        let e = try DesignFixtures.experiment()
        let guidelines = try #require(DefaultData.strategies.first { $0.name == "guidelines" })
        for plan in try DesignFixtures.plans(e) {
            #expect(plan.strategy.name == plan.cell.condition.strategy)
            if plan.cell.condition.strategy == "none" {
                #expect(plan.moderator == nil)
                #expect(plan.allUsernames == plan.users.map(\.username))
            } else {
                let m = try #require(plan.moderator)
                #expect(m.role == .moderator)
                #expect(m.username == "mod")
                #expect(m.instructions == plan.strategy.instructions && !m.instructions.isEmpty)
                #expect(m.systemPrompt.hasPrefix("You moderate an online discussion forum; your username is mod."))
                #expect(m.systemPrompt.contains(plan.strategy.instructions.trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(!m.systemPrompt.contains("About you"))
                #expect(plan.allUsernames == plan.users.map(\.username) + ["mod"])
                #expect(!plan.users.map(\.id).contains(m.id))
                if plan.strategy.name == "guidelines" { #expect(m.instructions == guidelines.instructions) }
            }
        }
    }

    @Test func moderatorPersonaKeepsTheModeratorUsername() throws {
        let e = try DesignFixtures.experiment(strategies: "[guidelines]", moderatorPersona: true)
        let plan = try #require(try DesignFixtures.plans(e).first)
        let m = try #require(plan.moderator)
        #expect(m.username == "mod")
        #expect(m.persona.occupation == "librarian")
        #expect(m.systemPrompt.contains("About you:\n- age: 50\n- occupation: librarian"))
        #expect(!m.systemPrompt.contains("whoever"))
    }

    @Test func samplingSeedsAreNonNegative31BitAndLabelSpecific() throws {
        let e = try DesignFixtures.experiment()
        let plans = try DesignFixtures.plans(e)
        let plan = plans[0]
        let labels = (0..<50).map { "user-\($0)" } + (0..<50).map { "moderator-\($0)" }
        let seeds = labels.map { plan.samplingSeed(label: $0) }
        #expect(seeds.allSatisfy { $0 >= 0 && $0 <= 0x7FFF_FFFF })
        #expect(Set(seeds).count == seeds.count)
        #expect(seeds == labels.map { plan.samplingSeed(label: $0) })
        #expect(plans.first { $0.cell.replicate == 1 }!.samplingSeed(label: "user-0") != plan.samplingSeed(label: "user-0"))
    }

    @Test func turnTakerIsSeededFromTheReplicateStream() throws {
        let e = try DesignFixtures.experiment(turnTaking: "{policy: random}")
        for plan in try DesignFixtures.plans(e) {
            #expect(plan.turnTaker == TurnTaker(policy: .random, userCount: 4, seed: SeedDerivation.derive(plan.cell.replicateSeed, "turn-taking")))
        }
    }
}

@Suite("Scaffold and default data")
struct ScaffoldTests {
    @Test func scaffoldQuickstartAndExampleLoad() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        let files = Scaffold.files()
        #expect(Set(files.map(\.path)).count == files.count)
        #expect(files.allSatisfy { !$0.path.hasPrefix("/") && !$0.path.contains("..") })
        for file in files { try TestSupport.write(file.contents, to: file.path, in: dir) }

        let quick = try ExperimentLoader.load(path: dir.appendingPathComponent(Scaffold.quickstartFile).path)
        #expect(quick.name == "quickstart")
        #expect(quick.strategies.map(\.name) == ["none", "guidelines"])
        // The tuned local default: a comment ends at its first blank line (BENCHMARKS.md, the embedded default).
        #expect(quick.spec.models.map(\.stop) == [["\n\n"]])
        let guidelines = try #require(DefaultData.strategies.first { $0.name == "guidelines" })
        #expect(quick.strategies[1].instructions == guidelines.instructions.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(quick.userInstructions == DefaultData.userInstructions.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(quick.trollInstructions == DefaultData.trollInstructions.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(quick.seedComments.count == DefaultData.seedComments.count)
        #expect(Set(quick.seedComments) == Set(DefaultData.seedComments.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }))
        let defaultPersonas = try JSONDecoder().decode([Persona].self, from: Data(DefaultData.personasJSON.utf8))
        #expect(quick.personas == defaultPersonas)
        // "Two conditions x two replicates".
        let design = Design(experiment: quick)
        #expect(design.conditions.count == 2 && design.cells.count == 4)
        let renderer = try PromptRenderer(templates: quick.templates)
        for cell in design.cells {
            let plan = try DiscussionPlan(experiment: quick, cell: cell, renderer: renderer)
            #expect(plan.users.count == 3)
            #expect(plan.users.filter { $0.role == .troll }.count == 1)
        }

        let full = try ExperimentLoader.load(path: dir.appendingPathComponent(Scaffold.experimentFile).path)
        #expect(full.strategies.map(\.name) == ["none"] + DefaultData.strategies.map(\.name))
        #expect(Design(experiment: full).cells.count == 4 * 5)
    }

    @Test func seedFilesSortInTheDefaultOrder() {
        let seedPaths = Scaffold.files().map(\.path).filter { $0.hasPrefix("seeds/") }
        #expect(seedPaths.count == DefaultData.seedComments.count)
        #expect(seedPaths == seedPaths.sorted())
        #expect(seedPaths.allSatisfy { $0.hasSuffix(".txt") })
        #expect(zip(seedPaths, DefaultData.seedComments).allSatisfy { $0.contains($1.slug) })
    }

    @Test func defaultPersonas() throws {
        let personas = try JSONDecoder().decode([Persona].self, from: Data(DefaultData.personasJSON.utf8))
        #expect(personas.count >= 16)
        #expect(Set(personas.map(\.username)).count == personas.count)
        for p in personas {
            #expect(!p.username.isEmpty && !p.username.contains(" "))
            #expect(p.age != nil && p.occupation != nil && !p.personality.isEmpty, "\(p.username)")
            #expect(p.attributes.count >= 5, "\(p.username)")
        }
        #expect(!personas.map(\.username).contains("moderator"))
    }

    @Test func defaultSeedCommentsAndStrategies() {
        #expect(DefaultData.seedComments.count >= 8)
        #expect(Set(DefaultData.seedComments.map(\.slug)).count == DefaultData.seedComments.count)
        for seed in DefaultData.seedComments {
            #expect(seed.slug.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(seed.slug)")
            #expect(seed.text.trimmingCharacters(in: .whitespacesAndNewlines).count > 80)
        }
        #expect(DefaultData.strategies.count >= 3)
        #expect(Set(DefaultData.strategies.map(\.name)).count == DefaultData.strategies.count)
        #expect(!DefaultData.strategies.map(\.name).contains("none"))
        #expect(DefaultData.strategies.allSatisfy { !$0.instructions.isEmpty && !$0.summary.isEmpty })
        #expect(!DefaultData.userInstructions.isEmpty && !DefaultData.trollInstructions.isEmpty)
    }
}
