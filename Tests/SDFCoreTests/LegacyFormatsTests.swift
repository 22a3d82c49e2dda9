import Foundation
import Testing

@testable import SDFCore

/// Invented legacy files in `Fixtures/legacy/`, next to this file.
enum LegacyFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/legacy", isDirectory: true)

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    /// Toxicity 1–5 only, as the 2024 annotator prompt asked (`Toxicity=N`).
    static let toxicityRubric = Rubric(dimensions: [
        RubricDimension(name: "toxicity", description: "", min: 1, max: 5, labels: [], higherMeans: "more toxic")
    ])
    /// The 2025 rubric as asked at the time: ArgumentQuality 1 = best, 5 = worst.
    static let rubric2025 = Rubric(dimensions: [
        RubricDimension(name: "toxicity", description: "", min: 1, max: 5, labels: [], higherMeans: "more toxic"),
        RubricDimension(
            name: "argument_quality", description: "", min: 1, max: 5, labels: [], higherMeans: "worse argument"),
    ])
}

@Suite struct LegacyFormatsTests {
    // MARK: discussions

    @Test func decodesThe2024PairLayout() throws {
        let d = try LegacyFormats.decodeDiscussion(try LegacyFixtures.data("discussion_2024.json"))
        #expect(d.id == "5e2a9d10-7c43-4b8e-a1f6-3d0b2c9e8f71")
        #expect(d.timestamp == "24-09-03-08-41")
        #expect(d.users == ["HarbourLight", "gruff_owl", "mintpetal"])
        #expect(d.moderator == "mod_kestrel")
        #expect(d.userPrompts.count == 3)
        #expect(d.userPrompts[0].contains("Public libraries are a waste"))
        #expect(d.moderatorPrompt?.hasSuffix("Keep the conversation on topic.") == true)
        #expect(d.contextLength == 4)
        #expect(d.logs.map(\.speaker) == ["gruff_owl", "mod_kestrel", "HarbourLight", "mintpetal", "mod_kestrel", "gruff_owl"])
        #expect(d.logs.allSatisfy { $0.model == nil && !$0.isSeed })
        #expect(d.seed == nil)
        #expect(d.logs.map(\.isSilence) == [false, true, false, false, false, true])
        // Texts are kept as logged, artefacts included: cleaning is the importer's job.
        #expect(d.logs[0].text == "**Comment:** libraries are just free wifi for people who won't buy a laptop.")
        #expect(d.logs[3].text.hasPrefix("User mintpetal posted:\n"))
        #expect(d.logs[5].text == "  ''  ")
    }

    @Test func decodesThe2025ObjectLayoutWithSeed() throws {
        let d = try LegacyFormats.decodeDiscussion(try LegacyFixtures.data("discussion_2025.json"))
        #expect(d.id == "c4f81a2b-90de-4e6a-b3c7-15a9f0d2e684")
        #expect(d.contextLength == 2)
        #expect(d.logs.count == 5)
        #expect(d.logs[0] == LegacyComment(
            speaker: "dune_runner", text: "Four-day work weeks would wreck small businesses.", model: "hardcoded",
            isSeed: true))
        #expect(d.seed?.speaker == "dune_runner")
        #expect(d.logs.dropFirst().allSatisfy { !$0.isSeed && $0.model == "mistral-7b-instruct" })
        #expect(d.logs.map(\.isSilence) == [false, false, true, false, false])
        #expect(d.logs[2].text == "\"\"")
        #expect(d.logs[1].text == "\"Only lazy people want a four-day week anyway.\"", "wrapping quotes are kept")
    }

    @Test func onlyAFirstHardcodedEntryIsTheSeed() throws {
        let json = """
            {"id": "x", "timestamp": "t", "users": ["a"], "user_prompts": ["p"],
             "logs": [{"name": "a", "text": "hi", "model": "m"}, {"name": "OP", "text": "seed?", "model": "hardcoded"},
                      {"name": "a", "text": "", "model": null}]}
            """
        let d = try LegacyFormats.decodeDiscussion(Data(json.utf8))
        #expect(d.logs.map(\.isSeed) == [false, false, false])
        #expect(d.logs[1].model == "hardcoded")
        #expect(d.logs[2].model == nil && d.logs[2].isSilence)
        #expect(d.moderator == nil && d.moderatorPrompt == nil && d.contextLength == nil)
    }

    @Test(arguments: [
        ("", true), ("   ", true), ("\"\"", true), ("''", true), (" \"\" \n", true),
        ("\"Hi\"", false), ("'", false), ("\"", false), ("(silent)", false), ("ok", false),
    ])
    func silenceMarkers(_ text: String, _ silent: Bool) {
        #expect(LegacyFormats.isSilence(text) == silent)
        #expect(LegacyComment(speaker: "a", text: text).isSilence == silent)
    }

    // MARK: malformed discussions

    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        ("{\"id\": \"x\", ", "not valid JSON"),
        ("[1, 2]", "expected a JSON object at the top level, found a list of 2"),
        (#"{"id": "x", "timestamp": "t", "users": [], "user_prompts": []}"#, "missing key 'logs'"),
        (#"{"timestamp": "t", "users": [], "user_prompts": [], "logs": []}"#, "missing key 'id'"),
        (#"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "logs": {}}"#, "logs: expected a list, found an object"),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "logs": [["a", "b"], 3]}"#,
            "logs[1]: expected [name, text] or {name, text, model}, found a number"
        ),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "logs": [["a", 5]]}"#,
            "logs[0]: expected [name, text] or {name, text, model}, found a list of 2"
        ),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "logs": [{"name": "a", "message": "hi"}]}"#,
            "logs[0]: expected [name, text] or {name, text, model}; 'text' must be a string"
        ),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "logs": [{"name": "a", "text": "hi", "model": 3}]}"#,
            "logs[0]: expected [name, text] or {name, text, model}; 'model' must be a string"
        ),
        (#"{"id": 7, "timestamp": "t", "users": [], "user_prompts": [], "logs": []}"#, "id: expected a string, found a number"),
        (#"{"id": "x", "timestamp": "t", "users": ["a", null], "user_prompts": [], "logs": []}"#, "users[1]: expected a string, found null"),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "ctx_length": "3", "logs": []}"#,
            "ctx_length: expected an integer, found a string"
        ),
        (
            #"{"id": "x", "timestamp": "t", "users": [], "user_prompts": [], "ctx_length": 2.5, "logs": []}"#,
            "ctx_length: expected an integer, found 2.5"
        ),
    ])
    func malformedDiscussionsNameTheProblem(_ json: String, _ message: String) {
        let error = #expect(throws: LegacyFormatError.self) { try LegacyFormats.decodeDiscussion(Data(json.utf8)) }
        #expect(error?.description == message)
    }

    @Test func malformedFixtureNamesTheEntry() throws {
        let data = try LegacyFixtures.data("discussion_bad_entry.json")
        let error = #expect(throws: LegacyFormatError.self) { try LegacyFormats.decodeDiscussion(data) }
        #expect(error?.location == "logs[2]")
        #expect(error?.description == "logs[2]: expected [name, text] or {name, text, model}, found a list of 3")
    }

    // MARK: annotations

    @Test func decodesThe2024AnnotationFileAndParsesToxicity() throws {
        let file = try LegacyFormats.decodeAnnotations(try LegacyFixtures.data("annotation_2024.json"))
        #expect(file.conversationId == "5e2a9d10-7c43-4b8e-a1f6-3d0b2c9e8f71")
        #expect(file.timestamp == "24-09-05-16-02")
        #expect(file.annotatorType == "LLMAnnotator")
        #expect(file.annotator == nil)
        #expect(file.annotatorPrompt.hasSuffix("Answer Toxicity=<number> from 1 to 5."))
        #expect(file.contextLength == 5)
        #expect(file.entries.count == 6)
        #expect(file.entries.map(\.commentIsSilence) == [false, true, false, false, false, true])

        let results = file.entries.map { AnnotationParser.parse($0.rawAnnotation, rubric: LegacyFixtures.toxicityRubric) }
        #expect(results.map(\.status) == [.ok, .ok, .ok, .unparseable, .unparseable, .unparseable])
        #expect(results.map { $0.values["toxicity"] } == [3, 1, 1, nil, nil, nil])
        #expect(results[5].detail == "empty answer")
    }

    @Test func decodesThe2025AnnotationFileAndParsesTwoDimensionsAsWritten() throws {
        let file = try LegacyFormats.decodeAnnotations(try LegacyFixtures.data("annotation_2025.json"))
        #expect(file.conversationId == "c4f81a2b-90de-4e6a-b3c7-15a9f0d2e684")
        #expect(file.annotator == "gemma-2-27b-q4")
        #expect(file.annotatorType == nil)
        #expect(file.entries.map(\.commentIsSilence) == [false, false, true, false, false])

        let results = file.entries.map { AnnotationParser.parse($0.rawAnnotation, rubric: LegacyFixtures.rubric2025) }
        #expect(results.map(\.status) == [.ok, .ok, .ok, .ok, .outOfRange])
        // Values stay as the annotator wrote them (ArgumentQuality 1 = best): no re-mapping in the decoder.
        #expect(results[1].values == ["toxicity": 4, "argument_quality": 5])
        #expect(results[3].values == ["toxicity": 1, "argument_quality": 1])
        #expect(results[4].values == ["toxicity": 1])
        #expect(results[4].detail == "argument_quality = 7 is outside 1...5")
        // The one-dimension rubric ignores the second dimension.
        let toxicityOnly = file.entries.map {
            AnnotationParser.parse($0.rawAnnotation, rubric: LegacyFixtures.toxicityRubric).values["toxicity"]
        }
        #expect(toxicityOnly == [1, 4, 1, 1, 1])
    }

    @Test func discussionAndAnnotationFilesLineUp() throws {
        let discussion = try LegacyFormats.decodeDiscussion(try LegacyFixtures.data("discussion_2025.json"))
        let annotations = try LegacyFormats.decodeAnnotations(try LegacyFixtures.data("annotation_2025.json"))
        #expect(annotations.conversationId == discussion.id)
        #expect(annotations.entries.map(\.commentText) == discussion.logs.map(\.text))
    }

    @Test(arguments: [
        ("", "not valid JSON"),
        (#"{"annotator_prompt": "p", "logs": []}"#, "missing key 'conv_id'"),
        (#"{"conv_id": "c", "logs": []}"#, "missing key 'annotator_prompt'"),
        (#"{"conv_id": "c", "annotator_prompt": "p"}"#, "missing key 'logs'"),
        (
            #"{"conv_id": "c", "annotator_prompt": "p", "logs": [["t", "Toxicity=1"], ["t"]]}"#,
            "logs[1]: expected [comment text, raw annotation], found a list of 1"
        ),
        (
            #"{"conv_id": "c", "annotator_prompt": "p", "logs": [{"text": "t", "annotation": "Toxicity=1"}]}"#,
            "logs[0]: expected [comment text, raw annotation], found an object"
        ),
        (
            #"{"conv_id": "c", "annotator_prompt": "p", "annotator_model": 3, "logs": []}"#,
            "annotator_model: expected a string or null, found a number"
        ),
    ])
    func malformedAnnotationFilesNameTheProblem(_ json: String, _ message: String) {
        let error = #expect(throws: LegacyFormatError.self) { try LegacyFormats.decodeAnnotations(Data(json.utf8)) }
        #expect(error?.description == message)
    }

    @Test func decodedValuesRoundTripThroughSDFsOwnEncoding() throws {
        let d = try LegacyFormats.decodeDiscussion(try LegacyFixtures.data("discussion_2025.json"))
        #expect(try JSONDecoder().decode(LegacyDiscussion.self, from: JSONEncoder().encode(d)) == d)
        let a = try LegacyFormats.decodeAnnotations(try LegacyFixtures.data("annotation_2024.json"))
        #expect(try JSONDecoder().decode(LegacyAnnotationFile.self, from: JSONEncoder().encode(a)) == a)
    }

    @Test("a file that is not JSON says why: empty, malformed or incomplete, an unreadable string")
    func notJSONSaysWhy() {
        func problem(_ text: String) -> String {
            do {
                _ = try LegacyFormats.kind(of: Data(text.utf8))
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("").contains("not valid JSON: the file is empty"))
        #expect(problem(#"{"logs": [1, 2"#).contains("not valid JSON: malformed or incomplete JSON text"))
        #expect(problem(#"{"logs": [{"name": "a", "text": "\ud800"}]}"#).contains("the value at 'logs' cannot be read"))
        #expect(problem(#"{"logs": []}"#) == "")
    }
}
