import Foundation
import GRDB
import SDFStore
import Testing

@testable import SDFServe

@Suite("Search hits")
struct SearchHitTests {
    @Test("each discussion's hit is its best-ranked matching comment with that comment's snippet, and counts every match")
    func hitsEqualTheRankedMatches() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("s.sqlite").path
        try await ServeFixture.build(at: path, running: false)
        let index = SearchIndex(store: try Store.openReadOnly(path: path), preferredPath: path + ".search.sqlite")
        for query in ["homework", "stay topic", "the", "bicy*"] {
            let hits = try #require(try await index.search(query))
            #expect(!hits.isEmpty, "\(query)")
            // Reference: every matching comment with its snippet, best rank first; the first per discussion is its hit.
            let match = try #require(SearchIndex.matchExpression(query))
            let reference = try DatabaseQueue(path: path + ".search.sqlite").read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT discussionId, commentId, snippet(comment_fts, 0, char(57344), char(57345), '…', 16) AS s
                        FROM comment_fts WHERE comment_fts MATCH ? ORDER BY rank
                        """, arguments: [match])
            }
            var expected: [String: SearchHit] = [:]
            for row in reference {
                let discussion: String = row["discussionId"]
                if expected[discussion] == nil {
                    expected[discussion] = SearchHit(commentId: row["commentId"], snippet: row["s"])
                } else {
                    expected[discussion]!.matches += 1
                }
            }
            #expect(hits == expected, "\(query)")
            #expect(hits.values.allSatisfy { $0.snippet.contains("\u{E000}") }, "\(query): every snippet marks its match")
        }
    }
}
