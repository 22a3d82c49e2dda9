import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v9 call key: each call's request key")
struct CallKeyMigrationTests {
    static let when = "2024-10-17 12:04:00.000"

    /// A store of the schema before `v9-call-key` with one discussion and one comment.
    static func previousVersionStore(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v8-design-factors")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO discussion (id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId,
                      seedComment, seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt)
                    VALUES ('d', 'strategy=none;model=m', 'none', 'none', 'm', 0, '1', 's', 'seed', 0, 2, 4, 'respond(p=0.4)', 'running', ?, ?)
                    """, arguments: [when, when])
            try db.execute(
                sql: """
                    INSERT INTO turn (id, discussionId, turnIndex, speaker, role, outcome, text, rawText, cleaning, flags, modelName,
                      endpoint, sampling, promptHash, templateId, attempts, startedAt, finishedAt)
                    VALUES ('t1', 'd', 1, 'ann', 'user', 'comment', 'hi', 'hi', '[]', '[]', 'm', 'http://x/v1',
                      '{"temperature":0.7,"maxTokens":40,"seed":1,"stop":[]}', 'h', 'default', 1, ?, ?)
                    """, arguments: [when, when])
        }
        try queue.close()
    }

    @Test("a previous store opens with NULL keys; new calls store theirs, indexed; a retried failure keeps its key in failure_log")
    func previousVersionMigrates() async throws {
        let dir = NSTemporaryDirectory() + "callkey-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try Self.previousVersionStore(path)
        let store = try Store.open(path: path)
        let old = try #require(try await store.turns(of: "d").first)
        #expect(old.call.callKey == nil && old.text == "hi")

        var failed = old
        failed.id = "t2"
        failed.turnIndex = 2
        failed.outcome = .failed
        failed.text = nil
        failed.rawText = nil
        failed.call.error = CallFailure(kind: .server, message: "HTTP 500")
        failed.call.callKey = String(repeating: "ab", count: 32)
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default"))
        try await store.commitTurn(failed, prompt: prompt)
        #expect(try await store.turns(of: "d").last?.call.callKey == failed.call.callKey)
        try await store.prepareResume(discussionId: "d")
        let logged = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT callKey FROM failure_log WHERE recordId = 't2'")
        }
        #expect(logged == [failed.call.callKey])
        let plan = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM turn WHERE callKey = ?", arguments: ["x"]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("turn_callKey") }, "\(plan)")
        let annotationPlan = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM annotation WHERE callKey = ?", arguments: ["x"]).map { $0["detail"] as String }
        }
        #expect(annotationPlan.contains { $0.contains("annotation_callKey") }, "\(annotationPlan)")
        // The migration is the last one registered, after the other v9 ones.
        let names = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(Array(names.suffix(5)) == ["v9-moderator-decisions", "v9-shards", "v9-call-key", "v10-branching", "v11-count-indexes"])
    }
}
