import Foundation
import SDFCore

/// `/discussions`: filters, full-text search, sortable columns and pages over every served store.
enum ListPage {
    struct Model {
        var query: ListQuery
        var stores: [String]
        var conditions: [String]
        var replicates: [Int]
        var total: Int
        var rows: [DiscussionRow]
        var notes: [String]
    }

    static func render(_ m: Model) -> String {
        let q = m.query
        func option(_ value: String, _ label: String, selected: Bool) -> Markup {
            "<option value=\"\(value)\"\(selected ? Markup(raw: " selected") : Markup())>\(label)</option>"
        }
        func select(_ name: String, _ label: String, _ options: [(String, String)], _ current: String?) -> Markup {
            let all = [option("", "any", selected: current == nil)] + options.map { option($0.0, $0.1, selected: current == $0.0) }
            return "<label>\(label)<select name=\"\(name)\">\(all.joined())</select></label>"
        }
        let storeSelect: Markup = m.stores.count > 1 ? select("store", "store", m.stores.map { ($0, $0) }, q.store) : Markup()
        let form: Markup = """
            <form class="filters" method="get" action="/discussions">
            <label>search comments<input type="search" name="q" value="\(q.search ?? "")" placeholder="words in any comment"></label>
            \(storeSelect)
            \(select("condition", "condition", m.conditions.map { ($0, $0) }, q.condition))
            \(select("replicate", "replicate", m.replicates.map { (String($0), String($0)) }, q.replicate.map(String.init)))
            \(select("status", "status", ["done", "running", "failed"].map { ($0, $0) }, q.status))
            \(select("flag", "flag", CommentFlag.allCases.map { ($0.rawValue, $0.rawValue) }, q.flag))
            \(select("role", "role present", ["troll", "moderator", "user"].map { ($0, $0) }, q.role))
            <label class="check"><input type="checkbox" name="failures" value="1"\(q.failures ? Markup(raw: " checked") : Markup())> has failures</label>
            <label>sort<select name="sort">\(ListQuery.Sort.allCases.map { option($0.rawValue, $0.rawValue, selected: q.sort == $0) }.joined())</select></label>
            <label>order<select name="order">\(option("asc", "ascending", selected: !q.descending))\(option("desc", "descending", selected: q.descending))</select></label>
            <button type="submit">Apply</button>
            \(q.isFiltered ? Markup(raw: "<a href=\"/discussions\">clear</a>") : Markup())
            </form>
            """
        func header(_ label: String, _ sort: ListQuery.Sort?, numeric: Bool = false) -> Markup {
            let cls: Markup = numeric ? " class=\"num\"" : Markup()
            guard let sort else { return "<th\(cls)>\(label)</th>" }
            var next = q
            next.sort = sort
            next.descending = q.sort == sort ? !q.descending : (sort == .comments || sort == .failed)
            next.page = 1
            let arrow = q.sort == sort ? (q.descending ? " ↓" : " ↑") : ""
            return "<th\(cls)><a href=\"\(next.url)\">\(label)\(arrow)</a></th>"
        }
        let many = m.stores.count > 1
        let head: Markup =
            "<tr>\(many ? header("store", nil) : Markup())\(header("discussion", nil))\(header("condition", .condition))\(header("replicate", .replicate, numeric: true))\(header("status", .status))\(header("comments", .comments, numeric: true))\(header("abstentions", nil, numeric: true))\(header("failed", .failed, numeric: true))\(header("flagged", nil, numeric: true))\(header("mod. comments", nil, numeric: true))\(header("annotations", nil, numeric: true))\(header("started", .started))</tr>"
        let rows: Markup = m.rows.map { r -> Markup in
            let link = "/discussions/\(HTMLEscape.pathSegment(r.id))" + (many ? "?store=\(HTMLEscape.query(r.store))" : "")
            let snippet: Markup = r.hit.map { hit -> Markup in
                let text = HTMLEscape.text(hit.snippet).replacingOccurrences(of: "\u{E000}", with: "<mark>")
                    .replacingOccurrences(of: "\u{E001}", with: "</mark>")
                let anchor = link + "#c-" + hit.commentId
                return "<tr class=\"hit\"><td colspan=\"\(many ? 12 : 11)\"><div class=\"snippet\"><a href=\"\(anchor)\">\(Markup(raw: text))</a>\(hit.matches > 1 ? " (+\(hit.matches - 1) more matching comments)" : "")</div></td></tr>"
            } ?? Markup()
            let failedAnnotations: Markup = r.failedAnnotations > 0 ? " <span class=\"badge bad\">\(r.failedAnnotations) failed</span>" : Markup()
            return """
                <tr data-id="\(r.id)" class="discussion\(r.hit == nil ? Markup() : Markup(raw: " has-hit"))">\(many ? "<td>\(r.store)</td>" as Markup : Markup())<td><a class="id" href="\(link)" title="\(r.id)">\(Format.short(r.id))</a></td><td>\(r.conditionLabel)</td><td class="num">\(r.replicate)</td><td><span class="badge status-\(r.status)">\(r.status)</span></td><td class="num">\(r.comments)</td><td class="num">\(r.abstentions)</td><td class="num">\(r.failed)</td><td class="num">\(r.flagged)</td><td class="num">\(r.moderatorComments)</td><td class="num">\(r.annotations)\(failedAnnotations)</td><td class="small nowrap">\(Format.date(r.startedAt))</td></tr>\(snippet)
                """
        }.joined()
        let pages = max(1, (m.total + ListQuery.perPage - 1) / ListQuery.perPage)
        var prev = q
        prev.page = q.page - 1
        var next = q
        next.page = q.page + 1
        let pager: Markup = """
            <div class="pager">\(q.page > 1 ? "<a href=\"\(prev.url)\" rel=\"prev\">← previous</a>" as Markup : Markup())<span>page \(q.page) of \(pages) · \(m.total) discussion(s)</span>\(q.page < pages ? "<a href=\"\(next.url)\" rel=\"next\">next →</a>" as Markup : Markup())</div>
            """
        let notes: Markup = m.notes.map { n -> Markup in "<div class=\"note\">\(n)</div>" }.joined()
        let body: Markup = """
            <h1>Discussions</h1>
            \(form)
            \(notes)
            \(pager)
            <table class="discussions">\(head)\(rows.html.isEmpty ? "<tr><td colspan=\"12\" class=\"empty\">no discussion matches</td></tr>" as Markup : rows)</table>
            \(pager)
            """
        return Layout.page(title: "Discussions", crumbs: [("stores", "/"), ("discussions", nil)], body: body)
    }
}
