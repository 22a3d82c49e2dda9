import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SDFCore
import SDFServe
import SDFStore
import Testing

@Suite("Viewer: seed threads")
struct SeedThreadPageTests {
    @Test func discussionPageShowsEverySeedCommentWithItsAuthor() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("threads.sqlite").path
        let store = try await ServeFixture.build(at: path)
        let d = try #require(try await store.discussion(id: "d-none-0"))
        let participants = try await store.participants(of: d.id)
        let turns = try await store.turns(of: d.id)
        let seeds = [
            SeedCommentRecord(id: d.seedCommentId, discussionId: d.id, position: 0, author: "renter_rita", text: d.seedComment),
            SeedCommentRecord(id: "\(d.id)-seed-1", discussionId: d.id, position: 1, author: "landlord_<lou>", text: "Supply is the problem & always was."),
        ]
        try await store.replaceDiscussion(d, participants: participants, turns: turns, seeds: seeds)
        let viewer = try Viewer(paths: [path], configuration: ViewerConfiguration(port: 0, pollMilliseconds: 300))
        func get(_ uri: String) async throws -> String {
            let app = Application(router: viewer.makeRouter())
            return try await app.test(.router) { client in
                try await client.execute(uri: uri, method: .get) { r in String(buffer: r.body) }
            }
        }
        let html = try await get("/discussions/d-none-0")
        #expect(html.contains("<span class=\"who\">renter_rita</span><span class=\"badge op\">seed comment 1 of 2</span>"))
        #expect(html.contains("<span class=\"who\">landlord_&lt;lou&gt;</span><span class=\"badge op\">seed comment 2 of 2</span>"))
        #expect(html.contains("Supply is the problem &amp; always was."))
        #expect(html.contains(d.seedComment))
        // Every seed comment comes before the first generated turn.
        let second = try #require(html.range(of: "seed comment 2 of 2"))
        let firstTurn = try #require(html.range(of: "I ride my bicycle to work"))
        #expect(second.upperBound < firstTurn.lowerBound)
        // A one-comment seed by OP renders as before.
        let plain = try await get("/discussions/d-none-1")
        #expect(plain.contains("<span class=\"who\">OP</span><span class=\"badge op\">seed comment</span>"))
    }
}
