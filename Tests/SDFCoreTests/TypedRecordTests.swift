import Foundation
import SDFCore
import Testing

@Suite("typed records: call provenance, error kinds, turn-taking labels")
struct TypedRecordTests {
    static let call = CallProvenance(
        modelName: "m", modelId: "mid", endpoint: "http://x", sampling: SamplingParameters(temperature: 0.5, topP: nil, maxTokens: 9, seed: 2, stop: ["\nb:"]),
        promptHash: "h", templateId: "t", promptTokens: 10, completionTokens: 4, latencyMs: 12.5, finishReason: "stop", attempts: 2,
        error: CallFailure(kind: .badRequest, message: "HTTP 400: context"))

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    @Test("a turn encodes flat (provenance beside its own fields), kind and message apart, and decodes back equal")
    func turnRoundTrip() throws {
        let turn = TurnRecord(
            id: "t", discussionId: "d", turnIndex: 3, speaker: "a", role: .user, outcome: .failed, call: Self.call,
            startedAt: Date(timeIntervalSince1970: 10), finishedAt: Date(timeIntervalSince1970: 11))
        let data = try Self.encoder().encode(turn)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["call"] == nil)
        #expect(object["modelName"] as? String == "m" && object["attempts"] as? Int == 2)
        #expect(object["errorKind"] as? String == "badRequest" && object["error"] as? String == "HTTP 400: context")
        #expect(object["cachedTokens"] == nil, "unknown values are left out, as before")
        #expect(try JSONDecoder().decode(TurnRecord.self, from: data) == turn)
    }

    @Test("records written by the previous version (`error` = `kind: message`, a failed annotation's error in `detail`) decode typed")
    func previousVersionJSON() throws {
        let turn = TurnRecord(
            id: "t", discussionId: "d", turnIndex: 1, speaker: "a", role: .user, outcome: .failed,
            call: CallProvenance(modelName: "m", endpoint: "e", sampling: .unknown, promptHash: "h", templateId: "t"),
            startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0))
        var object = try #require(try JSONSerialization.jsonObject(with: try Self.encoder().encode(turn)) as? [String: Any])
        object["error"] = "timeout: no answer within 30 s"
        let old = try JSONDecoder().decode(TurnRecord.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.call.error == CallFailure(kind: .timeout, message: "no answer within 30 s"))

        let annotation = AnnotationRecord(
            id: "a", commentId: "t", discussionId: "d", annotator: "ann", status: .failed, structuredOutput: .jsonSchema,
            call: turn.call, startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0))
        var a = try #require(try JSONSerialization.jsonObject(with: try Self.encoder().encode(annotation)) as? [String: Any])
        a["detail"] = "server: HTTP 503"
        let oldAnnotation = try JSONDecoder().decode(AnnotationRecord.self, from: try JSONSerialization.data(withJSONObject: a))
        #expect(oldAnnotation.call.error == CallFailure(kind: .server, message: "HTTP 503"))
        #expect(oldAnnotation.detail == nil && oldAnnotation.reason == "server: HTTP 503")
        a["status"] = "unparsed"
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnnotationRecord.self, from: try JSONSerialization.data(withJSONObject: a)) }
    }

    @Test("error text of earlier versions splits only at a known kind")
    func legacyErrorText() {
        #expect(CallFailure(legacyDescription: "server: HTTP 500: x") == CallFailure(kind: .server, message: "HTTP 500: x"))
        #expect(CallFailure(legacyDescription: "HTTP 500: x") == CallFailure(kind: nil, message: "HTTP 500: x"))
        #expect(CallFailure(legacyDescription: "serverish: x").kind == nil)
        #expect(CallFailure(kind: nil, message: "x").description == "x")
        #expect(CallFailure(kind: nil, message: "x").kindName == "unknown")
        #expect(CallErrorKind.allCases.filter(\.isDeterministic) == [.badRequest, .authentication, .engine])
    }

    @Test("turn-taking labels round-trip exactly; anything else is refused", arguments: [
        RecordedTurnTaking.imported, .policy(.random), .policy(.roundRobin(randomStart: false)), .policy(.roundRobin(randomStart: true)),
        .policy(.respond(p: 0.4)), .policy(.respond(p: 0.1 + 0.2)), .policy(.respond(p: 1)),
    ])
    func turnTakingLabels(_ value: RecordedTurnTaking) throws {
        #expect(RecordedTurnTaking(label: value.description) == value)
        let data = try JSONEncoder().encode([value])
        #expect(try JSONDecoder().decode([RecordedTurnTaking].self, from: data) == [value])
    }

    @Test func turnTakingLabelRejects() {
        for label in ["respond(p=1.5)", "respond(p=x)", "roundRobin", "Random", ""] {
            #expect(RecordedTurnTaking(label: label) == nil, "\(label)")
        }
        #expect(RecordedTurnTaking.policy(.random).respondProbability == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RecordedTurnTaking].self, from: Data(#"["respond"]"#.utf8)) }
    }

    @Test func annotationStatusCoversEveryParseStatus() {
        let parse: [AnnotationParseStatus] = [.ok, .outOfRange, .missingDimension, .refusal, .unparseable]
        #expect(parse.map { AnnotationStatus($0).rawValue } == parse.map(\.rawValue))
        #expect(Set(AnnotationStatus.allCases).subtracting(parse.map(AnnotationStatus.init)) == [.failed])
    }
}
