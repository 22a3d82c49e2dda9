import Foundation
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
}
