import Foundation
import GRDB
import SDFCore

extension Store {
    /// The provenance columns every LLM call's row had in the first schema (turns and annotations), in schema
    /// order; migration `v6-typed-records` adds `errorKind` (and `error` to annotations), so both tables hold every
    /// ``CallProvenance/CodingKeys`` column.
    static func callColumns(_ t: TableDefinition) {
        t.column("modelName", .text).notNull()
        t.column("modelId", .text)
        t.column("endpoint", .text).notNull()
        t.column("sampling", .text).notNull()
        t.column("promptHash", .text).notNull()
        t.column("templateId", .text).notNull()
        t.column("promptTokens", .integer)
        t.column("completionTokens", .integer)
        t.column("cachedTokens", .integer)
        t.column("latencyMs", .double)
        t.column("finishReason", .text)
        t.column("attempts", .integer).notNull()
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "run") { t in
                t.primaryKey("id", .text)
                t.column("experiment", .text).notNull()
                t.column("specHash", .text).notNull()
                t.column("designHash", .text).notNull()
                t.column("specText", .text).notNull()
                t.column("toolVersion", .text).notNull()
                t.column("models", .text).notNull()
                t.column("host", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("status", .text).notNull()
            }
            try db.create(table: "discussion") { t in
                t.primaryKey("id", .text)
                t.column("conditionId", .text).notNull()
                t.column("conditionLabel", .text).notNull()
                t.column("strategy", .text).notNull()
                t.column("modelName", .text).notNull()
                t.column("replicate", .integer).notNull()
                t.column("seed", .text).notNull()
                t.column("seedCommentId", .text).notNull()
                t.column("seedComment", .text).notNull()
                t.column("seedCommentIndex", .integer).notNull()
                t.column("userTurns", .integer).notNull()
                t.column("historyLength", .integer)
                t.column("turnTaking", .text).notNull()
                t.column("status", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
            }
            try db.create(table: "participant") { t in
                t.primaryKey("id", .text)
                t.column("discussionId", .text).notNull().references("discussion", onDelete: .cascade).indexed()
                t.column("position", .integer).notNull()
                t.column("username", .text).notNull()
                t.column("role", .text).notNull()
                t.column("persona", .text).notNull()
                t.column("instructions", .text).notNull()
                t.column("systemPrompt", .text).notNull()
            }
            try db.create(table: "prompt") { t in
                t.primaryKey("hash", .text)
                t.column("templateId", .text).notNull()
                t.column("system", .text).notNull()
                t.column("user", .text).notNull()
            }
            try db.create(table: "turn") { t in
                t.primaryKey("id", .text)
                t.column("discussionId", .text).notNull().references("discussion", onDelete: .cascade)
                t.column("turnIndex", .integer).notNull()
                t.column("speaker", .text).notNull()
                t.column("role", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("text", .text)
                t.column("rawText", .text)
                t.column("cleaning", .text).notNull()
                t.column("flags", .text).notNull()
                t.column("decision", .text)
                callColumns(t)
                t.column("error", .text)
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.uniqueKey(["discussionId", "turnIndex"])
                t.check(sql: "outcome <> 'comment' OR (text IS NOT NULL AND length(trim(text)) > 0)")
            }
        }
        m.registerMigration("v2-annotation") { db in
            try db.create(table: "annotator") { t in
                t.primaryKey("username", .text)
                t.column("persona", .text).notNull()
                t.column("systemPrompt", .text).notNull()
                t.column("rubric", .text).notNull()
            }
            try db.create(table: "annotation") { t in
                t.primaryKey("id", .text)
                t.column("commentId", .text).notNull().indexed()
                t.column("discussionId", .text).notNull().indexed()
                t.column("annotator", .text).notNull()
                t.column("values", .text).notNull()
                t.column("status", .text).notNull()
                t.column("method", .text).notNull()
                t.column("detail", .text)
                t.column("rawText", .text)
                t.column("structuredOutput", .boolean).notNull()
                callColumns(t)
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.uniqueKey(["commentId", "annotator"])
            }
            try db.create(table: "annotation_value") { t in
                t.column("annotationId", .text).notNull().references("annotation", onDelete: .cascade)
                t.column("commentId", .text).notNull()
                t.column("annotator", .text).notNull()
                t.column("dimension", .text).notNull()
                t.column("value", .integer).notNull()
                t.primaryKey(["annotationId", "dimension"])
            }
        }
        m.registerMigration("v3-design") { db in
            try db.alter(table: "run") { t in t.add(column: "design", .text).notNull().defaults(to: "") }
        }
        m.registerMigration("v4-failure-log") { db in
            // Failed calls that a later resume retried: the turn or annotation row is replaced, the failure kept here.
            try db.create(table: "failure_log") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("kind", .text).notNull()  // "turn" or "annotation"
                t.column("recordId", .text).notNull()
                t.column("discussionId", .text).notNull()
                t.column("error", .text)
                t.column("attempts", .integer).notNull()
                t.column("failedAt", .datetime).notNull()
            }
        }
        registerRuntimeMigrations(&m)
        registerImportMigrations(&m)
        registerTypedRecordMigrations(&m)
        StoreQuery.registerIndexMigrations(&m)
        registerCompatMigrations(&m)
        registerFactorMigrations(&m)
        registerModeratorDecisionMigrations(&m)
        registerShardMigrations(&m)
        registerCallKeyMigrations(&m)
        registerBranchingMigrations(&m)
        StoreQuery.registerCountIndexMigrations(&m)
        return m
    }

    /// Migration `v6-typed-records`: a failed call's error kind and message in separate columns.
    ///
    /// Adds `errorKind` to `turn`, `annotation` and `failure_log`, and `error` to `annotation` (a failed annotation
    /// call's error was kept in `detail`). Existing `kind: message` texts are split by
    /// ``CallFailure/init(legacyDescription:)``; a text naming no known kind keeps `errorKind` NULL. A store written
    /// by the previous version opens, resumes and exports as before.
    static func registerTypedRecordMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v6-typed-records") { db in
            try db.alter(table: "turn") { t in t.add(column: "errorKind", .text) }
            try db.alter(table: "annotation") { t in
                t.add(column: "errorKind", .text)
                t.add(column: "error", .text)
            }
            try db.alter(table: "failure_log") { t in t.add(column: "errorKind", .text) }
            for (table, key, column, filter) in [
                ("turn", "id", "error", "error IS NOT NULL"), ("failure_log", "seq", "error", "error IS NOT NULL"),
                ("annotation", "id", "detail", "status = 'failed' AND detail IS NOT NULL"),
            ] {
                let rows = try Row.fetchAll(db, sql: "SELECT \(key) AS k, \(column) AS e FROM \(table) WHERE \(filter)")
                for row in rows {
                    let failure = CallFailure(legacyDescription: row["e"])
                    let clearDetail = table == "annotation" ? ", detail = NULL" : ""
                    try db.execute(
                        sql: "UPDATE \(table) SET errorKind = ?, error = ?\(clearDetail) WHERE \(key) = ?",
                        arguments: [failure.kind?.rawValue, failure.message, row["k"] as DatabaseValue])
                }
            }
        }
    }

    /// Migration `v7-compat-structured-output-form`: `annotation.structuredOutput` holds the `response_format` form
    /// the call used (``StructuredOutputForm`` raw value: `json_schema`, `json_object`, `off`) instead of a Bool.
    ///
    /// Converted in place, so the column keeps its position: `1` (a JSON schema was sent) becomes `json_schema`, `0`
    /// becomes `off`. The column was declared BOOLEAN (NUMERIC affinity) by `v1`; SQLite stores these non-numeric
    /// values as TEXT (`typeof(structuredOutput) = 'text'`).
    static func registerCompatMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v7-compat-structured-output-form") { db in
            try db.execute(
                sql: """
                    UPDATE annotation SET structuredOutput = CASE WHEN structuredOutput IN (1, '1', 'true') THEN 'json_schema' ELSE 'off' END
                    WHERE typeof(structuredOutput) <> 'text' OR structuredOutput IN ('1', '0', 'true', 'false')
                    """)
        }
    }

    /// Migration `v8-design-factors`: `discussion.factorLevels`, the condition's factor levels as a JSON list of
    /// `{factor, level}` in factor order (``DiscussionRecord/factorLevels``).
    ///
    /// Discussions stored before factors existed get `[]`: their design had strategies and models only, and their
    /// condition ids and labels are unchanged, so such a store opens, resumes and exports as before.
    static func registerFactorMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v8-design-factors") { db in
            try db.alter(table: "discussion") { t in t.add(column: "factorLevels", .text).notNull().defaults(to: "[]") }
        }
    }

    /// Migration `v9-call-key`: each call's content address (``CallKey``, ``CallProvenance/callKey``), in column
    /// `callKey` of `turn`, `annotation`, `failure_log` and `moderator_decision`, with an index on it in `turn` and
    /// `annotation` (replay looks calls up by key).
    ///
    /// Calls stored before this migration keep `callKey` NULL: replay computes their keys from the stored prompt and
    /// sampling parameters where the store holds them (``Store/callKeyRecords(requestModels:)``). Imported records
    /// have no request and stay NULL.
    static func registerCallKeyMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v9-call-key") { db in
            for table in ["turn", "annotation", "failure_log", "moderator_decision"] {
                try db.alter(table: table) { t in t.add(column: "callKey", .text) }
            }
            try db.create(index: "turn_callKey", on: "turn", columns: ["callKey"])
            try db.create(index: "annotation_callKey", on: "annotation", columns: ["callKey"])
        }
    }
}
