import Foundation
import SDFCore

/// `/`: every served store with its experiment, runs, design (conditions × replicates) and status counts.
enum IndexPage {
    static func render(_ overviews: [StoreOverview], notes: [String: String]) -> String {
        let cards: Markup = overviews.map { o -> Markup in
            let storeQ = "store=" + HTMLEscape.query(o.name)
            let runs: Markup = o.runs.isEmpty
                ? "<p class=\"muted small\">No run manifest: imported data (or a store no run has written yet).</p>"
                : """
                <table class="runs"><tr><th>experiment</th><th>status</th><th>started</th><th>finished</th><th>models</th><th>SDF</th><th>host</th></tr>\(o.runs.reversed().map { r -> Markup in
                    let models = r.models.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                    return "<tr><td>\(r.experiment)</td><td><span class=\"badge status-\(r.status)\">\(r.status)</span></td><td>\(Format.date(r.startedAt))</td><td>\(Format.date(r.finishedAt))</td><td class=\"small\">\(models)</td><td>\(r.toolVersion)</td><td>\(r.host)</td></tr>"
                }.joined())</table>
                """
            let planned = o.plannedReplicates.map { "\($0) planned" } ?? "as stored"
            let conditions: Markup = o.conditions.map { c -> Markup in
                let present = c.replicates
                return """
                    <tr><td><a href="/discussions?\(storeQ)&amp;condition=\(HTMLEscape.query(c.label))">\(c.label)</a></td><td>\(c.strategy)</td><td>\(c.model)</td><td class="num">\(present)</td><td class="num">\(c.done)</td><td class="num">\(c.running)</td><td class="num">\(c.failed)</td><td class="num">\(c.pending)</td></tr>
                    """
            }.joined()
            let turns = ["comment", "abstention", "failed"].map { "\(o.turns[$0] ?? 0) \($0 == "comment" ? "comments" : $0 == "abstention" ? "abstentions" : "failed calls")" }
                .joined(separator: ", ")
            let annotations = o.annotations.isEmpty
                ? "none"
                : o.annotations.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + " by \(o.annotators) annotator(s)"
            let note: Markup = notes[o.name].map { "<div class=\"note\">\($0)</div>" } ?? Markup()
            return """
                <section class="card store" id="store-\(o.name)">
                <h2>\(o.name) <span class="muted small">\(o.experiment.map { "experiment " + $0 } ?? "")</span></h2>
                <div class="muted small">\(o.path)</div>
                \(note)
                <p><a href="/discussions?\(storeQ)">\(o.discussions) discussions</a> · <a href="/compare?\(storeQ)&amp;replicate=0">compare replicate 0</a> · <a href="/stores/\(HTMLEscape.pathSegment(o.name))/report">report</a></p>
                <dl class="meta"><dt>turns</dt><dd>\(turns)</dd><dt>annotations</dt><dd>\(annotations)</dd><dt>replicates</dt><dd>\(planned)</dd></dl>
                <h3>Design</h3>
                <table class="design"><tr><th>condition</th><th>strategy</th><th>model</th><th class="num">replicates</th><th class="num">done</th><th class="num">running</th><th class="num">failed</th><th class="num">pending</th></tr>\(conditions)</table>
                <h3>Runs</h3>
                \(runs)
                </section>
                """
        }.joined()
        let body: Markup = """
            <h1>Stores</h1>
            <p class="muted">\(overviews.count) store(s), opened read-only. Nothing on these pages can change a store.</p>
            \(cards)
            """
        return Layout.page(title: "Stores", body: body)
    }
}
