import GRDB
import SDFCore

/// The store's hot read queries, named once so that the readers use them and tests check their plans
/// (`EXPLAIN QUERY PLAN`): at the size of a real study (thousands of discussions, half a million ratings) a
/// query that loses its index turns a sub-second command into minutes.
enum StoreQuery {
    /// A discussion's turns in order: the unique (`discussionId`, `turnIndex`) index.
    static func turns(of discussionId: String) -> QueryInterfaceRequest<TurnRecord> {
        TurnRecord.filter(Column("discussionId") == discussionId).order(Column("turnIndex"))
    }

    /// Every turn by discussion and turn index: a walk of the same index, no sort.
    static let allTurns = TurnRecord.order(Column("discussionId"), Column("turnIndex"))

    /// Every annotation by discussion, comment and annotator: a walk of `annotation_on_discussion_comment_annotator`,
    /// no sort.
    static let allAnnotations = AnnotationRecord.order(Column("discussionId"), Column("commentId"), Column("annotator"))

    /// A discussion's participants by position: `participant_on_discussion_position`.
    static func participants(of discussionId: String) -> QueryInterfaceRequest<ParticipantRecord> {
        ParticipantRecord.filter(Column("discussionId") == discussionId).order(Column("position"))
    }

    /// A discussion's stored seed comments in thread order: the unique (`discussionId`, `position`) index.
    static func seedComments(of discussionId: String) -> QueryInterfaceRequest<SeedCommentRecord> {
        SeedCommentRecord.filter(Column("discussionId") == discussionId).order(Column("position"))
    }

    /// One annotator's annotation of one comment: the unique (`commentId`, `annotator`) index.
    static let annotationOfCommentByAnnotator = "SELECT id FROM annotation WHERE commentId = ? AND annotator = ?"

    /// Migration `v6-query-index`: the indexes that serve ``allAnnotations`` (exports, report, status) and
    /// ``participants(of:)`` without a sort in a temporary B-tree.
    static func registerIndexMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v6-query-index") { db in
            try db.create(
                index: "annotation_on_discussion_comment_annotator", on: "annotation",
                columns: ["discussionId", "commentId", "annotator"])
            try db.create(index: "participant_on_discussion_position", on: "participant", columns: ["discussionId", "position"])
        }
    }

    /// Migration `v11-count-indexes`: `annotation(discussionId, status)` and `turn(discussionId, outcome)`, so that
    /// counting annotations by status and turns by outcome (``Store/annotationStatusCountsSQL``, ``Store/turnOutcomeCountsSQL``:
    /// the viewer's overview, `sdf status`, the exports' checks) walks a small covering index in its own order instead
    /// of the tables (whose pages are spread over a large store) with a temporary sort. Both lead with `discussionId`,
    /// so queries that filter by discussion keep searching by discussion (an index led by the status was tried: SQLite
    /// then chose it for the viewer's per-discussion filters).
    static func registerCountIndexMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v11-count-indexes") { db in
            try db.create(index: "annotation_on_discussion_status", on: "annotation", columns: ["discussionId", "status"])
            try db.create(index: "turn_on_discussion_outcome", on: "turn", columns: ["discussionId", "outcome"])
        }
    }
}

extension Store {
    /// Annotation jobs by status, one row per discussion and status (`status`, `n`; sum `n` by status): a walk of
    /// `annotation_on_discussion_status`, no sort.
    public static let annotationStatusCountsSQL = "SELECT status, COUNT(*) AS n FROM annotation GROUP BY discussionId, status"

    /// Turns by outcome, one row per discussion and outcome (`outcome`, `n`; sum `n` by outcome): a walk of
    /// `turn_on_discussion_outcome`, no sort.
    public static let turnOutcomeCountsSQL = "SELECT outcome, COUNT(*) AS n FROM turn GROUP BY discussionId, outcome"
}
