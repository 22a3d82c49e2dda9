import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFEngine

@Suite("sdf bench data: the synthetic store and its baselines")
struct DataBenchmarkTests {
    @Test("a small study: generation, the three baselines over the same rows, and a command's ratio to its baseline")
    func smallStudy() async throws {
        let dir = try temporaryFolder("bench-data")
        let path = dir + "/bench.sqlite"
        let baseline = "baseline: SELECT rows as CSV text → file"
        let steps = try await DataBenchmark.run(
            shape: .init(discussions: 4, turns: 3, annotators: 2), path: path,
            commands: [
                .init(name: "export csv", baseline: baseline) { store, _ in
                    _ = try await TidyExport.write(store: store, format: .csv, to: dir + "/csv", force: true)
                    return nil
                }
            ])
        let byName = Dictionary(uniqueKeysWithValues: steps.map { ($0.name, $0) })
        let store = try Store.openExisting(path: path)
        let turns = try await store.allTurns().count
        let annotations = try await store.annotations().count
        // 4 discussions of 3 user turns; the moderated half adds a moderator turn after each user comment.
        #expect(turns >= 12 && turns <= 18)
        #expect(annotations > 0)
        #expect(byName["generate discussions"]?.rows == turns)
        #expect(byName["generate annotations"]?.rows == annotations)
        for name in ["baseline: INSERT rows (1 transaction)", "baseline: SELECT rows (cursor)", baseline] {
            #expect(byName[name]?.rows == turns + annotations, "\(name)")
        }
        let export = try #require(byName["export csv"])
        #expect(export.rows == turns + annotations)
        let ratio = try #require(export.ratio)
        #expect(abs(ratio - export.seconds / byName[baseline]!.seconds) < 1e-9)
        // The legacy files hold the same discussions: imported, they give the same comments (speaker and text, in
        // order) and each comment's panel scores (argument quality written on the old 1 = best scale and read back).
        let imported = try #require(byName["import legacy files"])
        let importRatio = try #require(imported.ratio)
        #expect(abs(importRatio - imported.seconds / byName["baseline: INSERT rows (1 transaction)"]!.seconds) < 1e-9)
        #expect(byName["setup: write the store as legacy files"]?.rows == 4 * (1 + 2))
        #expect(!FileManager.default.fileExists(atPath: path + ".legacy"))
        #expect(!FileManager.default.fileExists(atPath: path + ".legacy.sqlite"))
        // The step's rows are what the import stored: every turn, the 4 seed comments, and the comments' annotations.
        let comments = try await store.allTurns().filter { $0.outcome == .comment }
        let commentAnnotations = try await store.annotations().filter { a in comments.contains { $0.id == a.commentId } }
        #expect(imported.rows >= turns + 4 + commentAnnotations.count)
        // The scratch store is gone, so re-import here to compare contents.
        let legacyFolder = dir + "/legacy"
        _ = try await LegacyFileWriter.write(store: store, to: legacyFolder)
        let copy = try Store.open(path: dir + "/copy.sqlite")
        let report = try await LegacyImporter(store: copy).run(paths: [legacyFolder])
        #expect(report.stored.discussions == 4)
        #expect(report.stored.turns == turns)
        func thread(_ s: Store) async throws -> [String] {
            var lines: [String] = []
            for d in try await s.discussions().sorted(by: { $0.id < $1.id }) {
                lines += try await s.turns(of: d.id).map { "\(d.id) \($0.speaker) \($0.outcome) \($0.text ?? "")" }
            }
            return lines
        }
        #expect(try await thread(copy) == thread(store))
        let byId = Dictionary(uniqueKeysWithValues: comments.map { ($0.id, $0) })
        let copiedTurns = try await copy.allTurns()
        let copiedById = Dictionary(uniqueKeysWithValues: copiedTurns.map { ($0.id, $0) })
        func scores(_ annotations: [AnnotationRecord], _ turn: [String: TurnRecord]) -> [String] {
            annotations.compactMap { a in
                guard let t = turn[a.commentId], t.outcome == .comment, a.status == .ok else { return nil }
                return "\(t.discussionId) \(t.turnIndex) \(a.annotator.prefix(10)) \(a.values["toxicity"] ?? -1) \(a.values["argument_quality"] ?? -1)"
            }.sorted()
        }
        #expect(scores(try await copy.annotations(), copiedById) == scores(commentAnnotations, byId))
        // The baselines' scratch files are removed.
        #expect(!FileManager.default.fileExists(atPath: path + ".baseline"))
        #expect(!FileManager.default.fileExists(atPath: path + ".baseline.csv"))
    }
}
