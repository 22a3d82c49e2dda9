import Foundation
import GRDB
import SDFCore
import SDFStore

/// One row of the discussion list.
struct DiscussionRow: Sendable, Hashable {
    var store: String
    var id: String
    var conditionLabel: String
    var strategy: String
    var modelName: String
    var replicate: Int
    var status: String
    var startedAt: Date
    var comments = 0
    var abstentions = 0
    var failed = 0
    var flagged = 0
    var moderatorComments = 0
    var annotations = 0
    var failedAnnotations = 0
    var hit: SearchHit?
}

/// Counts for one condition on the overview page.
struct ConditionSummary: Sendable, Hashable {
    var label: String
    var strategy: String
    var model: String
    var done = 0
    var running = 0
    var failed = 0
    /// Planned but not started (known when the store has a run manifest with a parseable experiment file).
    var pending = 0
    /// Distinct replicate indices stored.
    var replicates = 0
    var total: Int { done + running + failed }
}

/// What the overview page shows about one store.
struct StoreOverview: Sendable {
    var name: String
    var path: String
    var runs: [RunManifest]
    var experiment: String?
    var plannedReplicates: Int?
    var conditions: [ConditionSummary]
    var turns: [String: Int]
    var annotations: [String: Int]
    var annotators: Int
    var discussions: Int
}

/// How far the store's run has come (discussion page, live updates).
struct RunProgress: Sendable, Codable, Hashable {
    var runStatus: String?
    var done: Int
    var running: Int
    var failed: Int
    var total: Int
}

/// Everything the discussion page shows.
struct DiscussionDetail: Sendable {
    var store: String
    var discussion: DiscussionRecord
    var participants: [ParticipantRecord]
    var turns: [TurnRecord]
    /// The seed comments with their authors in thread order: the stored ones (seed threads, imported hard-coded
    /// comments), else the discussion's one seed comment by `OP`.
    var seeds: [SeedCommentRecord] = []
    /// Annotations by comment id (turn id or seed comment id), by annotator.
    var annotations: [String: [AnnotationRecord]]
    var dimensions: [RubricDimension]
    /// The same replicate in the store's other conditions: (condition label, discussion id).
    var siblings: [(label: String, id: String)]
    var progress: RunProgress
}

extension ServedStore {
    // MARK: list

    /// The page of discussions matching `q` in this store: ids sorted and cut in SQL, counts for that page only.
    ///
    /// - Parameter hits: the full-text matches when `q` has a search (only these discussions are listed).
    func listPage(_ q: ListQuery, limit: Int, offset: Int, hits: [String: SearchHit]?) async throws -> (total: Int, rows: [DiscussionRow]) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let c = q.condition {
            conditions.append("d.conditionLabel = ?")
            arguments += [c]
        }
        if let r = q.replicate {
            conditions.append("d.replicate = ?")
            arguments += [r]
        }
        if let s = q.status {
            conditions.append("d.status = ?")
            arguments += [s]
        }
        if let f = q.flag {
            conditions.append("EXISTS (SELECT 1 FROM turn t WHERE t.discussionId = d.id AND t.outcome = 'comment' AND t.flags LIKE ?)")
            arguments += ["%\"\(f)\"%"]
        }
        if let role = q.role {
            conditions.append("EXISTS (SELECT 1 FROM participant p WHERE p.discussionId = d.id AND p.role = ?)")
            arguments += [role]
        }
        if q.failures {
            conditions.append(
                """
                (EXISTS (SELECT 1 FROM turn t WHERE t.discussionId = d.id AND t.outcome = 'failed')
                 OR EXISTS (SELECT 1 FROM annotation a WHERE a.discussionId = d.id AND a.status = 'failed'))
                """)
        }
        if let hits {
            conditions.append("d.id IN (SELECT value FROM json_each(?))")
            arguments += [Self.jsonArray(hits.keys.sorted())]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let dir = q.descending ? "DESC" : "ASC"
        let order: String
        switch q.sort {
        case .condition: order = "d.conditionLabel \(dir), d.replicate \(dir), d.id \(dir)"
        case .replicate: order = "d.replicate \(dir), d.conditionLabel \(dir), d.id \(dir)"
        case .status: order = "d.status \(dir), d.conditionLabel \(dir), d.replicate \(dir), d.id \(dir)"
        case .started: order = "d.startedAt \(dir), d.id \(dir)"
        case .comments:
            order =
                "(SELECT COUNT(*) FROM turn t WHERE t.discussionId = d.id AND t.outcome = 'comment') \(dir), d.conditionLabel \(dir), d.replicate \(dir), d.id \(dir)"
        case .failed:
            order =
                "(SELECT COUNT(*) FROM turn t WHERE t.discussionId = d.id AND t.outcome = 'failed') \(dir), d.conditionLabel \(dir), d.replicate \(dir), d.id \(dir)"
        }
        let args = arguments
        let name = self.name
        return try await store.writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion d \(whereClause)", arguments: args) ?? 0
            var rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.conditionLabel, d.strategy, d.modelName, d.replicate, d.status, d.startedAt
                    FROM discussion d \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
                    """,
                arguments: args + [limit, offset]
            ).map { row in
                DiscussionRow(
                    store: name, id: row["id"], conditionLabel: row["conditionLabel"], strategy: row["strategy"],
                    modelName: row["modelName"], replicate: row["replicate"], status: row["status"], startedAt: row["startedAt"],
                    hit: hits?[row["id"] as String])
            }
            guard !rows.isEmpty else { return (total, rows) }
            let ids = Self.jsonArray(rows.map(\.id))
            var index: [String: Int] = [:]
            for (i, r) in rows.enumerated() { index[r.id] = i }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT discussionId AS id, SUM(outcome = 'comment') AS c, SUM(outcome = 'abstention') AS a,
                           SUM(outcome = 'failed') AS f, SUM(outcome = 'comment' AND flags <> '[]') AS fl,
                           SUM(outcome = 'comment' AND role = 'moderator') AS m
                    FROM turn WHERE discussionId IN (SELECT value FROM json_each(?)) GROUP BY discussionId
                    """, arguments: [ids])
            {
                guard let i = index[row["id"] as String] else { continue }
                rows[i].comments = row["c"] ?? 0
                rows[i].abstentions = row["a"] ?? 0
                rows[i].failed = row["f"] ?? 0
                rows[i].flagged = row["fl"] ?? 0
                rows[i].moderatorComments = row["m"] ?? 0
            }
            if try db.tableExists("annotation") {
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT discussionId AS id, COUNT(*) AS n, SUM(status = 'failed') AS f FROM annotation
                        WHERE discussionId IN (SELECT value FROM json_each(?)) GROUP BY discussionId
                        """, arguments: [ids])
                {
                    guard let i = index[row["id"] as String] else { continue }
                    rows[i].annotations = row["n"] ?? 0
                    rows[i].failedAnnotations = row["f"] ?? 0
                }
            }
            return (total, rows)
        }
    }

    /// The values the list's filter menus offer: condition labels and replicate indices present in the store.
    func facets() async throws -> (conditions: [String], replicates: [Int]) {
        try await store.writer.read { db in
            (
                try String.fetchAll(db, sql: "SELECT DISTINCT conditionLabel FROM discussion ORDER BY conditionLabel"),
                try Int.fetchAll(db, sql: "SELECT DISTINCT replicate FROM discussion ORDER BY replicate")
            )
        }
    }

    // MARK: overview

    /// Runs, design and counts of the store.
    func overview() async throws -> StoreOverview {
        let runs = (try? await store.runs()) ?? []
        let last = runs.last
        var order: [String] = []
        var byLabel: [String: ConditionSummary] = [:]
        var planned: Int?
        if let last, let spec = try? ExperimentLoader.decode(yaml: last.specText, file: "store") {
            planned = spec.replicates
            let design = Design(
                strategies: spec.strategies.map(\.name), models: spec.models.map(\.name), replicates: spec.replicates,
                runSeed: spec.seed)
            for c in design.conditions {
                order.append(c.label)
                byLabel[c.label] = ConditionSummary(label: c.label, strategy: c.strategy, model: c.model, pending: spec.replicates)
            }
        }
        let (rows, turns, annotations, annotators, discussions) = try await store.writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT conditionLabel, MIN(strategy) AS strategy, MIN(modelName) AS modelName, status, COUNT(*) AS n,
                           (SELECT COUNT(DISTINCT replicate) FROM discussion e WHERE e.conditionLabel = d.conditionLabel) AS r
                    FROM discussion d GROUP BY conditionLabel, status ORDER BY conditionLabel, status
                    """
            ).map {
                (label: $0["conditionLabel"] as String, strategy: $0["strategy"] as String, model: $0["modelName"] as String,
                 status: $0["status"] as String, count: $0["n"] as Int, replicates: $0["r"] as Int)
            }
            var turns: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: Store.turnOutcomeCountsSQL) {
                turns[row["outcome"], default: 0] += row["n"] as Int
            }
            var annotations: [String: Int] = [:]
            var annotators = 0
            if try db.tableExists("annotation") {
                for row in try Row.fetchAll(db, sql: Store.annotationStatusCountsSQL) {
                    annotations[row["status"], default: 0] += row["n"] as Int
                }
                annotators = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT annotator) FROM annotation") ?? 0
            }
            let discussions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM discussion") ?? 0
            return (rows, turns, annotations, annotators, discussions)
        }
        for row in rows {
            let label = row.label
            if byLabel[label] == nil {
                order.append(label)
                byLabel[label] = ConditionSummary(label: label, strategy: row.strategy, model: row.model)
            }
            byLabel[label]!.pending = max(0, byLabel[label]!.pending - row.count)
            byLabel[label]!.replicates = row.replicates
            switch row.status {
            case "done": byLabel[label]!.done += row.count
            case "failed": byLabel[label]!.failed += row.count
            default: byLabel[label]!.running += row.count
            }
        }
        return StoreOverview(
            name: name, path: path, runs: runs, experiment: last?.experiment, plannedReplicates: planned,
            conditions: order.compactMap { byLabel[$0] }, turns: turns, annotations: annotations, annotators: annotators,
            discussions: discussions)
    }

    /// Discussion counts by status, and the latest run's status.
    func progress() async throws -> RunProgress {
        let status = try? await store.runs().last?.status.rawValue
        return try await store.writer.read { db in
            var p = RunProgress(runStatus: status, done: 0, running: 0, failed: 0, total: 0)
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM discussion GROUP BY status") {
                let n: Int = row["n"]
                switch row["status"] as String {
                case "done": p.done += n
                case "failed": p.failed += n
                default: p.running += n
                }
                p.total += n
            }
            return p
        }
    }

    // MARK: one discussion

    /// The discussion `id` with everything its page shows; `nil` when this store does not have it.
    func detail(id: String) async throws -> DiscussionDetail? {
        guard let discussion = try await store.discussion(id: id) else { return nil }
        let participants = try await store.participants(of: id)
        let turns = try await store.turns(of: id)
        let (annotations, panel, siblings, storedSeeds) = try await store.writer.read { db in
            let storedSeeds =
                try db.tableExists("seed_comment")
                ? try SeedCommentRecord.filter(Column("discussionId") == id).order(Column("position")).fetchAll(db) : []
            var annotations: [String: [AnnotationRecord]] = [:]
            var panel: [AnnotatorRecord] = []
            if try db.tableExists("annotation") {
                for a in try AnnotationRecord.filter(Column("discussionId") == id).order(Column("annotator")).fetchAll(db) {
                    annotations[a.commentId, default: []].append(a)
                }
                panel = try AnnotatorRecord.order(Column("username")).fetchAll(db)
            }
            let siblings = try Row.fetchAll(
                db, sql: "SELECT conditionLabel, id FROM discussion WHERE replicate = ? AND id <> ? ORDER BY conditionLabel",
                arguments: [discussion.replicate, id]
            ).map { (label: $0["conditionLabel"] as String, id: $0["id"] as String) }
            return (annotations, panel, siblings, storedSeeds)
        }
        var dimensions: [RubricDimension] = []
        for a in panel { for d in a.rubric.dimensions where !dimensions.contains(where: { $0.name == d.name }) { dimensions.append(d) } }
        let seen = Set(annotations.values.flatMap { $0.flatMap(\.values.keys) })
        for name in seen.sorted() where !dimensions.contains(where: { $0.name == name }) {
            dimensions.append(RubricDimension(name: name, description: "", min: 1, max: 5, labels: [], higherMeans: "higher"))
        }
        let seeds =
            !storedSeeds.isEmpty || discussion.seedComment.isEmpty
            ? storedSeeds
            : [SeedCommentRecord(id: discussion.seedCommentId, discussionId: id, position: 0, author: "OP", text: discussion.seedComment)]
        return DiscussionDetail(
            store: name, discussion: discussion, participants: participants, turns: turns, seeds: seeds, annotations: annotations,
            dimensions: dimensions, siblings: siblings, progress: try await progress())
    }

    /// Turns of discussion `id` after turn index `after`, and the discussion's status; `nil` when it is not here.
    func turns(of id: String, after: Int) async throws -> (status: DiscussionStatus, turns: [TurnRecord])? {
        try await store.writer.read { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM discussion WHERE id = ?", arguments: [id]) else {
                return nil
            }
            let turns = try TurnRecord.filter(Column("discussionId") == id && Column("turnIndex") > after).order(Column("turnIndex"))
                .fetchAll(db)
            return (DiscussionStatus(rawValue: status) ?? .running, turns)
        }
    }

    /// Discussions of replicate `replicate` whose condition is in `conditions` (all when empty), by condition label.
    func replicate(_ replicate: Int, conditions: [String]) async throws -> [DiscussionRecord] {
        try await store.writer.read { db in
            let all = try DiscussionRecord.filter(Column("replicate") == replicate).order(Column("conditionLabel")).fetchAll(db)
            return conditions.isEmpty ? all : all.filter { conditions.contains($0.conditionLabel) }
        }
    }

    static func jsonArray(_ values: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(values), as: UTF8.self)) ?? "[]"
    }
}
