import Foundation
import GRDB
import SDFCore

extension SeedCommentRecord: FetchableRecord, PersistableRecord {
    /// Table `seed_comment`.
    public static var databaseTableName: String { "seed_comment" }
}

extension Store {
    /// The migrations of imports, registered after the earlier ones (prefix `v5-import-`).
    ///
    /// - `v5-import-annotator-identity`: `annotator.personaKey`, the persona key of imported annotators.
    /// - `v5-import-seed-comments`: table `seed_comment` (several seed comments with their authors).
    /// - `v5-import-unknown-sampling`: imported turns and annotations recorded `0` for sampling values nobody
    ///   knew; they become unknown (`{"stop":[]}`).
    static func registerImportMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-import-annotator-identity") { db in
            try db.alter(table: "annotator") { t in t.add(column: "personaKey", .text) }
        }
        m.registerMigration("v5-import-seed-comments") { db in
            try db.create(table: "seed_comment") { t in
                t.primaryKey("id", .text)
                t.column("discussionId", .text).notNull().references("discussion", onDelete: .cascade).indexed()
                t.column("position", .integer).notNull()
                t.column("author", .text).notNull()
                t.column("text", .text).notNull()
                t.uniqueKey(["discussionId", "position"])
            }
        }
        m.registerMigration("v5-import-unknown-sampling") { db in
            try db.execute(sql: #"UPDATE turn SET sampling = '{"stop":[]}' WHERE endpoint = 'imported'"#)
            try db.execute(sql: #"UPDATE annotation SET sampling = '{"stop":[]}' WHERE endpoint = 'imported'"#)
        }
    }

    /// A discussion's seed comments in thread order: the stored ones with their authors (imports), else the
    /// discussion's single seed comment by `OP` (none when its text is empty).
    public func seedComments(of discussion: DiscussionRecord) async throws -> [SeedCommentRecord] {
        try await writer.read { db in try Self.seedComments(of: discussion, db) }
    }

    static func seedComments(of discussion: DiscussionRecord, _ db: Database) throws -> [SeedCommentRecord] {
        let stored = try StoreQuery.seedComments(of: discussion.id).fetchAll(db)
        if !stored.isEmpty { return stored }
        if discussion.seedComment.isEmpty { return [] }
        return [
            SeedCommentRecord(
                id: discussion.seedCommentId, discussionId: discussion.id, position: 0, author: "OP", text: discussion.seedComment)
        ]
    }

    /// Saves one annotator, refusing to replace a stored one of the same username with another persona.
    static func saveAnnotator(_ annotator: AnnotatorRecord, _ db: Database) throws {
        if let stored = try AnnotatorRecord.fetchOne(db, key: annotator.username) {
            let sameKey = stored.personaKey == nil || annotator.personaKey == nil || stored.personaKey == annotator.personaKey
            guard sameKey, stored.persona == annotator.persona else {
                throw StoreError(
                    "annotator '\(annotator.username)' is already stored with another persona"
                        + (stored.personaKey.map { " (key \($0))" } ?? "")
                        + "; refusing to replace it (its annotations would be attributed to someone else)")
            }
        }
        try annotator.save(db)
    }

    /// Inserts one annotation and its tidy values. A stored row with the same id is replaced only when it is the
    /// same job (same annotator, comment and discussion); a failed one is kept in `failure_log` first.
    ///
    /// - Throws: ``StoreError`` naming both owners when the row belongs to another annotator, comment or
    ///   discussion, or the annotator already has another annotation of this comment.
    static func insertAnnotation(_ annotation: AnnotationRecord, _ db: Database) throws {
        // Cached statements: an import stores hundreds of thousands of annotations, and preparing each statement
        // anew (GRDB's authorizer, SQLite's parser) took a third of the time spent storing them.
        let owner = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT annotator, commentId, discussionId FROM annotation WHERE id = ?"), arguments: [annotation.id])
        if let owner {
            let (annotator, commentId, discussionId): (String, String, String) = (owner[0], owner[1], owner[2])
            guard annotator == annotation.annotator, commentId == annotation.commentId, discussionId == annotation.discussionId else {
                throw StoreError(
                    "annotation \(annotation.id) is stored for annotator '\(annotator)' on comment \(commentId) "
                        + "(discussion \(discussionId)); refusing to replace it with annotator '\(annotation.annotator)' "
                        + "on comment \(annotation.commentId) (discussion \(annotation.discussionId))")
            }
            try db.execute(
                sql: """
                    INSERT INTO failure_log (kind, recordId, discussionId, errorKind, error, attempts, failedAt, callKey)
                    SELECT 'annotation', id, discussionId, errorKind, error, attempts, finishedAt, callKey FROM annotation WHERE id = ? AND status = 'failed'
                    """, arguments: [annotation.id])
            try db.execute(sql: "DELETE FROM annotation WHERE id = ?", arguments: [annotation.id])
        } else if let other = try String.fetchOne(
            db.cachedStatement(sql: StoreQuery.annotationOfCommentByAnnotator), arguments: [annotation.commentId, annotation.annotator])
        {
            throw StoreError(
                "annotator '\(annotation.annotator)' already has annotation \(other) of comment \(annotation.commentId); "
                    + "refusing to replace it with annotation \(annotation.id)")
        }
        try Self.insert(annotation, db)
        let insertValue = try db.cachedStatement(
            sql: "INSERT INTO annotation_value (annotationId, commentId, annotator, dimension, value) VALUES (?, ?, ?, ?, ?)")
        for (dimension, value) in annotation.values.sorted(by: { $0.key < $1.key }) {
            try insertValue.execute(arguments: [annotation.id, annotation.commentId, annotation.annotator, dimension, value])
        }
    }

    /// Replaces one discussion with its participants, seed comments and turns (inside the caller's transaction).
    ///
    /// - Throws: ``StoreError`` when one of the ids is stored under another discussion.
    static func replaceDiscussion(
        _ discussion: DiscussionRecord, participants: [ParticipantRecord], turns: [TurnRecord], seeds: [SeedCommentRecord],
        _ db: Database
    ) throws {
        func refuseForeign(_ table: String, _ ids: [String], _ what: String) throws {
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let arguments = StatementArguments(chunk + [discussion.id])
                if let row = try Row.fetchOne(
                    db, sql: "SELECT id, discussionId FROM \(table) WHERE id IN (\(marks)) AND discussionId <> ? LIMIT 1",
                    arguments: arguments)
                {
                    let id: String = row["id"]
                    let owner: String = row["discussionId"]
                    throw StoreError(
                        "\(what) \(id) is stored under discussion \(owner); refusing to replace it with one of discussion \(discussion.id)")
                }
            }
        }
        try refuseForeign("participant", participants.map(\.id), "participant")
        try refuseForeign("turn", turns.map(\.id), "turn")
        try refuseForeign("seed_comment", seeds.map(\.id), "seed comment")
        try db.execute(sql: "DELETE FROM turn WHERE discussionId = ?", arguments: [discussion.id])
        try db.execute(sql: "DELETE FROM participant WHERE discussionId = ?", arguments: [discussion.id])
        try db.execute(sql: "DELETE FROM seed_comment WHERE discussionId = ?", arguments: [discussion.id])
        try db.execute(sql: "DELETE FROM discussion WHERE id = ?", arguments: [discussion.id])
        try discussion.insert(db)
        for p in participants { try p.insert(db) }
        for s in seeds { try s.insert(db) }
        for t in turns { try Self.insert(t, db) }
    }

    /// How many of `ids` are stored in `table` (`discussion`, `turn`, `seed_comment`, `annotation`, …).
    /// Restores what an sdf-json version 2 file adds to a discussion already written by ``replaceDiscussion``: its
    /// prompts (kept when the store has them: content-addressed), moderator decisions and branch link.
    ///
    /// - Throws: ``StoreError`` naming the `sdf` key when a prompt's hash is not that of its text, a decision belongs
    ///   to another discussion (in the file or in the store), or a branch origin names a row that is not this
    ///   discussion's.
    static func restoreExtras(of e: SDFJSONExtension, _ db: Database) throws {
        let id = e.discussion.id
        let named = e.callPromptHashes
        for p in e.prompts {
            let computed = RenderedPrompt(system: p.system, user: p.user, templateId: p.templateId).hash
            guard computed == p.hash else {
                throw StoreError("sdf.prompts: prompt \(p.hash) does not match its text (its text hashes to \(computed))")
            }
            // SQLite's C API ends text at U+0000; SDF never writes one in a prompt (clean text has none).
            guard !(p.system + p.user).unicodeScalars.contains("\u{0}") else {
                throw StoreError("sdf.prompts: prompt \(p.hash) contains U+0000, which no SDF prompt holds and the store cannot keep")
            }
            guard named.contains(p.hash) else {
                throw StoreError("sdf.prompts: prompt \(p.hash) is the prompt of no turn, decision or annotation of discussion \(id)")
            }
            try p.insert(db, onConflict: .ignore)
        }
        for m in e.moderator_decisions {
            guard m.discussionId == id else {
                throw StoreError("sdf.moderator_decisions: decision \(m.id) names discussion \(m.discussionId), not \(id)")
            }
            if let owner = try String.fetchOne(db, sql: "SELECT discussionId FROM moderator_decision WHERE id = ?", arguments: [m.id]) {
                throw StoreError(
                    "moderator decision \(m.id) is stored under discussion \(owner); refusing to replace it with one of discussion \(id)")
            }
            try m.insert(db)
        }
        guard let b = e.branch else { return }
        guard (1...max(1, e.discussion.userTurns)).contains(b.branch_turn) else {
            throw StoreError(
                "sdf.branch.branch_turn: \(b.branch_turn) is not a user turn of discussion \(id) (expected 1…\(e.discussion.userTurns))")
        }
        try db.execute(
            sql: "UPDATE discussion SET branchedFromDiscussion = ?, branchTurn = ? WHERE id = ?",
            arguments: [b.branched_from_discussion, b.branch_turn, id])
        for (table, key, origins) in [("turn", "turn_origins", b.turn_origins), ("moderator_decision", "decision_origins", b.decision_origins)] {
            for (row, origin) in origins.sorted(by: { $0.key < $1.key }) {
                try db.execute(
                    sql: "UPDATE \(table) SET branchedFrom = ? WHERE id = ? AND discussionId = ?", arguments: [origin, row, id])
                guard db.changesCount == 1 else {
                    throw StoreError("sdf.branch.\(key): \(row) is not a \(table == "turn" ? "turn" : "moderator decision") of discussion \(id)")
                }
            }
        }
    }

    /// How many rows of `table` have `column` in `ids` (and meet `condition`, an SQL expression whose `?`s take
    /// `arguments`), counted 500 ids at a time.
    static func count(
        _ table: String, ids: [String], column: String = "id", condition: String? = nil, arguments: [String] = [], _ db: Database
    ) throws -> Int {
        var total = 0
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            total += try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition.map { "(\($0)) AND " } ?? "")\(column) IN (\(marks))",
                arguments: StatementArguments(arguments + chunk)) ?? 0
        }
        return total
    }
}

extension Store {
    /// The annotations of one discussion's comments, by comment and annotator.
    public func annotations(ofDiscussion discussionId: String) async throws -> [AnnotationRecord] {
        try await writer.read { db in
            try AnnotationRecord.filter(Column("discussionId") == discussionId).order(Column("commentId"), Column("annotator"))
                .fetchAll(db)
        }
    }
}
