import Foundation
import SDFStore
import Testing

/// The invented messy legacy dataset of the store tests.
let messyDataset = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("SDFStoreTests/Fixtures/messy").path

@Suite("sdf import")
struct ImportCommandTests {
    @Test("lists every file, prints read and stored counts, exits 0")
    func importsTheMessyDataset() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-import-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await sdf([
            "import", messyDataset, "--store", dir + "/s.sqlite", "--condition-pattern", "{model}_{strategy}",
            "--troll-instructions", messyDataset + "/troll_instructions.txt",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["d1_A.json", "d1_B.json", "d1_C.json", "d2_A.json", "d2_B.json", "d2_C.json"] {
            #expect(result.stderr.contains("annotations: \(messyDataset)/annotations/\(name)"))
        }
        #expect(result.stderr.contains("skipped: \(messyDataset)/README.json"))
        #expect(result.stderr.contains("read:   9 files, 2 discussions, 3 seed comments, 10 turns (8 comments, 2 abstentions), 39 annotations"))
        #expect(result.stderr.contains("stored: 8 files, 2 discussions, 3 seed comments, 10 turns (8 comments, 2 abstentions), 33 annotations"))
        #expect(result.stderr.contains("3 annotators"))
        #expect(!result.stderr.contains("problem"))
        let store = try Store.openExisting(path: dir + "/s.sqlite")
        #expect(try await store.annotations().count == 33)
    }

    @Test("a file that cannot be imported fails the import with exit 1 and leaves the store unchanged")
    func failsAllOrNothing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-import-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/in/vanilla", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(
            atPath: messyDataset + "/runs/qwen7b_guidelines.txt/conv_8a7b6c5d.json", toPath: dir + "/in/vanilla/d.json")
        let orphan = #"{"conv_id": "no-such-discussion", "annotator_prompt": "x", "annotator_model": "m", "logs": [["a", "Toxicity=1"]]}"#
        try orphan.write(toFile: dir + "/in/orphan.json", atomically: true, encoding: .utf8)
        let result = try await sdf(["import", dir + "/in", "--store", dir + "/s.sqlite"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("orphan.json") && result.stderr.contains("no-such-discussion"))
        #expect(result.stderr.contains("nothing was stored"))
        #expect(result.stderr.contains("mismatch: annotations: 1 read, 1 to store, 0 stored"))
        let store = try Store.openExisting(path: dir + "/s.sqlite")
        #expect(try await store.discussions().isEmpty)
    }
}
