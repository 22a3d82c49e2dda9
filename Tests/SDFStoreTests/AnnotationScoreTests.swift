import Foundation
import GRDB
import SDFCore
import Testing

@testable import SDFStore

@Suite("Slim annotation reads for the analysis")
struct AnnotationScoreTests {
    @Test("annotationScores() returns every annotation's comment, annotator, status and values, in the order of annotations()")
    func scoresMatchRecords() async throws {
        let store = try await ExportFixture.build().store
        let records = try await store.annotations()
        let scores = try await store.annotationScores()
        #expect(!records.isEmpty)
        #expect(scores == records.map(AnnotationScore.init))
        #expect(Set(scores.map(\.status)).count > 1, "the fixture should mix statuses")
    }

    @Test("turnFacts() returns every turn's facts, in the order of allTurns(), equal to the facts of the full records")
    func turnFactsMatchRecords() async throws {
        let store = try await ExportFixture.build().store
        let records = try await store.allTurns()
        let facts = try await store.turnFacts()
        #expect(!records.isEmpty)
        #expect(facts == records.map(TurnFacts.init))
        #expect(facts.contains { !$0.flags.isEmpty } && facts.contains { $0.cleaningSteps.count == 2 })
        #expect(facts.contains(where: \.hasDecision) && facts.contains { !$0.hasDecision })
        #expect(Set(facts.map(\.outcome)).count == 3)
    }

    @Test("turnFacts() names the turn and the column of a damaged flags or outcome value")
    func turnFactsReportDamage() async throws {
        let store = try await ExportFixture.build().store
        let id = try await store.allTurns()[0].id
        try await store.writer.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE turn SET flags = '[\"sparkly\"]' WHERE id = ?", arguments: [id])
        }
        await #expect { _ = try await store.turnFacts() } throws: { error in
            "\(error)".contains("turn \(id): column flags holds '[\"sparkly\"]'")
        }
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE turn SET flags = '[]', outcome = 'shouted' WHERE id = ?", arguments: [id])
        }
        await #expect { _ = try await store.turnFacts() } throws: { error in "\(error)".contains("column outcome holds 'shouted'") }
    }

    @Test("the export's annotation read equals annotations(ofDiscussion:) but for the sampling it does not write, legacy rows included")
    func exportReadMatchesRecords() async throws {
        let store = try await ExportFixture.build().store
        let all = try await store.annotations()
        #expect(all.count > 3)
        // Legacy and lossless forms: a failed call's error kept in `detail`, NUL raw text.
        let failed = all[0]
        let other = all[1]
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE annotation SET status = 'failed', method = 'none', \"values\" = '{}', errorKind = NULL, error = NULL, detail = 'server: HTTP 500' WHERE id = ?", arguments: [failed.id])
            try db.execute(sql: "UPDATE annotation SET rawText = 'a\u{2400}b', rawTextBytes = ?, callKey = 'key-1' WHERE id = ?", arguments: [Data("a\u{0}b".utf8), other.id])
        }
        var compared = 0
        for d in try await store.discussions() {
            let full = try await store.annotations(ofDiscussion: d.id)
            let slim = try await store.annotationsForExport(ofDiscussion: d.id)
            #expect(slim == full.map { record in
                var r = record
                r.call.sampling = .unknown
                r.call.callKey = nil
                return r
            })
            compared += slim.count
            #expect(try await store.annotationsForExport(ofDiscussion: d.id, sampling: true) == full, "with sampling: every field")
        }
        #expect(compared == all.count)
        let legacy = try #require(try await store.annotations(ofDiscussion: failed.discussionId).first { $0.id == failed.id })
        #expect(legacy.detail == nil && legacy.call.error?.kind == .server)
        let lossless = try #require(try await store.annotations(ofDiscussion: other.discussionId).first { $0.id == other.id })
        #expect(lossless.rawText == "a\u{0}b" && lossless.call.callKey == "key-1" && lossless.call.sampling.temperature == 0.2)
    }
}
