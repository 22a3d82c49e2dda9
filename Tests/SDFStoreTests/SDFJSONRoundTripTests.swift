import Foundation
import SDFCore
import SDFStore
import Testing

@Suite("sdf-json export → import → export")
struct SDFJSONRoundTripTests {
    /// Every file under `directory`, by relative path, with `sdf.exported_at` removed.
    func files(_ directory: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            // The folder's ownership marker (ExportFolder) is not part of the export's content.
            guard name.hasSuffix(".json"), name != ExportFolder.markerName else { continue }
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.filter { $0.contains("\"exported_at\"") }.count == 1, "\(name) has one export time")
            out[name] = lines.filter { !$0.contains("\"exported_at\"") }.joined(separator: "\n")
        }
        return out
    }

    func roundTrip(_ store: Store) async throws -> (first: [String: String], second: [String: String], imported: Store) {
        let dir = try temporaryDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await SDFJSONExport.write(store: store, to: dir + "/a", exportedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let imported = try Store.inMemory()
        let report = try await LegacyImporter(store: imported).run(paths: [dir + "/a"])
        #expect(report.committed && report.mismatches.isEmpty)
        _ = try await SDFJSONExport.write(store: imported, to: dir + "/b", exportedAt: Date(timeIntervalSince1970: 1_800_000_123.456))
        return (try files(dir + "/a"), try files(dir + "/b"), imported)
    }

    @Test("a run's store: annotations, abstentions, failed calls, trolls and replicates survive byte for byte")
    func runStore() async throws {
        let built = try await ExportFixture.build()
        let (first, second, imported) = try await roundTrip(built.store)
        #expect(first.count == 2)
        #expect(first.keys.sorted() == second.keys.sorted())
        for (name, text) in first { #expect(second[name] == text, "\(name) differs after export → import → export") }
        // What the original layout cannot carry came through the extension.
        let (annotations, originalAnnotations) = (try await imported.annotations(), try await built.store.annotations())
        #expect(annotations == originalAnnotations && !annotations.isEmpty)
        let (turns, originalTurns) = (try await imported.allTurns(), try await built.store.allTurns())
        #expect(turns == originalTurns)
        #expect(turns.contains { $0.outcome == .abstention } && turns.contains { $0.outcome == .failed })
        let (discussions, originalDiscussions) = (try await imported.discussions(), try await built.store.discussions())
        #expect(discussions == originalDiscussions)
        #expect(discussions.map(\.replicate) == originalDiscussions.map(\.replicate))
        let (panel, originalPanel) = (try await imported.annotatorRecords(), try await built.store.annotatorRecords())
        #expect(panel == originalPanel)
        let text = try #require(first.values.first)
        #expect(text.contains("\"sdf\" : {") && text.contains("\"format\" : \"sdf-json/2\""))
    }

    @Test("an imported messy dataset: several seeds with authors, personas, roles and annotators survive byte for byte")
    func importedStore() async throws {
        let store = try Store.inMemory()
        _ = try await LegacyImporter(store: store, conditionPattern: try ConditionPattern("{model}_{strategy}")).run(paths: [messyFixtures])
        let (first, second, imported) = try await roundTrip(store)
        #expect(first.count == 2)
        for (name, text) in first { #expect(second[name] == text, "\(name) differs after export → import → export") }
        #expect(try await imported.annotations().count == 33)
        let d = try #require(try await imported.discussion(id: MessyImportTests.d1))
        #expect(try await imported.seedComments(of: d).map(\.author) == ["ana_writes", "BoltThrower"])
    }

    @Test("re-importing an export into its own store changes nothing")
    func intoItsOwnStore() async throws {
        let built = try await ExportFixture.build()
        let dir = try temporaryDirectory("own")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await SDFJSONExport.write(store: built.store, to: dir)
        let before = (try await built.store.discussions(), try await built.store.annotations(), try await built.store.allTurns())
        _ = try await LegacyImporter(store: built.store).run(paths: [dir])
        #expect(try await built.store.discussions() == before.0)
        #expect(try await built.store.annotations() == before.1)
        #expect(try await built.store.allTurns() == before.2)
    }
}

@Suite("JSONL types")
struct JSONLTypeTests {
    func rows(_ table: TidyTable) throws -> [[String: Any]] {
        try String(decoding: table.jsonl(), as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("list fields are JSON arrays, extra a JSON object; CSV keeps them flat")
    func lists() async throws {
        let built = try await ExportFixture.build()
        let tables = try await TidyExport.tables(store: built.store)
        let participants = try rows(try #require(tables.first { $0.name == "participants" }))
        let ada = try #require(participants.first { $0["username"] as? String == "ada" })
        #expect(ada["personality"] as? [String] == ["calm", "kind"])
        #expect(ada["extra"] as? [String: String] == ["hobby": "chess"])
        let comments = try rows(try #require(tables.first { $0.name == "comments" }))
        let flagged = try #require(comments.first { ($0["flags"] as? [String])?.isEmpty == false })
        #expect(flagged["flags"] as? [String] == ["repetition", "truncated"])
        #expect(comments.filter { $0["turn_index"] as? Int != 0 }.allSatisfy { $0["cleaning"] is [String] })
        let csv = String(decoding: try #require(tables.first { $0.name == "participants" }).csv(), as: UTF8.self)
        #expect(csv.contains("calm; kind") && csv.contains(#"{""hobby"":""chess""}"#))
    }

    @Test("sampling values of imported comments are null, not 0")
    func unknownSampling() async throws {
        let store = try Store.inMemory()
        _ = try await LegacyImporter(store: store).run(paths: [messyFixtures + "/runs"])
        let tables = try await TidyExport.tables(store: store)
        let comments = try rows(try #require(tables.first { $0.name == "comments" }))
        let turns = comments.filter { $0["turn_index"] as? Int != 0 }
        #expect(turns.count == 8)
        for key in ["temperature", "max_tokens", "sampling_seed", "top_p"] {
            #expect(turns.allSatisfy { $0[key] is NSNull }, "\(key) must be null")
        }
        // A run's comments keep their values.
        let fixture = try await ExportFixture.build()
        let runTables = try await TidyExport.tables(store: fixture.store)
        let run = try rows(try #require(runTables.first { $0.name == "comments" }))
        #expect(run.filter { $0["turn_index"] as? Int != 0 }.allSatisfy { $0["max_tokens"] as? Int == 50 })
    }
}
