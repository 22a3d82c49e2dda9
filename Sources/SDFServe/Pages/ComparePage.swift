import Foundation
import SDFCore

/// `/compare`: the same replicate of several conditions side by side, lined up turn by turn.
///
/// Replicate *r* of every condition shares its users, seed comment and user turn order, so row *k* holds the
/// *k*-th user turn of every column; a moderator's turns follow the user turn they answer, in the same row.
/// Each post still shows its own turn index.
enum ComparePage {
    /// At most this many columns are shown.
    static let maxColumns = 12

    struct Model {
        var replicate: Int
        var columns: [(store: String, detail: DiscussionDetail)]
        var conditions: [String]
        var selected: [String]
        var replicates: [Int]
        var storeFilter: String?
        var manyStores: Bool
    }

    /// Groups turns into rows: row *k* is the *k*-th user turn plus the moderator turns after it (row 0: turns
    /// before the first user turn).
    static func rows(_ turns: [TurnRecord]) -> [Int: [TurnRecord]] {
        var result: [Int: [TurnRecord]] = [:]
        var k = 0
        for t in turns.sorted(by: { $0.turnIndex < $1.turnIndex }) {
            if t.role != .moderator { k += 1 }
            result[k, default: []].append(t)
        }
        return result
    }

    static func render(_ m: Model) -> String {
        let columns = Array(m.columns.prefix(maxColumns))
        let storeParam: Markup = m.storeFilter.map { "<input type=\"hidden\" name=\"store\" value=\"\($0)\">" } ?? Markup()
        let replicateOptions: Markup = m.replicates.map { r -> Markup in
            "<option value=\"\(r)\"\(r == m.replicate ? Markup(raw: " selected") : Markup())>\(r)</option>"
        }.joined()
        let conditionBoxes: Markup = m.conditions.map { c -> Markup in
            "<label class=\"check\"><input type=\"checkbox\" name=\"condition\" value=\"\(c)\"\(m.selected.contains(c) ? Markup(raw: " checked") : Markup())> \(c)</label>"
        }.joined()
        let form: Markup = """
            <form class="filters" method="get" action="/compare">\(storeParam)
            <label>replicate<select name="replicate">\(replicateOptions)</select></label>
            \(conditionBoxes)
            <button type="submit">Compare</button>
            </form>
            """
        guard !columns.isEmpty else {
            let body: Markup = "<h1>Compare · replicate \(m.replicate)</h1>\(form)<p class=\"empty\">No discussion of replicate \(m.replicate) in the chosen conditions.</p>"
            return Layout.page(title: "Compare", crumbs: [("stores", "/"), ("compare", nil)], wide: true, body: body)
        }
        let views = columns.map { ThreadView(detail: $0.detail, compact: true) }
        let grouped = columns.map { rows($0.detail.turns) }
        let lastRow = grouped.flatMap(\.keys).max() ?? 0
        var cells: [Markup] = ["<div></div>"]
        for (i, c) in columns.enumerated() {
            let d = c.detail.discussion
            let link = "/discussions/\(HTMLEscape.pathSegment(d.id))" + (m.manyStores ? "?store=\(HTMLEscape.query(c.store))" : "")
            let comments = c.detail.turns.filter { $0.outcome == .comment }.count
            cells.append(
                """
                <div class="colhead" data-column="\(i)"><a href="\(link)">\(d.conditionLabel)</a> <span class="badge status-\(d.status.rawValue)">\(d.status.rawValue)</span><div class="small muted">\(m.manyStores ? c.store + " · " : "")\(d.modelName) · \(comments) comments</div></div>
                """)
        }
        let seeds = Set(columns.map(\.detail.discussion.seedComment))
        cells.append("<div class=\"rowlabel\">seed</div>")
        if seeds.count == 1 {
            cells.append("<div class=\"seed\">\(views[0].seed())</div>")
        } else {
            for v in views { cells.append("<div class=\"cell\">\(v.seed())</div>") }
        }
        for k in 0...lastRow {
            if k == 0 && grouped.allSatisfy({ $0[0] == nil }) { continue }
            cells.append("<div class=\"rowlabel\">\(k == 0 ? "before" : "turn \(k)")</div>")
            for (i, g) in grouped.enumerated() {
                let posts = g[k] ?? []
                cells.append(
                    posts.isEmpty
                        ? "<div class=\"cell\" data-row=\"\(k)\"><div class=\"empty\">no turn</div></div>"
                        : "<div class=\"cell\" data-row=\"\(k)\" data-speaker=\"\(posts[0].speaker)\">\(posts.map(views[i].post).joined())</div>")
            }
        }
        let note: Markup = m.columns.count > maxColumns
            ? "<div class=\"note\">\(m.columns.count) discussions match; the first \(maxColumns) are shown. Pick conditions above.</div>"
            : Markup()
        let body: Markup = """
            <h1>Compare · replicate \(m.replicate)</h1>
            <p class="muted small">Row <i>k</i> is the <i>k</i>-th user turn of each discussion (same user, same seed, same turn order across conditions); moderator turns follow the user turn they answer. Each post keeps its own turn number.</p>
            \(form)
            \(note)
            <div class="compare cols-\(columns.count)">\(cells.joined())</div>
            """
        return Layout.page(title: "Compare replicate \(m.replicate)", crumbs: [("stores", "/"), ("compare", nil)], wide: true, body: body)
    }
}
