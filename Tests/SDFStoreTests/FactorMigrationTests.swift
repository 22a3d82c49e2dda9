import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("v8 design factors: factor levels per discussion")
struct FactorMigrationTests {
    static let when = "2024-10-17 12:04:00.000"

    /// A store of the schema before `v8-design-factors` with one finished discussion and one comment.
    static func previousVersionStore(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v7-compat-structured-output-form")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO discussion (id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId,
                      seedComment, seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt)
                    VALUES ('d', 'strategy=none;model=m', 'none', 'none', 'm', 0, '1', 's', 'seed', 0, 2, 4, 'respond(p=0.4)', 'done', ?, ?)
                    """, arguments: [when, when])
        }
        try queue.close()
    }

    @Test("a previous store opens with no factor levels; new discussions keep theirs; exports add one column per factor")
    func previousVersionMigrates() async throws {
        let dir = NSTemporaryDirectory() + "factor-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try Self.previousVersionStore(path)
        let store = try Store.open(path: path)
        let old = try #require(try await store.discussion(id: "d"))
        #expect(old.factorLevels.isEmpty && old.conditionId == "strategy=none;model=m")
        // Without factors, the exports have the columns they had.
        var tables = try await TidyExport.tables(store: store)
        #expect(tables.first { $0.name == "discussions" }?.columns == TidyExport.discussionColumns)
        #expect(tables.first { $0.name == "comments" }?.columns == TidyExport.commentColumns)

        var record = old
        record.id = "d2"
        record.conditionId = "strategy=none;model=m;trolls=none;seed=few"
        record.conditionLabel = "none/trolls=none/seed=few"
        record.factorLevels = [FactorLevel(factor: "trolls", level: "none"), FactorLevel(factor: "seed", level: "few")]
        try await store.startDiscussion(record, participants: [])
        let stored = try #require(try await store.discussion(id: "d2"))
        #expect(stored.factorLevels == record.factorLevels)
        let raw = try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT factorLevels FROM discussion WHERE id = 'd2'")
        }
        #expect(raw == #"[{"factor":"trolls","level":"none"},{"factor":"seed","level":"few"}]"#)

        tables = try await TidyExport.tables(store: store)
        let discussions = try #require(tables.first { $0.name == "discussions" })
        // `seed` is a column already, so its factor column is `factor_seed`.
        #expect(discussions.columns == TidyExport.discussionColumns + ["trolls", "factor_seed"])
        let byId = Dictionary(uniqueKeysWithValues: discussions.rows.map { row -> (String, [TidyValue]) in
            guard case .text(let id) = row[0] else { return ("?", row) }
            return (id, row)
        })
        #expect(Array(try #require(byId["d2"]).suffix(2)) == [.text("none"), .text("few")])
        #expect(Array(try #require(byId["d"]).suffix(2)) == [.null, .null])
        let comments = try #require(tables.first { $0.name == "comments" })
        #expect(comments.columns == TidyExport.commentColumns + ["trolls", "factor_seed"])
        #expect(comments.rows.allSatisfy { $0.count == comments.columns.count })
        // The streamed CSV files carry the same headers and values.
        let out = dir + "/csv"
        _ = try await TidyExport.write(store: store, format: .csv, to: out)
        let csv = try String(contentsOfFile: out + "/discussions.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(csv.first?.hasSuffix(",trolls,factor_seed") == true, "\(csv.first ?? "")")
        #expect(csv.contains { $0.hasPrefix("d2,") && $0.hasSuffix(",none,few") })
        let commentHeader = try String(contentsOfFile: out + "/comments.csv", encoding: .utf8).split(separator: "\n").first
        #expect(commentHeader?.hasSuffix(",trolls,factor_seed") == true)
    }
}
