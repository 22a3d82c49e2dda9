import Foundation
import SDFStore
import Testing

@Suite("Opening stores")
struct StoreOpeningTests {
    func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sdf-open-\(UUID().uuidString)-\(name)").path
    }

    @Test func readersNeverChangeAStore() async throws {
        let path = temp("store.sqlite")
        _ = try Store.open(path: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try Store.openExisting(path: path)
        _ = try await reader.discussions()
        _ = try await reader.summary()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func foreignFilesAreRefusedAndLeftAlone() throws {
        let text = temp("notes.sqlite")
        try Data("just some text".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: StoreError.self) { try Store.openExisting(path: text) }
        #expect(throws: StoreError.self) { try Store.open(path: text) }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "just some text")
        #expect(throws: StoreError.self) { try Store.openExisting(path: temp("missing.sqlite")) }
    }
}
