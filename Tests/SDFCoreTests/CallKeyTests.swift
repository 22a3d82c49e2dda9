import Foundation
import Testing

@testable import SDFCore

/// The request key's canonical encoding and hash, against `scripts/call_key_reference.py` (Python's `json` with sorted
/// keys and `hashlib.sha256`), committed as `Fixtures/call-key.json`.
@Suite("CallKey: the content address of a request")
struct CallKeyTests {
    struct Reference: Decodable {
        var name: String
        var canonical: String
        var key: String
    }

    static func references() throws -> [String: Reference] {
        let url = TestSupport.testsDirectory.appendingPathComponent("Fixtures/call-key.json")
        let list = try JSONDecoder().decode([Reference].self, from: Data(contentsOf: url))
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    /// The cases of the reference script, built as SDF builds them.
    static let turn = CallKey.Request(
        model: "fake-model",
        messages: [
            .init(role: "system", content: "You are ann, 31. Seed: Cities should ban cars from the centre."),
            .init(role: "user", content: "Thread so far:\nbob: I disagree / strongly — \"no\".\nann:"),
        ],
        sampling: SamplingParameters(temperature: 0.7, topP: nil, maxTokens: 40, seed: 1_234_567, stop: ["\nbob:", "\ncem:", "\nOP:"]),
        responseFormat: nil)

    static let schema = #"""
        {"type": "object", "properties": {"toxicity": {"type": "integer", "minimum": 1, "maximum": 5}}, "required": ["toxicity"]}
        """#

    static let annotation = CallKey.Request(
        model: "qwen2.5-7b-instruct",
        messages: [
            .init(role: "system", content: "You rate comments. Ünïcode ✓"), .init(role: "user", content: "Comment: Homework should be abolished."),
        ],
        sampling: SamplingParameters(
            temperature: 0.2, topP: 0.95, maxTokens: 20, seed: 42, stop: [], frequencyPenalty: 0.5, presencePenalty: 1.25,
            extraBody: ["top_k": .int(40), "min_p": .double(0.05), "chat_template_kwargs": .object(["enable_thinking": .bool(false)])]),
        responseFormat: CallKey.ResponseFormat(form: .jsonSchema, schema: schema))

    @Test("the canonical JSON and its SHA-256 equal the Python reference, byte for byte")
    func goldenEncodingAndHash() throws {
        let references = try Self.references()
        for (name, request) in [("turn", Self.turn), ("annotation", Self.annotation)] {
            let reference = try #require(references[name])
            #expect(request.canonicalJSON == reference.canonical, "\(name)")
            #expect(request.key == reference.key, "\(name)")
            #expect(request.key.count == 64 && request.key.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        // Pinned here too, so that a regenerated fixture cannot silently move every stored key.
        #expect(Self.turn.key == "a262c90c1877dcabed6f13fdb4c88dc610970833aac1ae28fb9e1f44551828a7")
        #expect(Self.annotation.key == "10ae6371ae6a32551a707c29bebeea74c40b265b5603a98325d16bbfe931fb5c")
    }

    @Test("the key ignores the schema's layout and an empty extraBody, and changes with anything sent")
    func whatTheKeyCovers() {
        var reordered = Self.annotation
        reordered.responseFormat = CallKey.ResponseFormat(
            form: .jsonSchema, schema: #"{"required":["toxicity"],"properties":{"toxicity":{"maximum":5,"minimum":1,"type":"integer"}},"type":"object"}"#)
        #expect(reordered.key == Self.annotation.key)
        var empty = Self.turn
        empty.sampling.extraBody = [:]
        #expect(empty.key == Self.turn.key)
        // Nothing sent: no schema, or form off.
        #expect(CallKey.ResponseFormat(form: .off, schema: Self.schema) == nil)
        #expect(CallKey.ResponseFormat(form: .jsonSchema, schema: nil) == nil)

        var changes: [CallKey.Request] = []
        var r = Self.annotation
        r.sampling.seed = 43
        changes.append(r)
        r = Self.annotation
        r.model = "other"
        changes.append(r)
        r = Self.annotation
        r.messages[1].content += " "
        changes.append(r)
        r = Self.annotation
        r.responseFormat = CallKey.ResponseFormat(form: .jsonObject, schema: Self.schema)
        changes.append(r)
        r = Self.annotation
        r.responseFormat = nil
        changes.append(r)
        r = Self.annotation
        r.sampling.stop = ["\nOP:"]
        changes.append(r)
        r = Self.annotation
        r.sampling.temperature = nil
        changes.append(r)
        r = Self.annotation
        r.sampling.extraBody?["top_k"] = .int(41)
        changes.append(r)
        let keys = Set(changes.map(\.key) + [Self.annotation.key])
        #expect(keys.count == changes.count + 1, "every change gives another key")
    }

    @Test("a stored call's key is the key of the request built from its prompt and sampling")
    func keyFromStoredRecord() {
        let prompt = PromptRecord(RenderedPrompt(system: "sys", user: "usr", templateId: "default"))
        let sampling = SamplingParameters(temperature: 0.7, topP: nil, maxTokens: 40, seed: 9, stop: ["\nOP:"])
        let key = CallKey.key(model: "m", prompt: prompt, sampling: sampling)
        let direct = CallKey.Request(
            model: "m", messages: [.init(role: "system", content: "sys"), .init(role: "user", content: "usr")], sampling: sampling,
            responseFormat: nil)
        #expect(key == direct.key)
        #expect(CallKey.key(model: "m", prompt: prompt, sampling: sampling, form: .jsonObject, schema: "{}") != key)
        #expect(CallKey.key(model: "m", prompt: prompt, sampling: sampling, form: .off, schema: "{}") == key)
    }
}
