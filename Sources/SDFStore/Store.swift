import Foundation
import GRDB
import SDFCore

/// The SQLite store of one experiment (GRDB, WAL): run manifests, discussions, participants, turns, prompts.
///
/// Every turn is committed in its own transaction as soon as it exists, so killing the process loses at
/// most the calls in flight. Nested values (cleaning reports, flags, decisions, personas, sampling
/// parameters) are stored as JSON text, queryable with SQLite's JSON1 functions.
public struct Store: Sendable {
    /// The database connection (a `DatabasePool` for files, a `DatabaseQueue` in tests).
    public let writer: any DatabaseWriter
    /// The file, or `:memory:`.
    public let path: String

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened or is not an SDF store.
    public static func open(path: String) throws -> Store {
        try refuseForeign(path: path)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        // WAL with synchronous=NORMAL: a commit survives the process being killed (kill -9); only a power loss
        // can drop the last commits. Saves an fsync per turn.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try Store(writer: pool, path: path)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
    }

    /// Opens an existing store for reading: read-only when its schema is current (so `show`, `status`, `export`
    /// and `report` never change the file, and work on read-only media); a store of an older SDF version is
    /// migrated first.
    ///
    /// - Throws: ``StoreError`` when the file does not exist or is not an SDF store (nothing is written to it).
    public static func openExisting(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("no store at \(path)") }
        try refuseForeign(path: path)
        let store = try openReadOnly(path: path)
        let current = (try? store.writer.read { db in try Self.migrator.hasCompletedMigrations(db) }) ?? false
        return current ? store : try open(path: path)
    }

    /// Throws unless `path` is missing, empty, or an SQLite file with SDF's migrations table.
    static func refuseForeign(path: String) throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > 0 else {
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError("cannot read \(path)") }
        let header = handle.readData(ofLength: 16)
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError("\(path) is not an SDF store (not an SQLite file)")
        }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let isSDF: Bool
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            isSDF = try queue.read { db in try db.tableExists("grdb_migrations") && db.tableExists("discussion") }
            try queue.close()
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
        if !isSDF { throw StoreError("\(path) is an SQLite file but not an SDF store; nothing was changed") }
    }

    /// Opens an existing store read-only, without migrating it: for watching a store another process writes.
    ///
    /// - Throws: ``StoreError`` when the file does not exist or cannot be opened.
    public static func openReadOnly(path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("no store at \(path)") }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            return Store(unmigrated: try DatabasePool(path: path, configuration: configuration), path: path)
        } catch {
            throw StoreError("cannot open store \(path): \(error)")
        }
    }

    init(unmigrated writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// An in-memory store, for tests.
    public static func inMemory() throws -> Store {
        try Store(writer: DatabaseQueue(), path: ":memory:")
    }

    init(writer: any DatabaseWriter, path: String) throws {
        self.writer = writer
        self.path = path
        do {
            // Migrate only when needed, so readers of an up-to-date store never write.
            let complete = try writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
            if !complete { try Self.migrator.migrate(writer) }
        } catch {
            throw StoreError("\(path) is not an SDF store or could not be migrated: \(error)")
        }
    }

    /// The provenance columns every LLM call's row has (turns and annotations), in schema order.
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
        return m
    }

    // MARK: annotations

    /// Stores the annotation panel (replacing annotators of the same username and persona).
    ///
    /// - Throws: ``StoreError`` when a stored annotator of the same username has another persona (nothing is
    ///   replaced: an annotator's annotations must never be attributed to someone else).
    public func saveAnnotators(_ annotators: [AnnotatorRecord]) async throws {
        try await writer.write { db in
            for a in annotators { try Self.saveAnnotator(a, db) }
        }
    }

    /// Ids of the annotation jobs already stored whose status is not `failed` (those are retried).
    public func finishedAnnotationIds() async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM annotation WHERE status <> 'failed'"))
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

    /// Every annotation, by discussion, comment and annotator.
    public func annotations() async throws -> [AnnotationRecord] {
        try await writer.read { db in
            try Self.restoringRawText(
                AnnotationRecord.order(Column("discussionId"), Column("commentId"), Column("annotator")).fetchAll(db), db)
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

    /// Failed calls that a resume later retried, oldest first: (kind `turn`/`annotation`, record id, error, attempts).
    public func retriedFailures() async throws -> [(kind: String, recordId: String, discussionId: String, error: String?, attempts: Int)] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, recordId, discussionId, error, attempts FROM failure_log ORDER BY seq").map {
                (kind: $0["kind"], recordId: $0["recordId"], discussionId: $0["discussionId"], error: $0["error"], attempts: $0["attempts"])
            }
        }
    }

    /// Annotation jobs by status (`ok`, `outOfRange`, …, `failed`).
    public func annotationStatusCounts() async throws -> [String: Int] {
        try await writer.read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM annotation GROUP BY status") {
                result[row["status"]] = row["n"]
            }
            return result
        }
    }

    // MARK: runs

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
    public func finishRun(id: String, status: String, at date: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAt = ? WHERE id = ?", arguments: [status, date, id])
        }
    }

    /// Every run manifest, oldest first.
    public func runs() async throws -> [RunManifest] {
        try await writer.read { db in try RunManifest.order(Column("startedAt")).fetchAll(db) }
    }

    // MARK: discussions

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

    /// Starts (or restarts from scratch) a discussion: removes any earlier partial attempt, then inserts the
    /// discussion and its participants, in one transaction.
    public func startDiscussion(_ discussion: DiscussionRecord, participants: [ParticipantRecord]) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM turn WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM participant WHERE discussionId = ?", arguments: [discussion.id])
            try db.execute(sql: "DELETE FROM discussion WHERE id = ?", arguments: [discussion.id])
            try discussion.insert(db)
            for participant in participants { try participant.insert(db) }
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
                    INSERT INTO failure_log (kind, recordId, discussionId, error, attempts, failedAt)
                    SELECT 'turn', id, discussionId, error, attempts, finishedAt FROM turn WHERE discussionId = ? AND outcome = 'failed'
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
            try ParticipantRecord.filter(Column("discussionId") == discussionId).order(Column("position")).fetchAll(db)
        }
    }

    /// A discussion's turns, in order.
    public func turns(of discussionId: String) async throws -> [TurnRecord] {
        try await writer.read { db in
            try Self.restoringRawText(
                TurnRecord.filter(Column("discussionId") == discussionId).order(Column("turnIndex")).fetchAll(db), db,
                discussionId: discussionId)
        }
    }

    /// Every turn in the store, by discussion and turn index.
    public func allTurns() async throws -> [TurnRecord] {
        try await writer.read { db in
            try Self.restoringRawText(TurnRecord.order(Column("discussionId"), Column("turnIndex")).fetchAll(db), db)
        }
    }

    /// A stored prompt by hash.
    public func prompt(hash: String) async throws -> PromptRecord? {
        try await writer.read { db in try PromptRecord.fetchOne(db, key: hash) }
    }

    /// Counts of turns by outcome, and of comments carrying each cleaning flag.
    public func summary() async throws -> StoreSummary {
        try await writer.read { db in
            var summary = StoreSummary()
            summary.discussions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion") ?? 0
            summary.discussionsDone = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion WHERE status = 'done'") ?? 0
            summary.discussionsFailed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion WHERE status = 'failed'") ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT outcome, role, COUNT(*) AS n FROM turn GROUP BY outcome, role") {
                let outcome: String = row["outcome"]
                let role: String = row["role"]
                let n: Int = row["n"]
                summary.turns[outcome + "/" + role, default: 0] += n
            }
            for flags in try String.fetchAll(db, sql: "SELECT flags FROM turn WHERE outcome = 'comment' AND flags <> '[]'") {
                for flag in (try? JSONDecoder().decode([CommentFlag].self, from: Data(flags.utf8))) ?? [] {
                    summary.flags[flag.rawValue, default: 0] += 1
                }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT COALESCE(SUM(promptTokens),0) AS p, COALESCE(SUM(completionTokens),0) AS c,
                           COALESCE(SUM(cachedTokens),0) AS k, COUNT(*) AS n, COALESCE(SUM(MAX(attempts - 1, 0)),0) AS r
                    FROM (SELECT promptTokens, completionTokens, cachedTokens, attempts FROM turn
                          UNION ALL SELECT promptTokens, completionTokens, cachedTokens, attempts FROM annotation)
                    """)
            {
                summary.promptTokens = row["p"]
                summary.completionTokens = row["c"]
                summary.cachedTokens = row["k"]
                summary.calls = row["n"]
                summary.retries = row["r"]
            }
            return summary
        }
    }
}

/// Counts over a whole store, for run summaries and `sdf show`.
public struct StoreSummary: Sendable, Hashable {
    /// Discussions stored.
    public var discussions = 0
    /// Discussions done.
    public var discussionsDone = 0
    /// Discussions failed.
    public var discussionsFailed = 0
    /// Turns by `outcome/role`, e.g. `comment/user`, `abstention/moderator`.
    public var turns: [String: Int] = [:]
    /// Comments by cleaning flag.
    public var flags: [String: Int] = [:]
    /// Prompt tokens, summed (turns and annotation jobs).
    public var promptTokens = 0
    /// Completion tokens, summed.
    public var completionTokens = 0
    /// Cached prompt tokens, summed.
    public var cachedTokens = 0
    /// LLM calls recorded (turns and annotation jobs).
    public var calls = 0
    /// Extra attempts (retries) over all calls.
    public var retries = 0

    /// Share of prompt tokens served from the server's cache, in [0, 1].
    public var cachedShare: Double { promptTokens == 0 ? 0 : Double(cachedTokens) / Double(promptTokens) }

    /// Creates an empty summary.
    public init() {}

    /// Turns with `outcome` over all roles.
    public func count(_ outcome: TurnOutcome) -> Int {
        turns.filter { $0.key.hasPrefix(outcome.rawValue + "/") }.values.reduce(0, +)
    }
}

/// A store could not be opened, read or written as asked.
public struct StoreError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, naming the store.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// The message.
    public var errorDescription: String? { message }

    /// Writes `data` to `path` atomically (a temporary file renamed into place: never half-written).
    ///
    /// - Throws: ``StoreError`` "cannot write PATH: reason".
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StoreError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// Says what differs between two design fingerprints (sorted-key JSON objects), as `path: old → new` lines.
public enum DesignDiff {
    /// The differing leaf paths, e.g. `discussion.turns: 6 → 7`, at most 12 of them.
    public static func changes(from old: String, to new: String) -> [String] {
        guard let a = try? JSONSerialization.jsonObject(with: Data(old.utf8)),
            let b = try? JSONSerialization.jsonObject(with: Data(new.utf8))
        else { return [] }
        var out: [String] = []
        diff(a, b, path: "", into: &out)
        return Array(out.prefix(12))
    }

    static func render(_ value: Any?) -> String {
        guard let value else { return "(absent)" }
        if let s = value as? String { return s.count > 40 ? "\"" + s.prefix(37) + "…\"" : "\"\(s)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
            let text = String(data: data, encoding: .utf8)
        {
            return text.count > 40 ? String(text.prefix(37)) + "…" : text
        }
        return "\(value)"
    }

    static func diff(_ a: Any?, _ b: Any?, path: String, into out: inout [String]) {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            for key in Set(x.keys).union(y.keys).sorted() {
                diff(x[key], y[key], path: path.isEmpty ? key : path + "." + key, into: &out)
            }
        } else if let x = a as? [Any], let y = b as? [Any], x.count == y.count {
            for i in x.indices { diff(x[i], y[i], path: path + "[\(i)]", into: &out) }
        } else if let x = a as? [Any], let y = b as? [Any] {
            out.append("\(path): \(x.count) entries → \(y.count)")
        } else if render(a) != render(b) {
            out.append("\(path): \(render(a)) → \(render(b))")
        }
    }
}
