import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v6 typed records: migration and flat storage")
struct TypedRecordMigrationTests {
    static let when = "2024-10-17 12:04:00.000"

    /// A store of the schema before `v6-typed-records`, with a failed turn, a failed and a parsed annotation, and a
    /// retried failure, written as the previous version wrote them.
    static func previousVersionStore(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v5-import-unknown-sampling")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO discussion (id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId,
                      seedComment, seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt)
                    VALUES ('d', 'c', 'none', 'none', 'm', 0, '1', 's', 'seed', 0, 2, 4, 'respond(p=0.4)', 'failed', ?, NULL)
                    """, arguments: [when])
            let sampling = #"{"temperature":0.7,"maxTokens":64,"seed":3,"stop":[]}"#
            for (id, index, outcome, error) in [
                ("t1", 1, "comment", nil), ("t2", 2, "failed", "server: POST /v1/chat/completions: HTTP 500 boom: still"),
                ("t3", 3, "failed", "something without a kind"),
            ] as [(String, Int, String, String?)] {
                try db.execute(
                    sql: """
                        INSERT INTO turn (id, discussionId, turnIndex, speaker, role, outcome, text, rawText, cleaning, flags,
                          decision, modelName, modelId, endpoint, sampling, promptHash, templateId, attempts, error, startedAt, finishedAt)
                        VALUES (?, 'd', ?, 'a', 'user', ?, ?, ?, '[]', '[]', NULL, 'm', 'mid', 'http://x', ?, 'h', 't', 5, ?, ?, ?)
                        """,
                    arguments: [id, index, outcome, outcome == "comment" ? "hi" : nil, outcome == "comment" ? "hi" : nil, sampling, error, when, when])
            }
            for (id, status, detail) in [("a1", "ok", nil), ("a2", "failed", "timeout: no answer within 30 s"), ("a3", "refusal", "declined")]
                as [(String, String, String?)]
            {
                try db.execute(
                    sql: """
                        INSERT INTO annotation (id, commentId, discussionId, annotator, "values", status, method, detail, rawText,
                          structuredOutput, modelName, modelId, endpoint, sampling, promptHash, templateId, attempts, startedAt, finishedAt)
                        VALUES (?, 't1', 'd', ?, '{}', ?, 'none', ?, NULL, 1, 'm', NULL, 'http://x', ?, 'h', 't', 2, ?, ?)
                        """, arguments: [id, "ann-" + id, status, detail, sampling, when, when])
            }
            try db.execute(
                sql: "INSERT INTO failure_log (kind, recordId, discussionId, error, attempts, failedAt) VALUES ('turn', 't0', 'd', ?, 4, ?)",
                arguments: ["connection: refused", when])
        }
        try queue.close()
    }

    @Test("a store of the previous version opens with typed errors, policy and statuses, and resumes")
    func previousVersionMigrates() async throws {
        let dir = try temporaryDirectory("typed-migrate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try Self.previousVersionStore(path)
        let store = try Store.open(path: path)

        let d = try #require(try await store.discussion(id: "d"))
        #expect(d.turnTaking == .policy(.respond(p: 0.4)))
        #expect(d.turnTaking.respondProbability == 0.4)

        let turns = Dictionary(uniqueKeysWithValues: try await store.allTurns().map { ($0.id, $0) })
        #expect(turns["t1"]?.call.error == nil)
        #expect(turns["t2"]?.call.error == CallFailure(kind: .server, message: "POST /v1/chat/completions: HTTP 500 boom: still"))
        #expect(turns["t2"]?.call.error?.description == "server: POST /v1/chat/completions: HTTP 500 boom: still")
        #expect(turns["t3"]?.call.error == CallFailure(kind: nil, message: "something without a kind"))
        #expect(turns["t2"]?.call.sampling.temperature == 0.7 && turns["t2"]?.call.attempts == 5)

        let annotations = Dictionary(uniqueKeysWithValues: try await store.annotations().map { ($0.id, $0) })
        #expect(annotations["a2"]?.status == .failed)
        #expect(annotations["a2"]?.call.error == CallFailure(kind: .timeout, message: "no answer within 30 s"))
        #expect(annotations["a2"]?.detail == nil)
        #expect(annotations["a2"]?.reason == "timeout: no answer within 30 s", "exports and the viewer print the same text as before")
        #expect(annotations["a3"]?.status == .refusal && annotations["a3"]?.detail == "declined" && annotations["a3"]?.call.error == nil)
        #expect(try await store.annotationStatusCounts() == [.ok: 1, .failed: 1, .refusal: 1])

        #expect(try await store.failedTurnErrors().map(\.kindName) == ["server", "unknown"])
        // Resuming moves the failed turns to the failure log with their kinds.
        try await store.prepareResume(discussionId: "d")
        let retried = try await store.retriedFailures()
        #expect(retried.map(\.recordId) == ["t0", "t2", "t3"])
        #expect(retried.map { $0.error?.kind } == [.connection, .server, nil])
        #expect(try await store.allTurns().map(\.id) == ["t1"])
        let status = try await StatusReport.status(store: store)
        #expect(status.retriedFailures == ["turns: connection": 1, "turns: server": 1, "turns: unknown": 1])
    }

    @Test("a call's provenance is stored flat, kind and message in their own columns")
    func flatColumns() async throws {
        let store = try Store.inMemory()
        let discussion = DiscussionRecord(
            id: "d", conditionId: "c", conditionLabel: "none", strategy: "none", modelName: "m", replicate: 0, seed: "1",
            seedCommentId: "s", seedComment: "seed", seedCommentIndex: 0, userTurns: 1, historyLength: nil,
            turnTaking: .policy(.roundRobin(randomStart: true)), status: .running, startedAt: Date(timeIntervalSince1970: 0))
        try await store.startDiscussion(discussion, participants: [])
        let call = CallProvenance(
            modelName: "m", endpoint: "http://x", sampling: .unknown, promptHash: "h", templateId: "t", attempts: 3,
            error: CallFailure(kind: .rateLimited, message: "HTTP 429"))
        let turn = TurnRecord(
            id: "t", discussionId: "d", turnIndex: 1, speaker: "a", role: .user, outcome: .failed, call: call,
            startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 1))
        try await store.commitTurn(turn, prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "t")))
        let row = try #require(try await store.writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM turn") })
        #expect(row["errorKind"] as String? == "rateLimited")
        #expect(row["error"] as String? == "HTTP 429")
        #expect(row["attempts"] as Int? == 3)
        #expect(row["turnTaking"] as String? == nil, "no record field leaks into another table")
        let stored = try await store.writer.read { db in try String.fetchOne(db, sql: "SELECT turnTaking FROM discussion") }
        #expect(stored == "roundRobin(randomStart=true)")
        #expect(try await store.turns(of: "d") == [turn])
        #expect(try await store.discussion(id: "d")?.turnTaking == .policy(.roundRobin(randomStart: true)))
    }
}
