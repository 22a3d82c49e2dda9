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
        // The baselines' scratch files are removed.
        #expect(!FileManager.default.fileExists(atPath: path + ".baseline"))
        #expect(!FileManager.default.fileExists(atPath: path + ".baseline.csv"))
    }
}
