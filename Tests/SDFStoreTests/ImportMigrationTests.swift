import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v5-import migrations")
struct ImportMigrationTests {
    @Test("a store of the previous schema opens: imported sampling zeros become unknown, annotators keep their rows")
    func previousSchemaOpens() async throws {
        let dir = try temporaryDirectory("migrate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v4-failure-log")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO discussion (id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId,
                      seedComment, seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt)
                    VALUES ('d', 'c', 'none', 'none', 'imported', 0, '', 's', 'seed', 0, 1, NULL, 'imported', 'done',
                      '2024-10-17 12:04:00.000', NULL)
                    """)
            for (id, endpoint) in [("t1", "imported"), ("t2", "http://localhost:8080")] {
                try db.execute(
                    sql: """
                        INSERT INTO turn (id, discussionId, turnIndex, speaker, role, outcome, text, rawText, cleaning, flags,
                          decision, modelName, modelId, endpoint, sampling, promptHash, templateId, attempts, error, startedAt, finishedAt)
                        VALUES (?, 'd', ?, 'a', 'user', 'comment', 'hi', 'hi', '[]', '[]', NULL, 'imported', NULL, ?,
                          '{"temperature":0,"maxTokens":0,"seed":0,"stop":[]}', '', 'imported', 0, NULL,
                          '2024-10-17 12:04:00.000', '2024-10-17 12:04:00.000')
                        """, arguments: [id, id == "t1" ? 1 : 2, endpoint])
            }
            try db.execute(
                sql: "INSERT INTO annotator (username, persona, systemPrompt, rubric) VALUES ('ann', '{\"username\":\"ann\"}', 's', ?)",
                arguments: [String(decoding: try JSONEncoder().encode(Rubric.default), as: UTF8.self)])
        }
        try queue.close()
        let store = try Store.open(path: path)
        let turns = try await store.allTurns()
        #expect(turns.first { $0.id == "t1" }?.call.sampling == .unknown)
        #expect(turns.first { $0.id == "t2" }?.call.sampling.maxTokens == 0, "only imported rows lose their invented zeros")
        #expect(try await store.annotatorRecords()["ann"]?.personaKey == nil)
        let d = try #require(try await store.discussion(id: "d"))
        #expect(try await store.seedComments(of: d).map(\.author) == ["OP"])
    }
}
