import Foundation
import SDFCore
import SDFStore
import Testing

/// Invented files of each messy kind found in real datasets of the earlier tools, in `Fixtures/messy/`:
/// a SynDisco 2.x discussion (user prompts as JSON strings, two `hardcoded` seeds by participants, a troll and a
/// community user by `special_instructions`) in a folder named `llama70b_vanilla.txt`; a 2025-layout discussion
/// with a troll by `special_instructions` and one by a troll instruction file, in `qwen7b_guidelines.txt`; and
/// six annotation files from three annotator personas that all share one `annotator_model` (two of them also
/// share the username `annotator`).
let messyFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/messy").path

func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Import of messy legacy datasets")
struct MessyImportTests {
    static let d1 = "3f1e0a52-6b7c-4d8e-9f01-a2b3c4d5e6f7"
    static let d2 = "8a7b6c5d-4e3f-4a1b-9c2d-0e1f2a3b4c5d"

    func importAll(_ store: Store, pattern: String? = "{model}_{strategy}", trolls: Bool = true) async throws -> ImportReport {
        let trollText = try String(contentsOfFile: messyFixtures + "/troll_instructions.txt", encoding: .utf8)
        return try await LegacyImporter(
            store: store, conditionPattern: try pattern.map { try ConditionPattern($0) },
            trollInstructions: trolls ? [trollText] : []
        ).run(paths: [messyFixtures])
    }

    @Test("status of an imported store counts its annotations without inventing an expected total")
    func statusOfAnImport() async throws {
        let store = try Store.inMemory()
        let report = try await importAll(store)
        let status = try await StatusReport.status(store: store)
        #expect(status.annotationJobsExpected == nil)
        let stored = status.annotationStatus.values.reduce(0, +)
        #expect(stored == report.stored.annotations && stored > 0)
        let text = StatusReport.text(status, storePath: "messy.sqlite")
        #expect(text.contains("annotation: \(stored) stored (") && text.contains("no run in this store (imported), so no expected count"))
        #expect(!text.contains("annotation is incomplete"))
    }

    @Test("annotators sharing one model name stay apart: one per persona, none lost")
    func annotatorsByPersona() async throws {
        let store = try Store.inMemory()
        let report = try await importAll(store)
        #expect(report.committed)
        // 3 personas × (7 + 6 entries) read; 1 silence per file is not annotated.
        #expect(report.read.annotations == 39)
        #expect(report.annotationsOfSilences == 6)
        #expect(report.stored.annotations == 33)
        let annotations = try await store.annotations()
        #expect(annotations.count == 33)
        let names = Set(annotations.map(\.annotator))
        #expect(names.count == 3, "three personas, one annotator each: \(names)")
        #expect(names.contains("maria"))
        // Two personas share the username "annotator": both get derived names, distinct and stable.
        let derived = names.filter { $0.hasPrefix("annotator-") }
        #expect(derived.count == 2)
        for name in names { #expect(annotations.filter { $0.annotator == name }.count == 11) }
        let panel = try await store.annotatorRecords()
        #expect(Set(panel.keys) == names)
        #expect(Set(panel.values.compactMap(\.personaKey)).count == 3)
        #expect(panel["maria"]?.persona.age == 27)
        // Re-importing finds the same annotators by persona: nothing duplicated, nothing renamed.
        let again = try await importAll(store)
        #expect(again.committed && again.stored.annotations == 33)
        #expect(try await store.annotations().count == 33)
        #expect(Set(try await store.annotatorRecords().keys) == names)
    }

    @Test("annotation files imported after their discussions find them in the store")
    func annotationsLater() async throws {
        let store = try Store.inMemory()
        let pattern = try ConditionPattern("{model}_{strategy}")
        _ = try await LegacyImporter(store: store, conditionPattern: pattern).run(paths: [messyFixtures + "/runs"])
        let report = try await LegacyImporter(store: store).run(paths: [messyFixtures + "/annotations"])
        #expect(report.committed && report.read.annotations == 39 && report.stored.annotations == 33)
        #expect(report.stored.discussions == 0 && report.read.discussions == 0)
        #expect(Set(try await store.annotations().map(\.annotator)).count == 3)
    }

    @Test("rubric labels come from the annotation prompt, else they are unknown")
    func rubricLabels() async throws {
        let store = try Store.inMemory()
        _ = try await importAll(store)
        let panel = try await store.annotatorRecords()
        let labelled = try #require(panel.values.first { $0.persona.age == 38 })
        let toxicity = try #require(labelled.rubric.dimensions.first { $0.name == "toxicity" })
        #expect(toxicity.labels == ["not toxic", "slightly toxic", "moderately toxic", "very toxic", "extremely toxic"])
        // The legacy prompt had 1 = excellent; stored values are 6 − legacy, so the labels are reversed with them.
        let quality = try #require(labelled.rubric.dimensions.first { $0.name == "argument_quality" })
        #expect(quality.labels == ["very poor", "poor", "fair", "good", "excellent"])
        let maria = try #require(panel["maria"])
        #expect(maria.rubric.dimensions.allSatisfy { $0.labels.isEmpty && $0.description.hasPrefix("unknown") })
        #expect(maria.rubric.dimensions.map(\.labels) != Rubric.default.dimensions.map(\.labels))
    }

    @Test("trolls by special_instructions, intent and a troll instruction file; community users keep their persona")
    func roles() async throws {
        let store = try Store.inMemory()
        _ = try await importAll(store)
        let p1 = Dictionary(uniqueKeysWithValues: try await store.participants(of: Self.d1).map { ($0.username, $0) })
        #expect(p1["BoltThrower"]?.role == .troll)
        #expect(p1["ana_writes"]?.role == .user)
        #expect(p1["ana_writes"]?.persona.extra["special_instructions"] == "community")
        #expect(p1["ana_writes"]?.persona.occupation == "Journalist")
        #expect(p1["ana_writes"]?.persona.personality == ["articulate", "fair-minded"])
        #expect(p1["quietmaple"]?.role == .user && p1["quietmaple"]?.persona.age == 27)
        #expect(p1["mod_iris"]?.role == .moderator && p1["mod_iris"]?.instructions == "Keep the discussion civil.")
        let p2 = Dictionary(uniqueKeysWithValues: try await store.participants(of: Self.d2).map { ($0.username, $0) })
        #expect(p2["gruff_owl"]?.role == .troll)
        #expect(p2["mintpetal"]?.role == .troll, "by the troll instruction file")
        #expect(p2["RiverStone52"]?.role == .user)
        #expect(p2["RiverStone52"]?.persona.occupation == "High School Teacher")
        #expect(p2["RiverStone52"]?.persona.personality == ["patient", "direct"])
        #expect(p2["moderator"]?.persona.personality == ["just", "strict", "understanding"])
        // Turns carry the speaker's role.
        #expect(try await store.turns(of: Self.d2).filter { $0.speaker == "mintpetal" }.allSatisfy { $0.role == .troll })
        // Without the instruction file, that user is an ordinary user.
        let plain = try Store.inMemory()
        _ = try await importAll(plain, trolls: false)
        #expect(try await plain.participants(of: Self.d2).first { $0.username == "mintpetal" }?.role == .user)
        #expect(try await plain.participants(of: Self.d2).first { $0.username == "gruff_owl" }?.role == .troll)
    }

    @Test("the 2024 layout's 'Troll intent' makes a troll, with persona fields read from the prompt")
    func trollByIntent() async throws {
        let store = try Store.inMemory()
        _ = try await LegacyImporter(store: store).run(paths: [legacyFixtures + "/main/none"])
        let participants = try await store.participants(of: "5e2a9d10-7c43-4b8e-a1f6-3d0b2c9e8f71")
        let owl = try #require(participants.first { $0.username == "gruff_owl" })
        #expect(owl.role == .troll && owl.persona.extra["intent"] == "Troll" && owl.persona.age == 29)
        let harbour = try #require(participants.first { $0.username == "HarbourLight" })
        #expect(harbour.role == .user && harbour.persona.occupation == "Retired Ferry Captain" && harbour.persona.sex == "female")
        #expect(harbour.persona.education == "Bachelors" && harbour.persona.personality == ["calm"])
    }

    @Test("SynDisco 2.x: every hardcoded seed is a seed comment by its real author")
    func severalSeeds() async throws {
        let store = try Store.inMemory()
        let report = try await importAll(store)
        #expect(report.read.seedComments == 3 && report.stored.seedComments == 3)
        let d = try #require(try await store.discussion(id: Self.d1))
        let seeds = try await store.seedComments(of: d)
        #expect(seeds.map(\.author) == ["ana_writes", "BoltThrower"])
        #expect(seeds.map(\.text) == ["Rent control protects tenants from sudden hikes.", "Rent control just shrinks the housing supply."])
        #expect(d.seedComment == seeds[0].text && d.seedCommentId == seeds[0].id)
        // The second seed is not a turn; turns start after the seeds.
        let turns = try await store.turns(of: Self.d1)
        #expect(turns.count == 5)
        #expect(!turns.contains { $0.rawText == "Rent control just shrinks the housing supply." })
        #expect(turns.first?.speaker == "quietmaple")
        // Nobody was renamed OP: exports and show name the authors the later comments @mention.
        let thread = try await ThreadFormatter.thread(store: store, discussion: d)
        #expect(thread.contains("[0] ana_writes (seed comment 1 of 2)") && thread.contains("[0] BoltThrower (seed comment 2 of 2)"))
        #expect(!thread.contains("OP (seed comment)"))
        let json = try await SDFJSONExport.discussionJSON(store: store, discussion: d)
        #expect(json.logs.prefix(2).map(\.name) == ["ana_writes", "BoltThrower"])
        #expect(json.logs.prefix(2).allSatisfy { $0.model == "hardcoded" })
        let comments = try #require(try await TidyExport.tables(store: store).first { $0.name == "comments" })
        let speaker = TidyExport.commentColumns.firstIndex(of: "speaker")!
        let discussion = TidyExport.commentColumns.firstIndex(of: "discussion_id")!
        let turn = TidyExport.commentColumns.firstIndex(of: "turn_index")!
        let seedRows = comments.rows.filter { $0[discussion] == .text(Self.d1) && $0[turn] == .int(0) }
        #expect(seedRows.map { $0[speaker] } == [.text("ana_writes"), .text("BoltThrower")])
        // ConvoKit: the seeds open the conversation with their authors, the second replying to the first.
        let corpusDir = try temporaryDirectory("convokit")
        defer { try? FileManager.default.removeItem(atPath: corpusDir) }
        _ = try await ConvoKitExport.write(store: store, to: corpusDir)
        let utterances = try String(contentsOfFile: corpusDir + "/utterances.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["conversation_id"] as? String) == d.seedCommentId }
        #expect(utterances.prefix(2).map { $0["speaker"] as? String } == ["ana_writes", "BoltThrower"])
        #expect(utterances[1]["reply_to"] as? String == seeds[0].id && utterances[2]["reply_to"] as? String == seeds[1].id)
        // The seed annotations went to both seed comments.
        let annotated = Set(try await store.annotations(ofDiscussion: Self.d1).map(\.commentId))
        #expect(annotated.isSuperset(of: Set(seeds.map(\.id))))
    }

    @Test("generator models and --condition-pattern make the condition strategy × model; timestamps are the files'")
    func conditionsModelsAndTimes() async throws {
        let store = try Store.inMemory()
        let report = try await importAll(store)
        let d1 = try #require(try await store.discussion(id: Self.d1))
        #expect(d1.strategy == "vanilla" && d1.modelName == "llama70b")
        #expect(d1.conditionId == "strategy=vanilla;model=llama70b" && d1.conditionLabel == "vanilla/llama70b")
        #expect(try await store.turns(of: Self.d1).allSatisfy { $0.call.modelId == "llama-3.1-70b" && $0.call.modelName == "llama70b" })
        let d2 = try #require(try await store.discussion(id: Self.d2))
        #expect(d2.strategy == "guidelines" && d2.modelName == "qwen7b" && d2.replicate == 0)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute], from: d2.startedAt)
        #expect([parts.year, parts.month, parts.day, parts.hour, parts.minute] == [2025, 6, 3, 9, 15])
        #expect(report.files.contains { $0.outcome == .skipped && $0.path.hasSuffix("README.json") })
        // Without a pattern: the folder name is the strategy, the log entries' model the model.
        let plain = try Store.inMemory()
        _ = try await importAll(plain, pattern: nil)
        let p1 = try #require(try await plain.discussion(id: Self.d1))
        #expect(p1.strategy == "llama70b_vanilla.txt" && p1.modelName == "llama-3.1-70b")
        #expect(p1.conditionLabel == "llama70b_vanilla.txt/llama-3.1-70b")
        // Imported sampling values are unknown, not 0.
        #expect(try await plain.allTurns().allSatisfy { $0.call.sampling == .unknown })
    }

    @Test("a folder name the pattern does not match fails the import, naming the folder")
    func patternMismatch() async throws {
        let store = try Store.inMemory()
        let error = await #expect(throws: ImportError.self) {
            _ = try await importAll(store, pattern: "{model}-{strategy}-{trolls}")
        }
        #expect(error?.report.problems.contains { $0.message.contains("llama70b_vanilla.txt") && $0.message.contains("--condition-pattern") } == true)
        #expect(try await store.discussions().isEmpty)
    }

    @Test("the report names every file and agrees with the store")
    func reportNamesFiles() async throws {
        let store = try Store.inMemory()
        let report = try await importAll(store)
        #expect(report.read.files == 9 && report.files.count == 9)
        #expect(report.files.filter { $0.outcome == .annotations }.count == 6)
        #expect(report.files.filter { $0.outcome == .discussion }.count == 2)
        #expect(report.mismatches.isEmpty && report.problems.isEmpty)
        #expect(report.read.turns == report.stored.turns && report.read.turns == 10)
        #expect(report.stored.discussions == 2)
        #expect(report.annotators.count == 3 && report.annotators.allSatisfy { $0.model == "llama-3.1-70b-4bit" && $0.files == 2 })
        #expect(report.summary.contains("read:   9 files, 2 discussions, 3 seed comments, 10 turns"))
        #expect(report.summary.contains("39 annotations"))
        #expect(report.summary.contains("stored: 8 files, 2 discussions, 3 seed comments, 10 turns"))
        #expect(report.summary.contains("6 annotations of silences"))
    }
}

@Suite("Import is all or nothing")
struct ImportTransactionTests {
    /// Copies a discussion file to `dir/in/vanilla/d.json` and returns its annotation file's JSON (for the test to
    /// change and write as `dir/in/a.json`).
    static func discussionAndAnnotationFile(in dir: String) throws -> [String: Any] {
        try FileManager.default.createDirectory(atPath: dir + "/in/vanilla", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: messyFixtures + "/runs/qwen7b_guidelines.txt/conv_8a7b6c5d.json", toPath: dir + "/in/vanilla/d.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: messyFixtures + "/annotations/d2_A.json"))) as! [String: Any]
    }

    @Test("an annotation file that does not match its discussion fails the whole import; the store file is unchanged")
    func mismatchCommitsNothing() async throws {
        let dir = try temporaryDirectory("mismatch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = try Self.discussionAndAnnotationFile(in: dir)
        var logs = file["logs"] as! [[String]]
        logs[3][0] = "a text that is not in the discussion"
        file["logs"] = logs
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: dir + "/in/a.json"))
        let path = dir + "/store.sqlite"
        let store = try Store.open(path: path)
        let error = await #expect(throws: ImportError.self) { _ = try await LegacyImporter(store: store).run(paths: [dir + "/in"]) }
        let report = try #require(error?.report)
        #expect(!report.committed)
        #expect(report.problems.contains { $0.file.hasSuffix("a.json") && $0.message.contains("entry 3") })
        #expect(report.mismatches.contains { $0.hasPrefix("annotations: 6 read, 5 to store, 4 stored") })
        // Nothing committed: not the discussion either.
        let reopened = try Store.openExisting(path: path)
        #expect(try await reopened.discussions().isEmpty)
        #expect(try await reopened.annotations().isEmpty)
        #expect(try await reopened.annotatorRecords().isEmpty)
    }

    @Test("an annotated comment text that differs from its log entry only by surrounding whitespace still matches")
    func surroundingWhitespaceMatches() async throws {
        let dir = try temporaryDirectory("whitespace")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = try Self.discussionAndAnnotationFile(in: dir)
        var logs = file["logs"] as! [[String]]
        logs[3][0] = " \n" + logs[3][0] + "\t \n"
        file["logs"] = logs
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: dir + "/in/a.json"))
        let store = try Store.open(path: dir + "/store.sqlite")
        let report = try await LegacyImporter(store: store).run(paths: [dir + "/in"])
        #expect(report.committed && report.problems.isEmpty)
        #expect(report.stored.annotations == 5)
    }

    @Test("an annotation file changed between its first reading and its storing fails the import, naming the file")
    func annotationFileChangedDuringImport() async throws {
        let dir = try temporaryDirectory("changed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = try Self.discussionAndAnnotationFile(in: dir)
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: dir + "/in/a.json"))
        file["annotator_prompt"] = "You are someone else entirely."
        let changed = try JSONSerialization.data(withJSONObject: file)
        let path = dir + "/in/a.json"
        var importer = LegacyImporter(store: try Store.open(path: dir + "/store.sqlite"))
        // The entries are read again when the annotation files are stored: change the file while discussions are stored.
        importer.progress = { event in
            if event.phase == "storing discussions" { try? changed.write(to: URL(fileURLWithPath: path)) }
        }
        let error = await #expect(throws: ImportError.self) { _ = try await importer.run(paths: [dir + "/in"]) }
        let report = try #require(error?.report)
        #expect(!report.committed)
        #expect(report.problems.contains { $0.file == path && $0.message.contains("the file changed during the import") })
    }

    @Test("read and stored counts that disagree are a mismatch even without a problem")
    func countsDisagree() {
        var report = ImportReport()
        report.read.annotations = 10
        report.annotationsOfSilences = 2
        report.stored.annotations = 7
        #expect(!report.isConsistent)
        #expect(report.mismatches == ["annotations: 10 read, 8 to store, 7 stored"])
        #expect(report.summary.contains("mismatch: annotations"))
        report.stored.annotations = 8
        #expect(report.isConsistent)
    }

    @Test("two files of one discussion with different content fail the import; identical ones are merged")
    func duplicateDiscussions() async throws {
        let dir = try temporaryDirectory("dupes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for folder in ["a", "b"] { try FileManager.default.createDirectory(atPath: dir + "/\(folder)/x", withIntermediateDirectories: true) }
        let source = messyFixtures + "/runs/qwen7b_guidelines.txt/conv_8a7b6c5d.json"
        try FileManager.default.copyItem(atPath: source, toPath: dir + "/a/x/one.json")
        try FileManager.default.copyItem(atPath: source, toPath: dir + "/a/x/two.json")
        let store = try Store.inMemory()
        let report = try await LegacyImporter(store: store).run(paths: [dir + "/a"])
        #expect(report.duplicateDiscussions == 1 && report.files.contains { $0.outcome == .merged && $0.path.hasSuffix("two.json") })
        #expect(try await store.discussions().count == 1)
        let changed = try String(contentsOfFile: source, encoding: .utf8).replacingOccurrences(of: "School uniforms", with: "Uniforms")
        try FileManager.default.copyItem(atPath: source, toPath: dir + "/b/x/one.json")
        try changed.write(toFile: dir + "/b/x/two.json", atomically: true, encoding: .utf8)
        let other = try Store.inMemory()
        await #expect(throws: ImportError.self) { _ = try await LegacyImporter(store: other).run(paths: [dir + "/b"]) }
        #expect(try await other.discussions().isEmpty)
    }
}

@Suite("The store refuses to replace rows of someone else")
struct StoreOwnershipTests {
    func annotation(id: String, annotator: String, comment: String = "c1", discussion: String = "d1") -> AnnotationRecord {
        AnnotationRecord(
            id: id, commentId: comment, discussionId: discussion, annotator: annotator, values: ["toxicity": 2],
            status: .ok, method: .json, detail: nil, rawText: "{}", structuredOutput: .jsonSchema,
            call: CallProvenance(modelName: "m", endpoint: "e", sampling: .unknown, promptHash: "h", templateId: "t", attempts: 1),
            startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0))
    }

    @Test func anAnnotationOfAnotherAnnotatorIsNeverReplaced() async throws {
        let store = try Store.inMemory()
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t"))
        try await store.commitAnnotation(annotation(id: "a1", annotator: "alice"), prompt: prompt)
        await #expect(throws: StoreError.self) {
            try await store.commitAnnotation(annotation(id: "a1", annotator: "bob"), prompt: prompt)
        }
        await #expect(throws: StoreError.self) {
            try await store.commitAnnotation(annotation(id: "a1", annotator: "alice", comment: "c2"), prompt: prompt)
        }
        await #expect(throws: StoreError.self) {
            try await store.commitAnnotation(annotation(id: "a2", annotator: "alice"), prompt: prompt)
        }
        #expect(try await store.annotations().map(\.annotator) == ["alice"])
        // The same job may be replaced (a retried call).
        var again = annotation(id: "a1", annotator: "alice")
        again.values = ["toxicity": 3]
        try await store.commitAnnotation(again, prompt: prompt)
        #expect(try await store.annotations().map(\.values) == [["toxicity": 3]])
    }

    @Test func anAnnotatorIsNotReplacedByAnotherPersona() async throws {
        let store = try Store.inMemory()
        try await store.saveAnnotators([
            AnnotatorRecord(username: "annotator", persona: Persona(username: "annotator", age: 38), systemPrompt: "s", rubric: .default, personaKey: "k1")
        ])
        await #expect(throws: StoreError.self) {
            try await store.saveAnnotators([
                AnnotatorRecord(username: "annotator", persona: Persona(username: "annotator", age: 61), systemPrompt: "s", rubric: .default, personaKey: "k2")
            ])
        }
        #expect(try await store.annotatorRecords()["annotator"]?.persona.age == 38)
    }
}

@Suite("Files that are not discussions")
struct ImportSkipTests {
    @Test("a persona list or config is named as skipped; a broken JSON file fails the import")
    func skipsAndFails() async throws {
        let dir = try temporaryDirectory("skip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/none", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: messyFixtures + "/runs/qwen7b_guidelines.txt/conv_8a7b6c5d.json", toPath: dir + "/none/d.json")
        try #"[{"username": "a"}, {"username": "b"}]"#.write(toFile: dir + "/personas.json", atomically: true, encoding: .utf8)
        try #"{"conv_len": 6}"#.write(toFile: dir + "/turn_config.json", atomically: true, encoding: .utf8)
        let store = try Store.inMemory()
        let report = try await LegacyImporter(store: store).run(paths: [dir])
        #expect(report.committed && report.discussions == 1)
        #expect(report.files.filter { $0.outcome == .skipped }.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["personas.json", "turn_config.json"])
        try #"{"logs": [ "#.write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        let other = try Store.inMemory()
        let error = await #expect(throws: ImportError.self) { _ = try await LegacyImporter(store: other).run(paths: [dir]) }
        #expect(error?.report.problems.contains { $0.file.hasSuffix("broken.json") && $0.message.contains("not valid JSON") } == true)
        #expect(try await other.discussions().isEmpty)
    }
}

@Suite("Reading legacy prompts")
struct LegacyPromptReadingTests {
    @Test("an elided 2025 traits list keeps clean values")
    func elidedTraits() throws {
        let parts = LegacyPrompt.parse(
            "You are a human participating in an online chatroom. Your name is quietmaple. Your traits: username: quietmaple, age: 27, sex: male, ... Your instructions: ...",
            username: "quietmaple")
        let persona = try #require(parts.persona)
        #expect(persona.username == "quietmaple" && persona.age == 27 && persona.sex == "male")
        #expect(parts.instructions == "...")
    }

    @Test("the same persona text has the same key whatever the model; different texts differ")
    func identity() {
        let a = LegacyPrompt.parse("You are a human annotator. Your name is annotator. Your traits: age: 38 Your instructions: x")
        let b = LegacyPrompt.parse("You are a human annotator. Your name is annotator. Your traits: age: 38 Your instructions: y")
        let c = LegacyPrompt.parse("You are a human annotator. Your name is annotator. Your traits: age: 61 Your instructions: x")
        #expect(a.identity == b.identity && a.identity != c.identity && a.identity.count == 16)
    }

    @Test("legacy timestamps are read as UTC; nonsense is nil")
    func timestamps() throws {
        let date = try #require(LegacyPrompt.timestamp("24-10-17-12-04"))
        #expect(date == Date(timeIntervalSince1970: 1_729_166_640))
        #expect(LegacyPrompt.timestamp("24-13-40-99-99") == nil && LegacyPrompt.timestamp("yesterday") == nil)
    }
}
