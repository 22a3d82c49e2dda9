import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v9 moderator decisions: table, writes, exports")
struct ModeratorDecisionStoreTests {
    static let when = Date(timeIntervalSince1970: 1_750_000_000)

    static func discussion(_ id: String) -> DiscussionRecord {
        DiscussionRecord(
            id: id, conditionId: "strategy=guidelines;model=m", conditionLabel: "guidelines", strategy: "guidelines", modelName: "m",
            replicate: 0, seed: "1", seedCommentId: "s-\(id)", seedComment: "seed", seedCommentIndex: 0, userTurns: 2, historyLength: 3,
            turnTaking: RecordedTurnTaking(label: "respond(p=0.4)")!, status: .done, startedAt: when)
    }

    static func decision(_ discussion: String, slot: Int, status: ModeratorDecisionStatus, intervene: Bool) -> ModeratorDecisionRecord {
        ModeratorDecisionRecord(
            id: "\(discussion)-\(slot)", discussionId: discussion, slot: slot, afterTurnIndex: slot, kind: .decision, status: status,
            intervene: intervene, defaulted: status == .unparseable, reason: intervene ? "Needed." : nil,
            rawText: status == .failed ? nil : "{\"intervene\": \(intervene)}", method: "json", structuredOutput: .jsonSchema,
            call: CallProvenance(
                modelName: "m", modelId: "mid", endpoint: "http://x/v1",
                sampling: SamplingParameters(temperature: 0.8, topP: nil, maxTokens: 50, seed: 7, stop: []), promptHash: "h\(slot)",
                templateId: "builtin-2", promptTokens: 12, completionTokens: 6, latencyMs: 3, finishReason: "stop",
                attempts: status == .failed ? 4 : 1, error: status == .failed ? CallFailure(kind: .server, message: "HTTP 500") : nil),
            startedAt: when, finishedAt: when)
    }

    @Test("a store of the previous schema opens with an empty decision table and exports an empty decision file")
    func previousVersionMigrates() async throws {
        let dir = NSTemporaryDirectory() + "decision-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v8-design-factors")
        try queue.close()
        let store = try Store.open(path: path)
        #expect(try await store.moderatorDecisions().isEmpty)
        let applied = try await DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("v9-moderator-decisions") && applied.last == "v11-count-indexes")
        let tables = try await TidyExport.tables(store: store)
        #expect(tables.map(\.name) == TidyExport.tableNames)
        let decisions = try #require(tables.first { $0.name == "moderator_decisions" })
        #expect(decisions.columns == TidyExport.decisionColumns && decisions.rows.isEmpty)
    }

    @Test("decisions round-trip with their provenance; a failed one is replaced and logged, an ok one never")
    func writes() async throws {
        let store = try Store.inMemory()
        try await store.startDiscussion(Self.discussion("d"), participants: [])
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "builtin-2"))
        let first = Self.decision("d", slot: 1, status: .ok, intervene: true)
        try await store.commitModeratorDecision(first, prompt: prompt)
        try await store.commitModeratorDecision(Self.decision("d", slot: 2, status: .failed, intervene: false), prompt: prompt)
        #expect(try await store.moderatorDecisions(of: "d") == [first, Self.decision("d", slot: 2, status: .failed, intervene: false)])
        let retried = Self.decision("d", slot: 2, status: .unparseable, intervene: false)
        try await store.commitModeratorDecision(retried, prompt: prompt)
        #expect(try await store.moderatorDecisions(of: "d") == [first, retried])
        #expect(try await store.moderatorDecisionCount() == 2)
        await #expect(throws: StoreError.self) {
            try await store.commitModeratorDecision(Self.decision("d", slot: 1, status: .ok, intervene: false), prompt: prompt)
        }
        let logged = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT kind || ':' || recordId || ':' || errorKind FROM failure_log")
        }
        #expect(logged == ["decision:d-2:server"])
        // Restarting a discussion from scratch removes its decisions with it.
        try await store.startDiscussion(Self.discussion("d"), participants: [])
        #expect(try await store.moderatorDecisions().isEmpty)
    }

    @Test("the tidy export has one row per decision, counted against the store, in CSV and JSONL")
    func export() async throws {
        let store = try Store.inMemory()
        for id in ["a", "b"] { try await store.startDiscussion(Self.discussion(id), participants: []) }
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "builtin-2"))
        try await store.commitModeratorDecision(Self.decision("a", slot: 1, status: .ok, intervene: true), prompt: prompt)
        try await store.commitModeratorDecision(Self.decision("a", slot: 2, status: .unparseable, intervene: false), prompt: prompt)
        try await store.commitModeratorDecision(Self.decision("b", slot: 1, status: .failed, intervene: false), prompt: prompt)
        let table = try #require(try await TidyExport.tables(store: store).first { $0.name == "moderator_decisions" })
        #expect(table.rows.count == 3)
        #expect(table.rows.allSatisfy { $0.count == TidyExport.decisionColumns.count })
        func column(_ name: String) -> [TidyValue] { table.rows.map { $0[TidyExport.decisionColumns.firstIndex(of: name)!] } }
        #expect(column("status") == [.text("ok"), .text("unparseable"), .text("failed")])
        #expect(column("intervene") == [.bool(true), .bool(false), .bool(false)])
        #expect(column("defaulted") == [.bool(false), .bool(true), .bool(false)])
        #expect(column("error") == [.null, .null, .text("server: HTTP 500")])
        #expect(column("attempts") == [.int(1), .int(1), .int(4)])
        #expect(column("moderator_outcome") == [.null, .null, .null])  // no turns stored in this fixture
        let dir = NSTemporaryDirectory() + "decision-export-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for format in [TidyExport.Format.csv, .jsonl] {
            let out = dir + "/" + format.rawValue
            let paths = try await TidyExport.write(store: store, format: format, to: out)
            #expect(paths.count == 7)
            let text = try String(contentsOfFile: out + "/moderator_decisions." + format.rawValue, encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count == (format == .csv ? 4 : 3))
        }
    }
}
