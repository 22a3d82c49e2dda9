import Foundation
import SDFCore

/// `/discussions/<id>`: one thread as a forum shows it, with personas, decisions, flags, scores and provenance.
enum DiscussionPage {
    /// The page; `liveURL` is set when the discussion is still running, so the script polls for new turns.
    static func render(_ d: DiscussionDetail, storeQuery: String, pollMilliseconds: Int) -> String {
        let view = ThreadView(detail: d)
        let rec = d.discussion
        let comments = d.turns.filter { $0.outcome == .comment }.count
        let abstentions = d.turns.filter { $0.outcome == .abstention }.count
        let failed = d.turns.filter { $0.outcome == .failed }.count
        let last = d.turns.map(\.turnIndex).max() ?? 0
        let live = rec.status == .running
        let liveAttributes: Markup = live
            ? " data-live-url=\"/discussions/\(HTMLEscape.pathSegment(rec.id))/turns.json\(storeQuery.isEmpty ? "" : "?" + storeQuery)\" data-after=\"\(last)\" data-interval=\"\(pollMilliseconds)\""
            : Markup()
        let participants: Markup = d.participants.map { p -> Markup in
            let attributes = p.persona.attributes.map { "\($0.label): \($0.value)" }.joined(separator: "; ")
            let badge: Markup = p.role == .user ? "<span class=\"badge\">user</span>" : "<span class=\"badge \(p.role.rawValue)\">\(p.role.rawValue)</span>"
            let instructions: Markup = p.instructions.isEmpty ? Markup() : "<details><summary>instructions</summary><pre>\(p.instructions)</pre></details>"
            return "<tr><td class=\"who\">\(p.username)</td><td>\(badge)</td><td class=\"small\">\(attributes.isEmpty ? "—" : attributes)\(instructions)</td></tr>"
        }.joined()
        let siblings: Markup = d.siblings.isEmpty
            ? Markup()
            : """
            <div class="small">same replicate in other conditions: \(d.siblings.map { s -> Markup in "<a href=\"/discussions/\(HTMLEscape.pathSegment(s.id))\(storeQuery.isEmpty ? "" : "?" + storeQuery)\">\(s.label)</a>" }.joined(separator: " · ")) · <a href="/compare?replicate=\(rec.replicate)\(storeQuery.isEmpty ? "" : "&" + storeQuery)">compare side by side</a></div>
            """
        let progress = d.progress
        let status: Markup = live
            ? "<p id=\"live-status\" class=\"live\">live: this discussion is still running; new turns appear as they are committed (run: \(progress.done) done, \(progress.running) running, \(progress.failed) failed of \(progress.total) discussions)</p>"
            : Markup()
        let dims: Markup = d.dimensions.isEmpty
            ? Markup()
            : "<dt>scores</dt><dd>\(d.dimensions.map { dim -> Markup in "\(dim.name) \(dim.min)–\(dim.max) (higher = \(dim.higherMeans))" }.joined(separator: "; "))</dd>"
        let body: Markup = """
            <h1>\(rec.conditionLabel) · replicate \(rec.replicate)</h1>
            <dl class="meta">
            <dt>status</dt><dd><span class="badge status-\(rec.status.rawValue)">\(rec.status.rawValue)</span> \(comments) comments, \(abstentions) abstentions, \(failed) failed calls</dd>
            <dt>strategy</dt><dd>\(rec.strategy)</dd>
            <dt>model</dt><dd>\(rec.modelName)</dd>
            <dt>turn-taking</dt><dd>\(rec.turnTaking), history \(rec.historyLength.map(String.init) ?? "all"), \(rec.userTurns) user turns planned</dd>
            <dt>seed</dt><dd>\(rec.seed.isEmpty ? "—" : rec.seed)</dd>
            <dt>time</dt><dd>\(Format.date(rec.startedAt)) → \(Format.date(rec.finishedAt))</dd>
            <dt>id</dt><dd>\(rec.id)</dd>
            \(dims)
            </dl>
            \(siblings)
            \(status)
            <h2>Participants</h2>
            <table class="participants"><tr><th>username</th><th>role</th><th>persona</th></tr>\(participants)</table>
            <h2>Thread</h2>
            <section class="thread"\(liveAttributes)>
            \(view.seed())
            \(d.turns.map(view.post).joined())
            </section>
            """
        return Layout.page(
            title: "\(rec.conditionLabel) #\(rec.replicate)",
            crumbs: [("stores", "/"), (d.store, "/discussions?store=\(HTMLEscape.query(d.store))"), ("discussion \(Format.short(rec.id))", nil)],
            body: body)
    }
}

/// The JSON a running discussion's page polls: turns after a turn index, rendered as the page renders them.
struct LiveTurns: Codable, Sendable {
    /// One new turn.
    struct Turn: Codable, Sendable {
        var index: Int
        var html: String
    }

    var status: String
    var after: Int
    var turns: [Turn]
    var progress: RunProgress

    init(detail: DiscussionDetail, after: Int) {
        let view = ThreadView(detail: detail)
        status = detail.discussion.status.rawValue
        self.after = after
        turns = detail.turns.filter { $0.turnIndex > after }.map { Turn(index: $0.turnIndex, html: view.post($0).html) }
        progress = detail.progress
    }
}
