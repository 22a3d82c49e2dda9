import Foundation
import GRDB
import SDFCore

// Reads of stored records.
extension Store {
    /// Ids of the annotation jobs already stored whose status is not `failed` (those are retried).
    public func finishedAnnotationIds() async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM annotation WHERE status <> 'failed'"))
        }
    }

    /// Ids of one discussion's annotations that did not fail (the annotation stage skips those jobs), read when the
    /// discussion's jobs are built: annotations made inline during the discussion (an `onTrigger` moderator's checks)
    /// count as done even when the stage started before them.
    public func finishedAnnotationIds(discussionId: String) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM annotation WHERE discussionId = ? AND status <> 'failed'", arguments: [discussionId]))
        }
    }

    /// Every annotation, by discussion, comment and annotator.
    public func annotations() async throws -> [AnnotationRecord] {
        try await writer.read { db in
            try StoreQuery.allAnnotations.fetchAll(db)
        }
    }

    /// Every annotation's comment, annotator, status and values (``AnnotationScore``), in the order of
    /// ``annotations()``, read through a cursor without the raw answers and call provenance.
    ///
    /// - Throws: a GRDB error, or `DecodingError` for a stored status or values column that is not what the
    ///   schema says (a damaged store).
    public func annotationScores() async throws -> [AnnotationScore] {
        try await writer.read { db in
            let decoder = JSONDecoder()
            var scores: [AnnotationScore] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT commentId, annotator, status, \"values\" FROM annotation ORDER BY discussionId, commentId, annotator")
            while let row = try rows.next() {
                let statusText: String = row[2]
                guard let status = AnnotationStatus(rawValue: statusText) else {
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: [], debugDescription: "annotation status '\(statusText)' is not one of \(AnnotationStatus.allCases.map(\.rawValue))"))
                }
                let values: String = row[3]
                scores.append(
                    AnnotationScore(
                        commentId: row[0], annotator: row[1], status: status,
                        values: try decoder.decode([String: Int].self, from: Data(values.utf8))))
            }
            return scores
        }
    }

    /// Usernames of the annotators that have at least one stored annotation.
    public func annotatorsWithAnnotations() async throws -> Set<String> {
        try await writer.read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT annotator FROM annotation")) }
    }

    /// The annotation panel, by username.
    public func annotatorRecords() async throws -> [String: AnnotatorRecord] {
        try await writer.read { db in
            Dictionary(uniqueKeysWithValues: try AnnotatorRecord.fetchAll(db).map { ($0.username, $0) })
        }
    }

    /// Failed calls that a resume later retried, oldest first.
    public func retriedFailures() async throws -> [RetriedFailure] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, recordId, discussionId, errorKind, error, attempts FROM failure_log ORDER BY seq").map {
                let message: String? = $0["error"]
                let kind: String? = $0["errorKind"]
                return RetriedFailure(
                    record: RetriedFailure.RecordKind(rawValue: $0["kind"]) ?? .turn, recordId: $0["recordId"],
                    discussionId: $0["discussionId"],
                    error: message.map { CallFailure(kind: kind.flatMap(CallErrorKind.init(rawValue:)), message: $0) },
                    attempts: $0["attempts"])
            }
        }
    }

    /// Every run manifest, oldest first.
    public func runs() async throws -> [RunManifest] {
        try await writer.read { db in try RunManifest.order(Column("startedAt")).fetchAll(db) }
    }

    /// The status of every stored discussion, by id.
    public func discussionStatuses() async throws -> [String: DiscussionStatus] {
        try await writer.read { db in
            var result: [String: DiscussionStatus] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, status FROM discussion") {
                if let status = DiscussionStatus(rawValue: row["status"]) { result[row["id"]] = status }
            }
            return result
        }
    }

    /// Every discussion, by condition then replicate.
    public func discussions() async throws -> [DiscussionRecord] {
        try await writer.read { db in
            try DiscussionRecord.order(Column("conditionLabel"), Column("replicate")).fetchAll(db)
        }
    }

    /// One discussion by its exact id; `nil` when there is none.
    public func discussion(id: String) async throws -> DiscussionRecord? {
        try await writer.read { db in try DiscussionRecord.fetchOne(db, key: id) }
    }

    /// One discussion by id or by a unique id prefix; `nil` when none or several match.
    public func discussion(matching idOrPrefix: String) async throws -> DiscussionRecord? {
        try await writer.read { db in
            let matches = try DiscussionRecord.filter(Column("id").like(idOrPrefix + "%")).limit(2).fetchAll(db)
            return matches.count == 1 ? matches[0] : nil
        }
    }

    /// A discussion's participants, by position.
    public func participants(of discussionId: String) async throws -> [ParticipantRecord] {
        try await writer.read { db in
            try StoreQuery.participants(of: discussionId).fetchAll(db)
        }
    }

    /// A discussion's turns, in order.
    public func turns(of discussionId: String) async throws -> [TurnRecord] {
        try await writer.read { db in
            try StoreQuery.turns(of: discussionId).fetchAll(db)
        }
    }

    /// Every turn in the store, by discussion and turn index.
    public func allTurns() async throws -> [TurnRecord] {
        try await writer.read { db in
            try StoreQuery.allTurns.fetchAll(db)
        }
    }

    /// A stored prompt by hash.
    public func prompt(hash: String) async throws -> PromptRecord? {
        try await writer.read { db in try PromptRecord.fetchOne(db, key: hash) }
    }

    /// The stored prompts among `hashes`, by hash; hashes the store does not hold are left out.
    public func prompts(hashes: Set<String>) async throws -> [PromptRecord] {
        let keys = hashes.sorted()
        return try await writer.read { db in
            var found: [PromptRecord] = []
            for start in stride(from: 0, to: keys.count, by: 500) {
                found += try PromptRecord.fetchAll(db, keys: keys[start..<min(start + 500, keys.count)])
            }
            return found.sorted { $0.hash < $1.hash }
        }
    }

    /// The failures of failed turns, oldest discussion first: after a run, one per failed discussion (a failed
    /// call ends its discussion; a resume removes failed turns before retrying them). A failed turn without a
    /// recorded error gives kind `nil` and message "no error recorded".
    public func failedTurnErrors() async throws -> [CallFailure] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT errorKind, error FROM turn WHERE outcome = 'failed' ORDER BY discussionId, turnIndex"
            ).map {
                let kind: String? = $0["errorKind"]
                let message: String? = $0["error"]
                return CallFailure(kind: kind.flatMap(CallErrorKind.init(rawValue:)), message: message ?? "no error recorded")
            }
        }
    }
}

/// A failed call that a later resume retried, kept in the `failure_log` table.
public struct RetriedFailure: Sendable, Hashable {
    /// Which table the failed record was in.
    public enum RecordKind: String, Sendable, Hashable {
        /// A turn (`turn` table).
        case turn
        /// An annotation job (`annotation` table).
        case annotation
    }

    /// Which table the failed record was in.
    public var record: RecordKind
    /// The replaced record's id.
    public var recordId: String
    /// Its discussion.
    public var discussionId: String
    /// The failure, when one was recorded.
    public var error: CallFailure?
    /// Attempts made.
    public var attempts: Int

    /// Creates a value.
    public init(record: RecordKind, recordId: String, discussionId: String, error: CallFailure?, attempts: Int) {
        self.record = record
        self.recordId = recordId
        self.discussionId = discussionId
        self.error = error
        self.attempts = attempts
    }
}
