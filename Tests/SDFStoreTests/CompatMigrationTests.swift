import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v7 compat: the structured-output form of each annotation")
struct CompatMigrationTests {
    static let when = "2024-10-17 12:04:00.000"

    /// A store of the schema before `v7-compat-structured-output-form`: `structuredOutput` a Bool, one annotation made
    /// with a JSON schema, one without.
    static func previousVersionStore(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v6-typed-records")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO discussion (id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId,
                      seedComment, seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt)
                    VALUES ('d', 'c', 'none', 'none', 'm', 0, '1', 's', 'seed', 0, 2, 4, 'respond(p=0.4)', 'done', ?, ?)
                    """, arguments: [when, when])
            let sampling = #"{"temperature":0.2,"maxTokens":32,"seed":3,"stop":[]}"#
            for (id, flag) in [("a1", 1), ("a2", 0)] {
                try db.execute(
                    sql: """
                        INSERT INTO annotation (id, commentId, discussionId, annotator, "values", status, method, detail, rawText,
                          structuredOutput, modelName, modelId, endpoint, sampling, promptHash, templateId, attempts, startedAt, finishedAt)
                        VALUES (?, 's', 'd', ?, '{"toxicity":1}', 'ok', 'json', NULL, '{}', ?, 'm', 'mid', 'http://x', ?, 'h', 't', 1, ?, ?)
                        """, arguments: [id, "ann-" + id, flag, sampling, when, when])
            }
        }
        try queue.close()
    }

    @Test("true becomes json_schema, false becomes off; new rows keep any form; values are stored as text")
    func previousVersionMigrates() async throws {
        let dir = NSTemporaryDirectory() + "compat-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try Self.previousVersionStore(path)
        let store = try Store.open(path: path)
        let before = Dictionary(uniqueKeysWithValues: try await store.annotations().map { ($0.id, $0) })
        #expect(before["a1"]?.structuredOutput == .jsonSchema)
        #expect(before["a2"]?.structuredOutput == .off)

        var record = try #require(before["a2"])
        record.id = "a3"
        record.annotator = "ann-a3"
        record.structuredOutput = .jsonObject
        try await store.commitAnnotation(record, prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        let after = Dictionary(uniqueKeysWithValues: try await store.annotations().map { ($0.id, $0) })
        #expect(after["a3"]?.structuredOutput == .jsonObject)

        let queue = try DatabaseQueue(path: path)
        let stored = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT structuredOutput FROM annotation ORDER BY id")
        }
        #expect(stored == ["json_schema", "off", "json_object"])
        let types = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT typeof(structuredOutput) FROM annotation")
        }
        #expect(types == ["text"])
    }

    @Test("sdf-json of earlier versions (a Bool) still decodes")
    func legacyJSONDecodes() throws {
        let json = #"""
            {"id":"a","commentId":"c","discussionId":"d","annotator":"x","values":{},"status":"ok","method":"json",
             "structuredOutput":true,"modelName":"m","endpoint":"e","sampling":{"stop":[]},"promptHash":"h","templateId":"t",
             "attempts":1,"startedAt":0,"finishedAt":0}
            """#
        let record = try JSONDecoder().decode(AnnotationRecord.self, from: Data(json.utf8))
        #expect(record.structuredOutput == .jsonSchema)
        let again = try JSONDecoder().decode(AnnotationRecord.self, from: try JSONEncoder().encode(record))
        #expect(again.structuredOutput == .jsonSchema)
        #expect(String(decoding: try JSONEncoder().encode(record), as: UTF8.self).contains(#""structuredOutput":"json_schema""#))
    }
}
