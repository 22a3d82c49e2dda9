import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SDFCore
import SDFStore

/// The read-only web viewer over one or more stores (`sdf serve`).
///
/// Pages, each at a stable URL and readable without JavaScript:
/// - `/`: the stores, their experiments, design (conditions × replicates), runs and status counts;
/// - `/discussions`: every discussion with filters (store, condition, replicate, status, cleaning flag, role
///   present, has failures), full-text search over comments, sortable columns and pages;
/// - `/discussions/<id>`: one thread with personas, roles, turn-taking decisions, flags, abstentions, failed
///   calls, raw outputs and cleaning changes, and every comment's annotation scores; while the discussion is
///   still running the page polls `/discussions/<id>/turns.json` and shows new turns as they are committed;
/// - `/compare?replicate=R&condition=…`: the same replicate of several conditions side by side;
/// - `/stores/<name>/report`: the store's HTML report (`sdf report`), built on request.
///
/// Every text a model or an imported file wrote is HTML-escaped (see ``Markup``); every response carries a
/// strict Content-Security-Policy; there is no endpoint that writes anything, and stores are opened read-only.
public struct Viewer: Sendable {
    /// The stores served, in the order given.
    public let stores: [ServedStore]
    /// Address, port and polling interval.
    public var configuration: ViewerConfiguration
    let reports = ReportCache()

    /// Creates a viewer over already opened stores.
    public init(stores: [ServedStore], configuration: ViewerConfiguration = ViewerConfiguration()) {
        self.stores = stores
        self.configuration = configuration
    }

    /// Opens the stores at `paths` read-only and creates a viewer over them.
    ///
    /// - Throws: ``ServeError`` when a store cannot be opened.
    public init(paths: [String], configuration: ViewerConfiguration = ViewerConfiguration()) throws {
        self.init(stores: try ServedStore.open(paths: paths), configuration: configuration)
    }

    /// A router with the viewer's routes and its security middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    /// Adds the security middleware and every route to `router` (GET only).
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.add(middleware: SecurityMiddleware<Context>())
        router.get("/") { _, _ in try await self.indexPage() }
        router.get("/discussions") { request, _ in try await self.listPage(QueryParameters(query: request.uri.query)) }
        router.get("/discussions/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await self.discussionPage(id: id, QueryParameters(query: request.uri.query))
        }
        router.get("/discussions/:id/turns.json") { request, context in
            let id = try context.parameters.require("id")
            return try await self.liveTurns(id: id, QueryParameters(query: request.uri.query))
        }
        router.get("/compare") { request, _ in try await self.comparePage(QueryParameters(query: request.uri.query)) }
        router.get("/stores/:name/report") { _, context in
            let name = try context.parameters.require("name")
            guard let served = self.stores.first(where: { $0.name == name }) else {
                throw HTTPError(.notFound, message: "No store named \(name) is served.")
            }
            var response = Responses.page(try await self.reports.report(for: served))
            response.headers[.contentSecurityPolicy] = SecurityMiddleware<Context>.reportPolicy
            return response
        }
        router.get("/assets/app.css") { _, _ in Responses.body(Assets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/app.js") { _, _ in Responses.body(Assets.js, type: "text/javascript; charset=utf-8") }
    }

    /// Serves until the process receives SIGINT or SIGTERM.
    ///
    /// - Parameter onRunning: called with the bound port once the server listens.
    /// - Throws: when the address cannot be bound.
    public func run(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sdf-serve"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }

    // MARK: pages

    func scope(_ p: QueryParameters) throws -> [ServedStore] {
        guard let name = p.nonEmpty("store") else { return stores }
        guard let served = stores.first(where: { $0.name == name }) else {
            throw HTTPError(.notFound, message: "No store named \(name) is served.")
        }
        return [served]
    }

    func storeQuery(_ name: String) -> String { stores.count > 1 ? "store=" + HTMLEscape.query(name) : "" }

    func indexPage() async throws -> Response {
        var overviews: [StoreOverview] = []
        var notes: [String: String] = [:]
        for s in stores {
            overviews.append(try await s.overview())
            if let note = await s.search.note { notes[s.name] = note }
        }
        return Responses.page(IndexPage.render(overviews, notes: notes))
    }

    func listPage(_ p: QueryParameters) async throws -> Response {
        let q = ListQuery(p)
        let inScope = try scope(p)
        var notes: [String] = []
        var conditions: Set<String> = []
        var replicates: Set<Int> = []
        var total = 0
        var rows: [DiscussionRow] = []
        let offset = (q.page - 1) * ListQuery.perPage
        for s in inScope {
            let f = try await s.facets()
            conditions.formUnion(f.conditions)
            replicates.formUnion(f.replicates)
            var hits: [String: SearchHit]?
            if let text = q.search {
                do {
                    hits = try await s.search.search(text) ?? [:]
                } catch {
                    notes.append("\(s.name): \(error)")
                    hits = [:]
                }
                if let note = await s.search.note, !notes.contains(where: { $0.hasSuffix(note) }) { notes.append("\(s.name): \(note)") }
            }
            let page =
                inScope.count == 1
                ? try await s.listPage(q, limit: ListQuery.perPage, offset: offset, hits: hits)
                : try await s.listPage(q, limit: offset + ListQuery.perPage, offset: 0, hits: hits)
            total += page.total
            rows += page.rows
        }
        if inScope.count > 1 {
            rows.sort { Self.precedes($0, $1, q) }
            rows = Array(rows.dropFirst(offset).prefix(ListQuery.perPage))
        }
        let model = ListPage.Model(
            query: q, stores: stores.map(\.name), conditions: conditions.sorted(), replicates: replicates.sorted(), total: total,
            rows: rows, notes: notes)
        return Responses.page(ListPage.render(model))
    }

    /// The list's order across stores, matching the SQL order within one store (binary text comparison).
    static func precedes(_ a: DiscussionRow, _ b: DiscussionRow, _ q: ListQuery) -> Bool {
        func less(_ x: String, _ y: String) -> Bool { x.utf8.lexicographicallyPrecedes(y.utf8) }
        let ascending: Bool
        switch q.sort {
        case .condition:
            ascending = a.conditionLabel != b.conditionLabel ? less(a.conditionLabel, b.conditionLabel)
                : a.replicate != b.replicate ? a.replicate < b.replicate : less(a.id, b.id)
        case .replicate:
            ascending = a.replicate != b.replicate ? a.replicate < b.replicate
                : a.conditionLabel != b.conditionLabel ? less(a.conditionLabel, b.conditionLabel) : less(a.id, b.id)
        case .status:
            ascending = a.status != b.status ? less(a.status, b.status)
                : a.conditionLabel != b.conditionLabel ? less(a.conditionLabel, b.conditionLabel)
                : a.replicate != b.replicate ? a.replicate < b.replicate : less(a.id, b.id)
        case .started:
            ascending = a.startedAt != b.startedAt ? a.startedAt < b.startedAt : less(a.id, b.id)
        case .comments, .failed:
            let x = q.sort == .comments ? a.comments : a.failed
            let y = q.sort == .comments ? b.comments : b.failed
            ascending = x != y ? x < y
                : a.conditionLabel != b.conditionLabel ? less(a.conditionLabel, b.conditionLabel)
                : a.replicate != b.replicate ? a.replicate < b.replicate : less(a.id, b.id)
        }
        return q.descending ? !ascending && a != b : ascending
    }

    /// The store holding discussion `id` (exact id), or a redirect target for a unique id prefix.
    func locate(id: String, _ p: QueryParameters) async throws -> (ServedStore, DiscussionDetail)? {
        for s in try scope(p) {
            if let detail = try await s.detail(id: id) { return (s, detail) }
        }
        return nil
    }

    func discussionPage(id: String, _ p: QueryParameters) async throws -> Response {
        if let found = try await locate(id: id, p) {
            return Responses.page(
                DiscussionPage.render(found.1, storeQuery: storeQuery(found.0.name), pollMilliseconds: configuration.pollMilliseconds))
        }
        for s in try scope(p) {
            if let match = try await s.store.discussion(matching: id) {
                let query = storeQuery(s.name)
                var response = Response(status: .seeOther)
                response.headers[.location] = "/discussions/\(HTMLEscape.pathSegment(match.id))" + (query.isEmpty ? "" : "?" + query)
                return response
            }
        }
        throw HTTPError(.notFound, message: "No served store has a discussion \(id).")
    }

    func liveTurns(id: String, _ p: QueryParameters) async throws -> Response {
        guard let detail = try await locate(id: id, p)?.1 else {
            throw HTTPError(.notFound, message: "No served store has a discussion \(id).")
        }
        let after = p.nonEmpty("after").flatMap { Int($0) } ?? 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(LiveTurns(detail: detail, after: after)), as: UTF8.self)
        return Responses.body(json, type: "application/json; charset=utf-8")
    }

    func comparePage(_ p: QueryParameters) async throws -> Response {
        let inScope = try scope(p)
        let replicate = p.nonEmpty("replicate").flatMap { Int($0) } ?? 0
        let selected = p.all("condition")
        var columns: [(store: String, detail: DiscussionDetail)] = []
        var conditions: Set<String> = []
        var replicates: Set<Int> = []
        for s in inScope {
            let f = try await s.facets()
            conditions.formUnion(f.conditions)
            replicates.formUnion(f.replicates)
            for d in try await s.replicate(replicate, conditions: selected) {
                if let detail = try await s.detail(id: d.id) { columns.append((s.name, detail)) }
            }
        }
        let model = ComparePage.Model(
            replicate: replicate, columns: columns, conditions: conditions.sorted(),
            selected: selected.isEmpty ? conditions.sorted() : selected, replicates: replicates.sorted(),
            storeFilter: p.nonEmpty("store"), manyStores: stores.count > 1)
        return Responses.page(ComparePage.render(model))
    }
}
