import Foundation
import GRDB
import SDFCore

extension ModeratorDecisionRecord: FetchableRecord, PersistableRecord {
    /// Table `moderator_decision`.
    public static var databaseTableName: String { "moderator_decision" }
}

extension Store {
    /// Migration `v9-moderator-decisions`: table `moderator_decision`, one row per decision point of a conditional
    /// moderator schedule (``ModeratorDecisionRecord``), with the decision call's provenance columns.
    ///
    /// Rows are deleted with their discussion. A store written before this migration has no such rows (its
    /// schedules were fixed) and opens, resumes and exports as before.
    static func registerModeratorDecisionMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v9-moderator-decisions") { db in
            try db.create(table: "moderator_decision") { t in
                t.primaryKey("id", .text)
                t.column("discussionId", .text).notNull().references("discussion", onDelete: .cascade)
                t.column("slot", .integer).notNull()
                t.column("afterTurnIndex", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("status", .text).notNull()
                t.column("intervene", .boolean).notNull()
                t.column("defaulted", .boolean).notNull()
                t.column("reason", .text)
                t.column("rawText", .text)
                t.column("method", .text)
                t.column("detail", .text)
                t.column("structuredOutput", .text)
                t.column("annotator", .text)
                t.column("dimension", .text)
                t.column("score", .integer)
                t.column("threshold", .integer)
                t.column("annotationId", .text)
                callColumns(t)
                t.column("errorKind", .text)
                t.column("error", .text)
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.uniqueKey(["discussionId", "slot"])
            }
        }
    }

    /// Commits one moderator decision and its prompt (decision calls) in one transaction, replacing an earlier
    /// failed attempt at the same slot (kept in `failure_log` with kind `decision`).
    ///
    /// - Throws: ``StoreError`` when the slot already holds a decision that did not fail (a decision is never
    ///   silently overwritten).
    public func commitModeratorDecision(_ decision: ModeratorDecisionRecord, prompt: PromptRecord?) async throws {
        try await writer.write { db in
            if let stored = try ModeratorDecisionRecord.filter(Column("discussionId") == decision.discussionId)
                .filter(Column("slot") == decision.slot).fetchOne(db)
            {
                guard stored.status == .failed else {
                    throw StoreError(
                        "discussion \(decision.discussionId) already holds moderator decision \(decision.slot) (\(stored.status.rawValue)); "
                            + "refusing to replace it")
                }
                try db.execute(
                    sql: """
                        INSERT INTO failure_log (kind, recordId, discussionId, errorKind, error, attempts, failedAt)
                        SELECT 'decision', id, discussionId, errorKind, error, attempts, finishedAt FROM moderator_decision WHERE id = ?
                        """, arguments: [stored.id])
                try db.execute(sql: "DELETE FROM moderator_decision WHERE id = ?", arguments: [stored.id])
            }
            try prompt?.insert(db, onConflict: .ignore)
            try decision.insert(db)
        }
    }

    /// The annotation with id `id` when it did not fail (an inline annotation committed before a stop), else `nil`.
    public func finishedAnnotation(id: String) async throws -> AnnotationRecord? {
        try await writer.read { db in
            try AnnotationRecord.filter(Column("id") == id).filter(Column("status") != "failed").fetchOne(db)
        }
    }

    /// A discussion's moderator decisions, by slot.
    public func moderatorDecisions(of discussionId: String) async throws -> [ModeratorDecisionRecord] {
        try await writer.read { db in
            try ModeratorDecisionRecord.filter(Column("discussionId") == discussionId).order(Column("slot")).fetchAll(db)
        }
    }

    /// How many moderator decisions the store holds.
    public func moderatorDecisionCount() async throws -> Int {
        try await writer.read { db in try ModeratorDecisionRecord.fetchCount(db) }
    }

    /// Every moderator decision, by discussion and slot.
    public func moderatorDecisions() async throws -> [ModeratorDecisionRecord] {
        try await writer.read { db in
            try ModeratorDecisionRecord.order(Column("discussionId"), Column("slot")).fetchAll(db)
        }
    }
}
