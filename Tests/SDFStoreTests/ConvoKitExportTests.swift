import Foundation
import SDFCore
import SDFStore
import Testing

/// The shapes ConvoKit reads (its documented data format), decoded strictly enough to catch a wrong type.
struct CKUtterance: Decodable {
    struct Meta: Decodable {
        var discussion_id: String
        var turn_index: Int
        var role: String
        var condition: String
        var strategy: String
        var model: String
        var replicate: Int
        var flags: [String]
        var cleaning: [String]
        var model_id: String?
        var finish_reason: String?
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var annotations: [String: [String: Int]]
    }
    var id: String
    var speaker: String
    var conversation_id: String
    var reply_to: String?
    var timestamp: Int
    var text: String
    var meta: Meta
    var vectors: [String]
}

struct CKSpeaker: Decodable {
    struct Meta: Decodable {
        var age: Int?
        var sex: String?
        var education: String?
        var sexual_orientation: String?
        var ethnicity: String?
        var occupation: String?
        var political_leaning: String?
        var personality: [String]
        var extra: [String: String]
        var role: String?
        var roles: [String]
    }
    var meta: Meta
    var vectors: [String]
}

struct CKConversation: Decodable {
    struct Meta: Decodable {
        var discussion_id: String
        var condition: String
        var condition_id: String
        var strategy: String
        var model: String
        var replicate: Int
        var seed: String
        var status: String
        var seed_comment_index: Int
        var user_turns: Int
        var history_length: Int?
        var turn_taking: String
        var participants: [String]
        var moderator: String?
    }
    var meta: Meta
    var vectors: [String]
}

@Suite("ConvoKit export")
struct ConvoKitExportTests {
    func export() async throws -> (ExportFixture.Built, [String: String]) {
        let built = try await ExportFixture.build()
        let corpus = try await ConvoKitExport.corpus(store: built.store)
        return (built, Dictionary(uniqueKeysWithValues: corpus.files.map { ($0.name, $0.contents) }))
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("the five corpus files exist and every JSON document parses")
    func files() async throws {
        let (_, files) = try await export()
        #expect(Set(files.keys) == ["utterances.jsonl", "speakers.json", "conversations.json", "corpus.json", "index.json"])
        for (name, contents) in files {
            #expect(contents.hasSuffix("\n"), "\(name)")
            if name.hasSuffix(".json") { _ = try object(contents) }
        }
        let lines = try #require(files["utterances.jsonl"]).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")
        for line in lines.dropLast() { _ = try object(String(line)) }
    }

    @Test("utterances: seed comments are roots, each comment replies to the previous one, abstentions and failures are absent")
    func utterances() async throws {
        let (built, files) = try await export()
        let lines = try #require(files["utterances.jsonl"]).split(separator: "\n").map(String.init)
        let decoder = JSONDecoder()
        let utterances = try lines.map { try decoder.decode(CKUtterance.self, from: Data($0.utf8)) }
        for line in lines {
            #expect(Set(try object(line).keys) == ["id", "speaker", "conversation_id", "reply_to", "timestamp", "text", "meta", "vectors"])
        }
        // Exactly the stored comments (seed comments included), with their exact texts.
        #expect(utterances.count == built.texts.count)
        #expect(Set(utterances.map(\.id)).count == utterances.count)
        for u in utterances { #expect(u.text == built.texts[u.id], "text of \(u.id)") }
        // Threads: the root is the seed comment (OP, reply_to null, id = conversation id); then a chain.
        for d in built.discussions {
            let thread = utterances.filter { $0.conversation_id == d.seedCommentId }
            #expect(thread.map(\.id) == built.threads[d.id], "thread of \(d.id)")
            let root = try #require(thread.first)
            #expect(root.id == d.seedCommentId && root.reply_to == nil && root.speaker == "OP" && root.meta.role == "op")
            #expect(root.meta.turn_index == 0)
            for (previous, u) in zip(thread, thread.dropFirst()) {
                #expect(u.reply_to == previous.id)
                #expect(u.meta.turn_index > previous.meta.turn_index)
                #expect(u.timestamp >= previous.timestamp)
                #expect(u.meta.discussion_id == d.id && u.meta.condition == d.conditionLabel && u.meta.strategy == d.strategy)
            }
        }
        #expect(utterances.filter { $0.reply_to == nil }.count == built.discussions.count)
        // The troll's flagged comment and the moderator's role survive; abstention turns (t3 in none) are absent.
        let flagged = try #require(utterances.first { $0.id == "d-none-t2" })
        #expect(flagged.meta.flags == ["repetition", "truncated"] && flagged.meta.role == "troll" && flagged.speaker == "ben")
        #expect(flagged.meta.cleaning == ["speakerPrefix"])
        #expect(flagged.meta.model_id == "scripted-model" && flagged.meta.prompt_tokens == 102)
        #expect(!utterances.contains { $0.id == "d-none-t3" || $0.id == "d-guidelines-t2" || $0.id == "d-guidelines-t7" })
        #expect(utterances.contains { $0.meta.role == "moderator" && $0.speaker == "moderator" })
        // Annotations: ok values only, by annotator and dimension.
        let annotated = utterances.filter { !$0.meta.annotations.isEmpty }
        #expect(annotated.count == built.texts.count - built.discussions.count)
        #expect(annotated.allSatisfy { $0.meta.annotations["ann1"]?.keys.sorted() == ["argument_quality", "toxicity"] })
        #expect(annotated.contains { $0.meta.annotations["ann2"] == nil })
        #expect(utterances.filter { $0.reply_to == nil }.allSatisfy { $0.meta.annotations.isEmpty })
        #expect(flagged.timestamp == Int(ExportFixture.epoch.timeIntervalSince1970) + 23)
    }

    @Test("speakers carry persona attributes and roles; conversations carry the design cell")
    func speakersAndConversations() async throws {
        let (built, files) = try await export()
        let speakers = try JSONDecoder().decode([String: CKSpeaker].self, from: Data(try #require(files["speakers.json"]).utf8))
        #expect(Set(speakers.keys) == ["OP", "ada", "ben", "cleo", "moderator"])
        let ada = try #require(speakers["ada"]?.meta)
        #expect(ada.age == 31 && ada.sex == "female" && ada.education == "MSc" && ada.occupation == "nurse")
        #expect(ada.political_leaning == "left" && ada.personality == ["calm", "kind"] && ada.extra == ["hobby": "chess"])
        #expect(ada.role == "user" && ada.roles == ["user"])
        let ben = try #require(speakers["ben"]?.meta)
        #expect(ben.role == nil && ben.roles == ["troll", "user"])
        #expect(speakers["cleo"]?.meta.age == nil)
        #expect(speakers["OP"]?.meta.role == "op" && speakers["moderator"]?.meta.role == "moderator")
        let conversations = try JSONDecoder().decode([String: CKConversation].self, from: Data(try #require(files["conversations.json"]).utf8))
        #expect(Set(conversations.keys) == Set(built.discussions.map(\.seedCommentId)))
        let none = try #require(conversations["seed-d-none"]?.meta)
        #expect(none.discussion_id == "d-none" && none.condition == "none" && none.moderator == nil && none.history_length == nil)
        #expect(none.status == "done" && none.turn_taking == "respond(p=0.4)" && none.participants == ["ada", "ben", "cleo"])
        let guidelines = try #require(conversations["seed-d-guidelines"]?.meta)
        #expect(guidelines.moderator == "moderator" && guidelines.status == "failed" && guidelines.history_length == 3)
        #expect(guidelines.seed_comment_index == 1 && guidelines.user_turns == 4 && guidelines.condition_id == "cond-guidelines")
        let corpus = try object(try #require(files["corpus.json"]))
        #expect(corpus["name"] as? String == "export-fixture" && corpus["source"] as? String == "SDF")
        #expect(corpus["conditions"] as? [String] == ["guidelines", "none"])
        #expect(corpus["rubric"] as? [String] == ["toxicity", "argument_quality"])
        #expect(corpus["annotators"] as? [String] == ["ann1", "ann2"])
    }

    @Test("index.json lists every meta key with the Python types of its non-null values")
    func index() async throws {
        let (_, files) = try await export()
        let index = try object(try #require(files["index.json"]))
        #expect(Set(index.keys) == ["utterances-index", "speakers-index", "conversations-index", "overall-index", "vectors", "version"])
        #expect((index["vectors"] as? [Any])?.isEmpty == true)
        #expect((index["version"] as? NSNumber)?.intValue == 1)
        let utterancesIndex = try #require(index["utterances-index"] as? [String: [String]])
        #expect(utterancesIndex["turn_index"] == ["<class 'int'>"])
        #expect(utterancesIndex["flags"] == ["<class 'list'>"])
        #expect(utterancesIndex["annotations"] == ["<class 'dict'>"])
        #expect(utterancesIndex["model_id"] == ["<class 'str'>"])  // null on seed comments: not a type
        #expect(utterancesIndex["prompt_tokens"] == ["<class 'int'>"])
        let speakersIndex = try #require(index["speakers-index"] as? [String: [String]])
        #expect(speakersIndex["age"] == ["<class 'int'>"] && speakersIndex["role"] == ["<class 'str'>"])
        #expect(speakersIndex["sexual_orientation"] == [])  // always null
        let conversationsIndex = try #require(index["conversations-index"] as? [String: [String]])
        #expect(conversationsIndex["moderator"] == ["<class 'str'>"] && conversationsIndex["history_length"] == ["<class 'int'>"])
        #expect(conversationsIndex["participants"] == ["<class 'list'>"])
        let overall = try #require(index["overall-index"] as? [String: [String]])
        #expect(overall["name"] == ["<class 'str'>"] && overall["conditions"] == ["<class 'list'>"])
        // Every key used in the data is indexed, and nothing else.
        let utteranceKeys = try files["utterances.jsonl"]!.split(separator: "\n").map { try #require(try object(String($0))["meta"] as? [String: Any]).keys }
        #expect(Set(utteranceKeys.flatMap { $0 }) == Set(utterancesIndex.keys))
        let speakers = try object(files["speakers.json"]!)
        let speakerKeys = try speakers.values.map { try #require(($0 as? [String: Any])?["meta"] as? [String: Any]).keys }
        #expect(Set(speakerKeys.flatMap { $0 }) == Set(speakersIndex.keys))
        #expect(Set(try object(files["corpus.json"]!).keys) == Set(overall.keys))
    }

    @Test("the export is byte-stable and write() puts the same bytes on disk")
    func write() async throws {
        let built = try await ExportFixture.build()
        let first = try await ConvoKitExport.corpus(store: built.store)
        let second = try await ConvoKitExport.corpus(store: built.store)
        #expect(first.files.map(\.contents) == second.files.map(\.contents))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("convokit-\(UUID().uuidString)/corpus")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let paths = try await ConvoKitExport.write(store: built.store, to: folder.path)
        #expect(paths.count == 5)
        for file in first.files {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
            #expect(onDisk == file.contents, "\(file.name)")
        }
    }

    @Test("JSON text: sorted keys, escapes, reals always with a point, non-finite as null")
    func jsonText() {
        let value = ConvoKitJSON.object([
            "b": .double(2), "a": .array([.int(3), .double(0.5), .double(.nan), .null, .bool(true)]),
            "c": .string("q\"\\\n\r\t\u{1}é😀\u{2028}"), "B": .double(1e-5),
        ])
        #expect(value.text == #"{"B":1e-05,"a":[3,0.5,null,null,true],"b":2.0,"c":"q\"\\\n\r\t\u0001é😀\u2028"}"#)
        let parsed = try? JSONSerialization.jsonObject(with: Data(value.text.utf8)) as? [String: Any]
        #expect(parsed?["c"] as? String == "q\"\\\n\r\t\u{1}é😀\u{2028}")
        #expect(ConvoKitJSON.double(1).pythonType == "<class 'float'>" && ConvoKitJSON.null.pythonType == nil)
    }
}
