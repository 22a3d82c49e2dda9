import Foundation
import Hummingbird
import HummingbirdTesting
import SDFCore
import SDFServe
import SDFStore
import Synchronization
import Testing

/// Commits one more turn to a store right after the first response for `path` was rendered: the page was
/// opened before the turn existed.
struct CommitAfterFirstPage<Context: RequestContext>: RouterMiddleware {
    final class Once: Sendable {
        let done = Mutex(false)
        func claim() -> Bool { done.withLock { d in defer { d = true }; return !d } }
    }

    let path: String
    let once = Once()
    let commit: @Sendable () async throws -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if request.uri.path == path, once.claim() { try await commit() }
        return response
    }
}

/// Runs the viewer over `served` on a free loopback port and gives the base URL to `body`.
func withLiveServer<T: Sendable>(
    _ viewer: Viewer, before: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil,
    _ body: @Sendable @escaping (String) async throws -> T
) async throws -> T {
    let router = Router()
    before?(router)
    viewer.addRoutes(to: router)
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await app.test(.live) { client in
        let port = try #require(client.port)
        return try await body("http://127.0.0.1:\(port)")
    }
}

@Suite("Viewer in headless Chromium", .serialized, .enabled(if: Browser.enabled, "chromium is not installed and CI is not set"))
struct BrowserTests {
    @Test func discussionPageShowsCommentsScoresAndKeepsPayloadsInert() async throws {
        let s = try await Served()
        defer { s.remove() }
        let dom = try await withLiveServer(s.viewer) { base in
            try await Browser.dom(base + "/discussions/d-none-0", virtualTimeMilliseconds: 1000)
        }
        #expect(dom.contains("I ride my bicycle to work, so I agree."))
        for k in 3...4 { #expect(dom.contains(ServeFixture.text("none", 0, k, ServeFixture.order[0][k - 1]))) }
        #expect(dom.contains("data-dimension=\"toxicity\""))
        #expect(dom.contains("data-dimension=\"argument_quality\""))
        #expect(dom.contains("<b>"), "score values are shown")
        // Payloads are text, not elements, and never ran (they would have changed the title).
        #expect(!dom.contains("pwned-script</title>") && !dom.contains("<title>pwned"))
        #expect(!dom.contains("<img"))
        #expect(!dom.contains("<svg"))
        #expect(dom.contains("&lt;img src=x onerror=\"document.title='pwned-img'\"&gt;"))
        #expect(dom.contains("&lt;img src=x onerror=\"document.title='pwned-user'\"&gt;"))
        #expect(dom.contains("&lt;svg onload=\"document.title='pwned-model'\"&gt;"))
        #expect(dom.components(separatedBy: "<script").count == 2, "only the page's own script element")
    }

    @Test func filtersAndSearchInTheBrowser() async throws {
        let s = try await Served()
        defer { s.remove() }
        let (filtered, searched) = try await withLiveServer(s.viewer) { base in
            (
                try await Browser.dom(base + "/discussions?condition=guidelines&status=failed"),
                try await Browser.dom(base + "/discussions?q=bicycle")
            )
        }
        #expect(listedIds(filtered) == ["d-guidelines-1"])
        #expect(listedIds(searched) == ["d-none-0"])
        #expect(searched.contains("<mark>bicycle</mark>"))
    }

    @Test func comparePageLinesUpTurns() async throws {
        let s = try await Served()
        defer { s.remove() }
        let dom = try await withLiveServer(s.viewer) { base in try await Browser.dom(base + "/compare?replicate=0") }
        for (k, speaker) in ServeFixture.order[0].enumerated() {
            let cells = dom.components(separatedBy: "data-row=\"\(k + 1)\"").dropFirst()
            #expect(cells.count == 2)
            for cell in cells {
                // Chromium serializes `"`, `<` and `>` inside attribute values as entities.
                let attribute = speaker == Payload.username ? "&lt;img src=x onerror=&quot;document.title='pwned-user'&quot;&gt;" : speaker
                #expect(cell.hasPrefix(" data-speaker=\"\(attribute)\""), "row \(k + 1): \(cell.prefix(100))")
            }
        }
    }

    @Test func livePageShowsATurnCommittedAfterItWasOpened() async throws {
        let s = try await Served(running: true)
        defer { s.remove() }
        let path = s.path
        let dom = try await withLiveServer(
            s.viewer,
            before: { router in
                router.add(
                    middleware: CommitAfterFirstPage(path: "/discussions/d-live-0") {
                        let writer = try Store.open(path: path)
                        try await writer.commitTurn(
                            ServeFixture.turn("d-live-0", 3, "ben", .troll, .comment, text: "Live turn 3 arrived."),
                            prompt: PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default")))
                    })
            }
        ) { base in
            try await Browser.dom(base + "/discussions/d-live-0", virtualTimeMilliseconds: 4000)
        }
        #expect(dom.contains("Live turn 1."))
        #expect(dom.contains("Live turn 3 arrived."), "the page did not pick up the turn committed after it was opened")
        #expect(dom.contains("id=\"t3\""))
        #expect(dom.contains("live: discussion running"))
    }

    @Test func screenshotsOfTheMainPages() async throws {
        let s = try await Served(running: true)
        defer { s.remove() }
        let files = try await withLiveServer(s.viewer) { base in
            [
                try await Browser.screenshot(base + "/", name: "index"),
                try await Browser.screenshot(base + "/discussions", name: "list"),
                try await Browser.screenshot(base + "/discussions?q=turn+ada", name: "search"),
                try await Browser.screenshot(base + "/discussions/d-guidelines-0", name: "discussion", height: 1800),
                try await Browser.screenshot(base + "/compare?replicate=0", name: "compare", height: 1400),
            ]
        }
        for file in files {
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            #expect(size > 10_000, "\(file) is suspiciously small (\(size) bytes)")
        }
    }
}
