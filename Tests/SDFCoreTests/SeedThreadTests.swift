import Foundation
import Testing

@testable import SDFCore

enum SeedThreadFixtures {
    /// Personas and the header of an experiment whose seeds come from `seeds` (a YAML value).
    static func yaml(seeds: String, strategies: String = "[none, guidelines]") -> String {
        """
        version: 1
        personas:
          - username: alice
          - username: bob
          - username: carol
        seedComments: \(seeds)
        strategies: \(strategies)
        """
    }

    static let twoCommentThread = SeedThread(
        id: "t1",
        comments: [
            SeedThreadComment(author: "renter_rita", text: "Rent in this city went up 30 % in two years. Is rent control the answer?"),
            SeedThreadComment(author: "landlord_lou", text: "  Rent control froze repairs in my building; supply is the real problem.\n"),
        ])
}

@Suite("Seed threads: loading")
struct SeedThreadLoadingTests {
    static func load(_ yaml: String, base: URL) throws -> Experiment {
        try ExperimentLoader.load(yaml: yaml, file: "exp.yaml", baseDirectory: base.path)
    }

    static func messages(_ yaml: String, base: URL) -> [String] {
        do {
            _ = try load(yaml, base: base)
            Issue.record("expected the experiment to be refused")
            return []
        } catch let error as ExperimentFileError {
            for d in error.diagnostics { #expect(d.field == "seedComments", "\(d)") }
            return error.diagnostics.map(\.message)
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func jsonArrayMixesStringsAndThreads() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write(
            #"""
            ["  A plain seed.  ",
             {"id": "t1", "comments": [{"author": "alice_out", "text": "First."}, {"author": "bob_out", "text": "Reply."}]}]
            """#, to: "seeds.json", in: dir)
        let e = try Self.load(SeedThreadFixtures.yaml(seeds: "seeds.json"), base: dir)
        #expect(e.seedThreads == [
            .single("A plain seed."),
            SeedThread(id: "t1", comments: [.init(author: "alice_out", text: "First."), .init(author: "bob_out", text: "Reply.")]),
        ])
        #expect(e.seedComments == ["A plain seed.", "First."])
        #expect(e.seedThreads[0].isSingleOP && !e.seedThreads[1].isSingleOP)
    }

    @Test func csvGroupsRowsByThreadInFileOrderOrByPosition() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        // Quoted fields with commas, doubled quotes and a line break; CR LF line ends.
        try TestSupport.write(
            "thread_id,author,text\r\nt2,zed,\"Second thread, first comment\"\r\nt1,yan,\"He said \"\"no\"\".\nThen left.\"\r\nt2,xia,Reply to zed\r\n",
            to: "seeds.csv", in: dir)
        let e = try Self.load(SeedThreadFixtures.yaml(seeds: "seeds.csv"), base: dir)
        #expect(e.seedThreads == [
            SeedThread(id: "t2", comments: [.init(author: "zed", text: "Second thread, first comment"), .init(author: "xia", text: "Reply to zed")]),
            SeedThread(id: "t1", comments: [.init(author: "yan", text: "He said \"no\".\nThen left.")]),
        ])
        try TestSupport.write(
            "text,position,author,thread_id\nLast,2,c3,t\nFirst,0,c1,t\nMiddle,1,c2,t\n", to: "positioned.csv", in: dir)
        let p = try Self.load(SeedThreadFixtures.yaml(seeds: "positioned.csv"), base: dir)
        #expect(p.seedThreads.count == 1)
        #expect(p.seedThreads[0].comments.map(\.text) == ["First", "Middle", "Last"])
        #expect(p.seedThreads[0].comments.map(\.author) == ["c1", "c2", "c3"])
    }

    @Test func folderReadsTxtAsOPCommentsAndJsonAsThreads() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write("Plain seed one.\n", to: "seeds/a.txt", in: dir)
        try TestSupport.write(
            #"{"id": "b-thread", "comments": [{"author": "neighbour", "text": "Noise at night."}, {"author": "owner", "text": "Sorry!"}]}"#,
            to: "seeds/b.json", in: dir)
        try TestSupport.write("Plain seed three.", to: "seeds/c.txt", in: dir)
        try TestSupport.write("ignored", to: "seeds/notes.md", in: dir)
        let e = try Self.load(SeedThreadFixtures.yaml(seeds: "seeds"), base: dir)
        #expect(e.seedThreads.map(\.label) == ["Plain seed one.", "b-thread", "Plain seed three."])
        #expect(e.seedThreads[1].comments.map(\.author) == ["neighbour", "owner"])
        #expect(e.seedComments == ["Plain seed one.", "Noise at night.", "Plain seed three."])
    }

    @Test func inlineYAMLMixesStringsAndThreads() throws {
        let yaml = """
            version: 1
            personas: [{username: alice}, {username: bob}, {username: carol}]
            seedComments:
              - "Plain."
              - id: t9
                comments:
                  - {author: outsider, text: "Opening."}
                  - {author: other_outsider, text: "Answer."}
            """
        let e = try ExperimentLoader.load(yaml: yaml, file: "exp.yaml", baseDirectory: "/nonexistent")
        #expect(e.seedThreads == [
            .single("Plain."),
            SeedThread(id: "t9", comments: [.init(author: "outsider", text: "Opening."), .init(author: "other_outsider", text: "Answer.")]),
        ])
        // A spec with only strings encodes as it did before threads existed.
        let encoded = try JSONEncoder().encode(SeedCommentSource.inline(["a", "b"]))
        #expect(String(decoding: encoded, as: UTF8.self) == #"["a","b"]"#)
    }

    @Test func validationNamesFileThreadRowAndField() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        defer { TestSupport.removeTemporaryDirectory(dir) }
        try TestSupport.write("thread_id,author,text\nt1,x,Fine\nt1,,No author\nt2,y,   \n", to: "bad.csv", in: dir)
        let csv = Self.messages(SeedThreadFixtures.yaml(seeds: "bad.csv"), base: dir)
        #expect(csv.count == 2, "\(csv)")
        #expect(csv.contains { $0.contains("'bad.csv' row 3") && $0.contains("thread 't1'") && $0.contains("'author' is empty") })
        #expect(csv.contains { $0.contains("'bad.csv' row 4") && $0.contains("thread 't2'") && $0.contains("'text' is empty") })

        try TestSupport.write("thread,writer,text\nt1,x,Hi\n", to: "columns.csv", in: dir)
        let columns = Self.messages(SeedThreadFixtures.yaml(seeds: "columns.csv"), base: dir)
        #expect(columns.count == 1)
        #expect(columns.first?.contains("'columns.csv' has no column 'thread_id', 'author'") == true, "\(columns)")

        try TestSupport.write(
            #"[{"id": "t1", "comments": [{"text": "No author here."}]}, {"id": "t1", "comments": [{"author": "a", "text": "x"}]}]"#,
            to: "bad.json", in: dir)
        let json = Self.messages(SeedThreadFixtures.yaml(seeds: "bad.json"), base: dir)
        #expect(json.contains { $0.contains("'bad.json' item 1 (thread 't1') comment 1: 'author' is missing") }, "\(json)")

        try TestSupport.write(
            #"[{"id": "t1", "comments": [{"author": "a", "text": "x"}]}, {"id": "t1", "comments": [{"author": "b", "text": "y"}]}]"#,
            to: "dup.json", in: dir)
        let duplicate = Self.messages(SeedThreadFixtures.yaml(seeds: "dup.json"), base: dir)
        #expect(duplicate == ["thread id 't1' is used by seeds 1 and 2; thread ids must be unique"])

        let participant = Self.messages(
            SeedThreadFixtures.yaml(seeds: #"[{id: t1, comments: [{author: outsider, text: "Hi"}, {author: bob, text: "Hello"}]}]"#), base: dir)
        #expect(participant == ["seed 1 (thread 't1') comment 2: author 'bob' is a persona's username; seed authors must not take part"])

        let moderator = Self.messages(
            SeedThreadFixtures.yaml(seeds: #"[{id: t1, comments: [{author: moderator, text: "Hi"}]}]"#), base: dir)
        #expect(moderator == ["seed 1 (thread 't1') comment 1: author 'moderator' is the moderator's username; seed authors must not take part"])
        // Without a moderator in any condition the name is free.
        _ = try Self.load(SeedThreadFixtures.yaml(seeds: #"[{id: t1, comments: [{author: moderator, text: "Hi"}]}]"#, strategies: "[none]"), base: dir)

        let noId = Self.messages(SeedThreadFixtures.yaml(seeds: #"[{comments: [{author: a, text: "Hi"}]}]"#), base: dir)
        #expect(noId == ["seedComments[0]: thread has no 'id'; expected a non-empty string"])
    }
}

@Suite("Seed threads: design hash, prompts, assignment")
struct SeedThreadDesignTests {
    /// Design hashes of two fixed one-comment-seed experiments, printed by the code of `main` at 8f79bab (before
    /// seed threads) from exactly these files: a store made then must resume under this code.
    static let hashesBeforeThreads: [(yaml: String, hash: String)] = [
        (
            """
            version: 1
            personas:
              - username: alice
              - username: bob
              - username: carol
            seedComments:
              - "Rent control works."
            """, "aded7b0e0ca0e2de12c294a254faab3ce9a3a46e23bb9d6a60a40960aaac4464"
        ),
        (
            """
            version: 1
            name: hash-fixture
            seed: 7
            replicates: 4
            personas:
              - username: alice
              - username: bob
              - username: carol
              - username: dave
            seedComments:
              - "Rent control works."
              - "Cities should ban cars from the centre."
              - "  Remote work is here to stay.  "
            strategies:
              - name: none
              - name: guidelines
            """, "70d55ab9f59151dfd90fa25407f86b4e4dc8d09842d3b379e240fc494e53225b"
        ),
    ]

    @Test func oneCommentSeedsHashAsBeforeThreads() throws {
        for (yaml, hash) in Self.hashesBeforeThreads {
            let e = try ExperimentLoader.load(yaml: yaml, file: "exp.yaml", baseDirectory: "/nonexistent")
            #expect(e.designHash == hash)
            #expect(!e.designFingerprint.contains("seedThreads"))
        }
    }

    @Test func threadsEnterTheDesignHash() throws {
        let yaml = SeedThreadFixtures.yaml(seeds: #"[{id: t1, comments: [{author: a1, text: "Hi"}, {author: a2, text: "Hello"}]}]"#)
        let e = try ExperimentLoader.load(yaml: yaml, file: "exp.yaml", baseDirectory: "/nonexistent")
        let other = try ExperimentLoader.load(
            yaml: SeedThreadFixtures.yaml(seeds: #"[{id: t1, comments: [{author: a1, text: "Hi"}, {author: a3, text: "Hello"}]}]"#),
            file: "exp.yaml", baseDirectory: "/nonexistent")
        let single = try ExperimentLoader.load(yaml: SeedThreadFixtures.yaml(seeds: #"["Hi"]"#), file: "exp.yaml", baseDirectory: "/nonexistent")
        #expect(e.designFingerprint.contains("seedThreads"))
        #expect(e.designHash != other.designHash)
        #expect(e.designHash != single.designHash)
    }

    @Test func oneCommentSeedRendersAsBefore() throws {
        let r = try PromptFixtures.renderer()
        for role in [Role.user, .moderator] {
            let before = r.system(
                username: "harbour_heron", persona: PromptFixtures.persona, role: role, instructions: "Be yourself.",
                seedComment: PromptFixtures.seedComment)
            let now = r.system(
                username: "harbour_heron", persona: PromptFixtures.persona, role: role, instructions: "Be yourself.",
                seed: .single(PromptFixtures.seedComment))
            #expect(before == now)
        }
        let target = ContextComment(speaker: "bob", text: "No.")
        #expect(
            r.annotationPrompt(system: "s", seedComment: "Seed.", context: [], target: target)
                == r.annotationPrompt(system: "s", seed: .single("Seed."), context: [], target: target))
        #expect(PromptTemplates.builtInThreadVariants.participantSystem != PromptTemplates.builtIn.participantSystem)
        #expect(PromptTemplates.builtInThreadVariants.moderatorSystem != PromptTemplates.builtIn.moderatorSystem)
        #expect(PromptTemplates.builtInThreadVariants.annotation != PromptTemplates.builtIn.annotation)
    }

    @Test func twoCommentThreadPromptsMatchGolden() throws {
        let r = try PromptFixtures.renderer()
        let thread = SeedThreadFixtures.twoCommentThread
        let participant = r.system(
            username: PromptFixtures.persona.username, persona: PromptFixtures.persona, role: .user,
            instructions: DefaultData.userInstructions, seed: thread)
        try expectMatchesGolden(participant, "participant-system-seed-thread.txt")
        #expect(participant.hasSuffix(
            "started with these comments by other forum members:\n\nrenter_rita: Rent in this city went up 30 % in two years. Is rent control the answer?\n\n"
                + "landlord_lou: Rent control froze repairs in my building; supply is the real problem."))
        #expect(!participant.contains("(OP)"))
        let guidelines = try #require(DefaultData.strategies.first { $0.name == "guidelines" })
        let moderator = r.system(username: "moderator", persona: nil, role: .moderator, instructions: guidelines.instructions, seed: thread)
        try expectMatchesGolden(moderator, "moderator-system-seed-thread.txt")
        #expect(moderator.contains("renter_rita: Rent in this city") && moderator.contains("landlord_lou: Rent control froze"))
        let annotation = r.annotationPrompt(
            system: "s", seed: thread, context: [ContextComment(speaker: "harbour_heron", text: "Build more housing.")],
            target: ContextComment(speaker: "DieselDave74", text: "Cap it."))
        try expectMatchesGolden(annotation.user, "annotation-seed-thread.txt")
        #expect(annotation.user.hasPrefix("The discussion started with these comments:\n\nrenter_rita: Rent in this city"))
    }

    @Test func customTemplatesGetTheThreadAsSeedCommentAndSeedThreadList() throws {
        var templates = PromptTemplates.builtIn
        templates.participantSystem = """
            {{% CONTENT_TYPE: TEXT}}
            [{{seedComment}}]
            {{#seedIsThread}}thread:{{/seedIsThread}}
            {{#seedThread}}
            {{position}}|{{author}}|{{text}}
            {{/seedThread}}
            """
        let r = try PromptRenderer(templates: templates)
        let text = r.system(username: "a", persona: nil, role: .user, instructions: "", seed: SeedThreadFixtures.twoCommentThread)
        #expect(text == """
            [renter_rita: Rent in this city went up 30 % in two years. Is rent control the answer?

            landlord_lou: Rent control froze repairs in my building; supply is the real problem.]
            thread:
            0|renter_rita|Rent in this city went up 30 % in two years. Is rent control the answer?
            1|landlord_lou|Rent control froze repairs in my building; supply is the real problem.
            """)
        let single = r.system(username: "a", persona: nil, role: .user, instructions: "", seed: .single(" Just OP. "))
        #expect(single == "[Just OP.]\n\n0|OP|Just OP.")
    }

    @Test func balancedAssignmentDealsThreadsAsUnitsAndPlansStoreEveryComment() throws {
        let seeds = """
            [{id: t1, comments: [{author: x1, text: "One."}, {author: x2, text: "One reply."}]},
             {id: t2, comments: [{author: y1, text: "Two."}]},
             "Three, by OP."]
            """
        let yaml = SeedThreadFixtures.yaml(seeds: seeds) + "\nreplicates: 7\ndiscussion: {users: 2}"
        let e = try ExperimentLoader.load(yaml: yaml, file: "exp.yaml", baseDirectory: "/nonexistent")
        let table = ReplicateAssignment.table(for: e)
        var uses = [0, 0, 0]
        for a in table { uses[a.seedCommentIndex] += 1 }
        #expect(uses.sorted() == [2, 2, 3])
        // Every deck of 3 replicates uses every seed once.
        for deck in 0..<2 { #expect(Set(table[(deck * 3)..<(deck * 3 + 3)].map(\.seedCommentIndex)) == [0, 1, 2]) }
        let design = Design(experiment: e)
        let renderer = try PromptRenderer(templates: e.templates)
        for cell in design.cells {
            let plan = try DiscussionPlan(experiment: e.experiment(for: cell.condition), cell: cell, renderer: renderer)
            #expect(plan.seedThread == e.seedThreads[plan.seedCommentIndex])
            #expect(plan.seedCommentId == SeedDerivation.uuid(cell.seed, "seed-comment", cell.discussionId))
            #expect(plan.seedCommentIds.count == plan.seedThread.comments.count)
            #expect(Set(plan.seedCommentIds).count == plan.seedCommentIds.count)
            let records = plan.seedCommentRecords
            if plan.seedThread.isSingleOP {
                #expect(records.isEmpty)
                #expect(plan.users[0].systemPrompt.contains("(OP):\nThree, by OP."))
            } else {
                #expect(records.map(\.author) == plan.seedThread.comments.map(\.author))
                #expect(records.map(\.position) == Array(0..<plan.seedThread.comments.count))
                #expect(records.first?.id == plan.seedCommentId)
                for c in plan.seedThread.comments { #expect(plan.users[0].systemPrompt.contains("\(c.author): \(c.text)")) }
            }
        }
    }
}
