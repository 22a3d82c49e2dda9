import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SDFCore
import SDFServe
import SDFStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A served fixture store in its own folder.
struct Served {
    let folder: URL
    let path: String
    let viewer: Viewer

    init(running: Bool = false, name: String = "fixture") async throws {
        folder = try temporaryFolder()
        path = folder.appendingPathComponent("\(name).sqlite").path
        try await ServeFixture.build(at: path, running: running)
        viewer = try Viewer(paths: [path], configuration: ViewerConfiguration(port: 0, pollMilliseconds: 300))
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// GETs `uri` in process and returns status, headers and body text.
    func get(_ uri: String, method: HTTPRequest.Method = .get) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        let app = Application(router: viewer.makeRouter())
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: method) { r in (r.status, r.headers, String(buffer: r.body)) }
        }
    }
}

/// The ids of the discussions listed on a list page, in order.
func listedIds(_ html: String) -> [String] {
    html.components(separatedBy: "<tr data-id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
}

@Suite("Viewer routes")
struct RouteTests {
    @Test func indexShowsStoresDesignAndCountsWithEscapedExperimentName() async throws {
        let s = try await Served()
        defer { s.remove() }
        let r = try await s.get("/")
        #expect(r.status == .ok)
        #expect(r.body.contains("fixture"))
        #expect(r.body.contains(">none</a>") && r.body.contains(">guidelines</a>"))
        #expect(r.body.contains("4 discussions"))
        #expect(r.body.contains("/stores/fixture/report"))
        #expect(!r.body.contains(Payload.experiment))
        #expect(r.body.contains("&lt;b&gt;exp&lt;/b&gt;&lt;script&gt;"))
        #expect(!r.body.contains(Payload.modelId))
    }

    @Test func everyResponseHasAStrictPolicyAndNoWriteEndpointExists() async throws {
        let s = try await Served()
        defer { s.remove() }
        for uri in ["/", "/discussions", "/discussions/d-none-0", "/compare", "/assets/app.js", "/nope"] {
            let r = try await s.get(uri)
            let csp = r.headers[.contentSecurityPolicy] ?? ""
            #expect(csp.contains("script-src 'self'"), "\(uri): \(csp)")
            #expect(csp.contains("default-src 'none'"))
            #expect(!csp.contains("unsafe-inline"))
            #expect(r.headers[.xContentTypeOptions] == "nosniff")
        }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
            for uri in ["/", "/discussions", "/discussions/d-none-0"] {
                let r = try await s.get(uri, method: method)
                #expect(r.status == .methodNotAllowed, "\(method) \(uri) gave \(r.status)")
            }
        }
        let missing = try await s.get("/discussions/does-not-exist")
        #expect(missing.status == .notFound)
        // No inline script or style anywhere on the viewer's pages.
        let page = try await s.get("/discussions/d-none-0")
        #expect(!page.body.contains("<script>"))
        #expect(!page.body.contains("style="))
        #expect(page.body.contains("<script src=\"/assets/app.js\" defer></script>"))
    }

    @Test func discussionPageShowsTheThreadAsAForumWould() async throws {
        let s = try await Served()
        defer { s.remove() }
        let r = try await s.get("/discussions/d-guidelines-0")
        #expect(r.status == .ok)
        let html = r.body
        #expect(html.contains("Cities should ban cars from the centre."))
        #expect(html.contains("seed comment"))
        for k in 1...4 {
            #expect(html.contains(ServeFixture.text("guidelines", 0, k, ServeFixture.order[0][k - 1]).replacingOccurrences(of: "'", with: "&#39;")))
        }
        #expect(html.contains("<span class=\"badge troll\">troll</span>"))
        #expect(html.contains("<span class=\"badge moderator\">moderator</span>"))
        #expect(html.contains("abstained"))
        #expect(html.contains("Please stay on topic (1)."))
        #expect(html.contains("uniformExcludingLast from [ada, "))
        #expect(html.contains("data-dimension=\"toxicity\""))
        #expect(html.contains("data-dimension=\"argument_quality\""))
        #expect(html.contains("speakerPrefix: removed"))
        #expect(html.contains("occupation: nurse"))
        #expect(!html.contains("data-live-url"), "a finished discussion does not poll")
        let failed = try await s.get("/discussions/d-guidelines-1")
        #expect(failed.body.contains("call failed"))
        #expect(failed.body.contains("server: HTTP 500 injected"))
        let flagged = try await s.get("/discussions/d-none-1")
        #expect(flagged.body.contains("<span class=\"badge flag\" title=\"cleaning flag\">repetition</span>"))
        // A unique id prefix redirects to the stable URL.
        let prefix = try await s.get("/discussions/d-none-")
        #expect(prefix.status == .notFound, "two discussions start with d-none-")
        let unique = try await s.get("/discussions/d-guidelines-1x")
        #expect(unique.status == .notFound)
    }

    @Test func payloadsInACommentAUsernameAModelIdAndPersonaStayEscaped() async throws {
        let s = try await Served()
        defer { s.remove() }
        for uri in ["/discussions/d-none-0", "/compare?replicate=0", "/discussions?q=pwned", "/", "/discussions/d-none-0/turns.json?after=0"] {
            let body = try await s.get(uri).body
            for payload in [Payload.comment, Payload.username, Payload.modelId, Payload.experiment, "<script>alert(1)</script>", "<i>& sons</i>"] {
                #expect(!body.contains(payload), "\(uri) contains a raw payload \(payload)")
            }
            #expect(!body.contains("<img"), "\(uri) contains an <img> element")
            #expect(!body.contains("<svg"), "\(uri) contains an <svg> element")
        }
        let page = try await s.get("/discussions/d-none-0").body
        #expect(page.contains("&lt;script&gt;document.title=&#39;pwned-script&#39;&lt;/script&gt;&lt;img src=x onerror=&quot;"))
        #expect(page.contains("&lt;img src=x onerror=&quot;document.title=&#39;pwned-user&#39;&quot;&gt;"))
        #expect(page.contains("&lt;svg onload=&quot;document.title=&#39;pwned-model&#39;&quot;&gt;"))
    }

    @Test func filtersReturnTheRightDiscussions() async throws {
        let s = try await Served()
        defer { s.remove() }
        func ids(_ query: String) async throws -> Set<String> { Set(listedIds(try await s.get("/discussions" + query).body)) }
        #expect(try await ids("") == ["d-none-0", "d-none-1", "d-guidelines-0", "d-guidelines-1"])
        #expect(try await ids("?condition=guidelines") == ["d-guidelines-0", "d-guidelines-1"])
        #expect(try await ids("?replicate=1") == ["d-none-1", "d-guidelines-1"])
        #expect(try await ids("?status=failed") == ["d-guidelines-1"])
        #expect(try await ids("?flag=repetition") == ["d-none-1"])
        #expect(try await ids("?role=moderator") == ["d-guidelines-0", "d-guidelines-1"])
        #expect(try await ids("?role=troll").count == 4)
        #expect(try await ids("?failures=1") == ["d-guidelines-1"])
        #expect(try await ids("?condition=none&replicate=0") == ["d-none-0"])
        #expect(try await ids("?status=bogus&flag=bogus").count == 4, "unknown values of closed sets are ignored")
        // Sorting: by comments descending puts the moderated, finished discussion first.
        let sorted = listedIds(try await s.get("/discussions?sort=comments&order=desc").body)
        #expect(sorted.first == "d-guidelines-0")
        #expect(sorted.last == "d-none-1")
        let byCondition = listedIds(try await s.get("/discussions").body)
        #expect(byCondition == ["d-guidelines-0", "d-guidelines-1", "d-none-0", "d-none-1"])
    }

    @Test func fullTextSearchFindsCommentsAndSeedsInASideFile() async throws {
        let s = try await Served()
        defer { s.remove() }
        func ids(_ q: String) async throws -> Set<String> { Set(listedIds(try await s.get("/discussions?q=" + q).body)) }
        #expect(try await ids("bicycle") == ["d-none-0"])
        #expect(try await ids("BICYCLE+work") == ["d-none-0"])
        #expect(try await ids("bicy*") == ["d-none-0"])
        #expect(try await ids("homework") == ["d-none-1", "d-guidelines-1"])
        #expect(try await ids("homework+bicycle").isEmpty)
        #expect(try await ids("stay+topic") == ["d-guidelines-0", "d-guidelines-1"])
        #expect(try await ids("stay+topic&condition=guidelines&replicate=1") == ["d-guidelines-1"])
        #expect(try await ids("%22OR%22+NOT").isEmpty, "operators are taken literally")
        let page = try await s.get("/discussions?q=bicycle").body
        #expect(page.contains("<mark>bicycle</mark>"))
        #expect(FileManager.default.fileExists(atPath: s.path + ".search.sqlite"))
        // The store itself has no FTS table.
        let store = try Store.openReadOnly(path: s.path)
        let tables = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") }
        #expect(!tables.contains { $0.contains("fts") })
    }

    @Test func searchFallsBackToATemporaryFolderWhenTheStoreFolderIsReadOnly() async throws {
        guard getuid() != 0 else {
            // root ignores directory permissions; check the fallback path through a folder that does not exist instead.
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("ro.sqlite").path
            try await ServeFixture.build(at: path)
            let redirected = ServedStore(name: "ro", store: try Store.openReadOnly(path: path), searchIndexPath: "/nonexistent-sdf-folder/ro.search.sqlite")
            let viewer = Viewer(stores: [redirected])
            let app = Application(router: viewer.makeRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/discussions?q=bicycle", method: .get) { r in
                    let body = String(buffer: r.body)
                    #expect(listedIds(body) == ["d-none-0"])
                    #expect(body.contains("cannot be written; the search index is in"))
                }
            }
            return
        }
        let s = try await Served()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: s.folder.path)
            s.remove()
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: s.folder.path)
        let body = try await s.get("/discussions?q=bicycle").body
        #expect(listedIds(body) == ["d-none-0"])
        #expect(body.contains("cannot be written; the search index is in"))
    }

    @Test func compareLinesUpTheSameReplicateTurnByTurn() async throws {
        let s = try await Served()
        defer { s.remove() }
        let html = try await s.get("/compare?replicate=1").body
        #expect(html.contains("cols-2"))
        // Row k holds the k-th user turn of each column: the same speaker in both.
        for (k, speaker) in ServeFixture.order[1].enumerated() {
            let cells = html.components(separatedBy: "data-row=\"\(k + 1)\"").dropFirst()
            #expect(cells.count == 2, "row \(k + 1) has \(cells.count) cells")
            for cell in cells {
                #expect(cell.hasPrefix(" data-speaker=\"\(HTMLEscape.text(speaker))\""), "row \(k + 1): \(cell.prefix(80))")
            }
        }
        // In the moderated column the moderator's turn sits in the row of the user turn it follows.
        let row1 = html.components(separatedBy: "data-row=\"1\"")[1].components(separatedBy: "data-row=\"2\"")[0]
        #expect(row1.contains("Please stay on topic (1)."))
        // The shared seed comment is shown once.
        #expect(html.components(separatedBy: "Homework should be abolished.").count == 2)
        let one = try await s.get("/compare?replicate=0&condition=none").body
        #expect(one.contains("cols-1"))
    }

    @Test func liveEndpointReturnsTurnsCommittedAfterThePageWasOpened() async throws {
        let s = try await Served(running: true)
        defer { s.remove() }
        let page = try await s.get("/discussions/d-live-0").body
        #expect(page.contains("data-live-url=\"/discussions/d-live-0/turns.json\""))
        #expect(page.contains("data-after=\"2\""))
        #expect(!page.contains("Live turn 3."))
        let writer = try Store.open(path: s.path)
        try await writer.commitTurn(
            ServeFixture.turn("d-live-0", 3, Payload.username, .user, .comment, text: "Live turn 3. " + Payload.comment),
            prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default")))
        let json = try await s.get("/discussions/d-live-0/turns.json?after=2")
        #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
        struct Live: Decodable {
            struct Turn: Decodable { var index: Int; var html: String }
            var status: String
            var turns: [Turn]
        }
        let live = try JSONDecoder().decode(Live.self, from: Data(json.body.utf8))
        #expect(live.status == "running")
        #expect(live.turns.map(\.index) == [3])
        #expect(live.turns[0].html.contains("Live turn 3."))
        #expect(!live.turns[0].html.contains("<script>"))
        #expect(!live.turns[0].html.contains("<img"))
    }

    @Test func reportIsServedWithItsOwnScriptFreePolicy() async throws {
        let s = try await Served()
        defer { s.remove() }
        let r = try await s.get("/stores/fixture/report")
        #expect(r.status == .ok)
        #expect(r.body.contains("<!DOCTYPE html>"))
        #expect(r.headers[.contentSecurityPolicy]?.contains("script-src 'none'") == true)
        #expect(try await s.get("/stores/other/report").status == .notFound)
    }

    @Test func importedLegacyDataIsBrowsable() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("legacy.sqlite").path
        let legacy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SDFStoreTests/Fixtures/legacy").path
        let store = try Store.open(path: path)
        let report = try await LegacyImporter(store: store).run(paths: [legacy])
        #expect(report.discussions > 0)
        let viewer = try Viewer(paths: [path])
        let app = Application(router: viewer.makeRouter())
        let discussions = try await store.discussions()
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("No run manifest"))
            }
            try await client.execute(uri: "/discussions", method: .get) { r in
                #expect(Set(listedIds(String(buffer: r.body))) == Set(discussions.map(\.id)))
            }
            for d in discussions {
                let turns = try await store.turns(of: d.id)
                try await client.execute(uri: "/discussions/\(d.id)", method: .get) { r in
                    #expect(r.status == .ok)
                    let body = String(buffer: r.body)
                    if let text = turns.first(where: { $0.outcome == .comment })?.text {
                        #expect(body.contains(HTMLEscape.text(text)))
                    }
                }
            }
            try await client.execute(uri: "/compare?replicate=0", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func discussionPageMatchesItsGoldenFile() async throws {
        let s = try await Served()
        defer { s.remove() }
        try Golden.check(try await s.get("/discussions/d-guidelines-0").body, named: "discussion-guidelines-0.html")
    }
}

@Suite("Viewer URL and HTML escaping")
struct EscapingTests {
    @Test func queryValuesKeepOnlyUnreservedCharacters() {
        #expect(HTMLEscape.query("a b/é&c=d~._-") == "a%20b%2F%C3%A9%26c%3Dd~._-")
        #expect(HTMLEscape.pathSegment("d-1/../x") == "d-1%2F..%2Fx")
        #expect(HTMLEscape.query("") == "")
    }

    @Test func textEscapesMarkupAndQuotes() {
        #expect(HTMLEscape.text("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
