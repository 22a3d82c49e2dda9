import Foundation
import GRDB
import SDFCore

// Writes: each public function is one transaction.
extension Store {
    /// Stores the annotation panel (replacing annotators of the same username and persona).
    ///
    /// - Throws: ``StoreError`` when a stored annotator of the same username has another persona (nothing is
    ///   replaced: an annotator's annotations must never be attributed to someone else).
    public func saveAnnotators(_ annotators: [AnnotatorRecord]) async throws {
        try await writer.write { db in
            for a in annotators { try Self.saveAnnotator(a, db) }
        }
    }

    /// Commits one annotation job, its tidy values and its prompt in one transaction (replacing an earlier
    /// failed attempt of the same job).
    public func commitAnnotation(_ annotation: AnnotationRecord, prompt: PromptRecord) async throws {
        try await commitAnnotations([annotation], prompt: prompt)
    }

    /// Commits several annotations sharing one prompt record in one transaction (imports).
    ///
    /// - Throws: ``StoreError`` when a stored row with the same id belongs to another annotator, comment or
    ///   discussion, or the same annotator already has another annotation of the comment; nothing is committed.
    public func commitAnnotations(_ annotations: [AnnotationRecord], prompt: PromptRecord) async throws {
        try await writer.write { db in
            try prompt.insert(db, onConflict: .ignore)
            for annotation in annotations { try Self.insertAnnotation(annotation, db) }
        }
    }

    /// Records the start of a run, after checking that the store holds no run of a different design. Earlier runs
    /// still marked `running` are marked `interrupted`: the caller holds the store's ``StoreLock`` (as `sdf run`
    /// does), so no other process is running them.
    ///
    /// - Throws: ``StoreError`` naming the store and the differing design when it was created for another one.
    public func beginRun(_ manifest: RunManifest) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE run SET status = 'interrupted' WHERE status = 'running'")
            if let other = try RunManifest.filter(Column("designHash") != manifest.designHash).fetchOne(db) {
                let changes = DesignDiff.changes(from: other.design, to: manifest.design)
                throw StoreError(
                    "\(path) was made by experiment '\(other.experiment)' with a different design; changed: "
                        + (changes.isEmpty ? "design hash \(other.designHash.prefix(12)) → \(manifest.designHash.prefix(12))" : changes.joined(separator: "; "))
                        + ". Use another --store, or re-run with the experiment file the store was made from.")
            }
            try manifest.insert(db)
        }
    }

    /// Marks a run finished with `status` (`done`, `failed`, `interrupted`).
    public func finishRun(id: String, status: RunStatus, at date: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAt = ? WHERE id = ?", arguments: [status.rawValue, date, id])
        }
    }

    /// Starts (or restarts from scratch) a discussion: removes any earlier partial attempt, then inserts the
    /// discussion, its participants and its seed comments, in one transaction.
    ///
    /// - Parameter seeds: the seed thread's comments with their authors and positions (table `seed_comment`); empty
    ///   for a one-comment seed by `OP`, which the discussion record holds.
    public func startDiscussion(_ discussion: DiscussionRecord, participants: [ParticipantRecord], seeds: [SeedCommentRecord] = []) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM turn WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM participant WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM seed_comment WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM discussion WHERE id = ?", arguments: [discussion.id])
            try discussion.insert(db)
            for participant in participants { try participant.insert(db) }
            for seed in seeds { try seed.insert(db) }
        }
    }

    /// Replaces a discussion (and its participants, seed comments and turns) in one transaction: used by imports.
    ///
    /// - Throws: ``StoreError`` when a participant, seed comment or turn id is stored under another discussion
    ///   (nothing is replaced).
    public func replaceDiscussion(
        _ discussion: DiscussionRecord, participants: [ParticipantRecord], turns: [TurnRecord], seeds: [SeedCommentRecord] = []
    ) async throws {
        try await writer.write { db in
            try Self.replaceDiscussion(discussion, participants: participants, turns: turns, seeds: seeds, db)
        }
    }

    /// Makes a stored discussion ready to continue: removes its failed turns (they are retried) and marks it running.
    public func prepareResume(discussionId: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO failure_log (kind, recordId, discussionId, errorKind, error, attempts, failedAt, callKey)
                    SELECT 'turn', id, discussionId, errorKind, error, attempts, finishedAt, callKey FROM turn WHERE discussionId = ? AND outcome = 'failed'
                    """, arguments: [discussionId])
            try db.execute(sql: "DELETE FROM turn WHERE discussionId = ? AND outcome = 'failed'", arguments: [discussionId])
            try db.execute(
                sql: "UPDATE discussion SET status = 'running', finishedAt = NULL WHERE id = ?", arguments: [discussionId])
        }
    }

    /// Commits one turn and its prompt in one transaction.
    public func commitTurn(_ turn: TurnRecord, prompt: PromptRecord) async throws {
        try await writer.write { db in
            try prompt.insert(db, onConflict: .ignore)
            try Self.insert(turn, db)
        }
    }

    /// Sets a discussion's final status.
    public func finishDiscussion(id: String, status: DiscussionStatus, at date: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE discussion SET status = ?, finishedAt = ? WHERE id = ?", arguments: [status.rawValue, date, id])
        }
    }
}
