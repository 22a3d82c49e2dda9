import Foundation
import SDFCore

/// Renders posts (seed comments, comments, abstentions, failed calls) with their scores, for the discussion,
/// live-update and compare pages.
struct ThreadView {
    var discussion: DiscussionRecord
    var participants: [ParticipantRecord]
    var seeds: [SeedCommentRecord]
    var annotations: [String: [AnnotationRecord]]
    var dimensions: [RubricDimension]
    /// Compact posts (compare page): no decision, raw output or per-annotator table.
    var compact = false

    init(detail: DiscussionDetail, compact: Bool = false) {
        self.discussion = detail.discussion
        self.participants = detail.participants
        self.seeds = detail.seeds
        self.annotations = detail.annotations
        self.dimensions = detail.dimensions
        self.compact = compact
    }

    var users: [ParticipantRecord] { participants.filter { $0.role != .moderator } }

    func participant(_ username: String) -> ParticipantRecord? { participants.first { $0.username == username } }

    /// The seed: one post per seed comment with its author (`OP`, or a seed thread's named non-participants).
    /// A one-comment seed by `OP` renders as it always has.
    func seed() -> Markup {
        if seeds.isEmpty || (seeds.count == 1 && seeds[0].author == "OP") {
            return """
                <article class="post op" id="t0">
                <div class="post-head"><span class="idx" id="c-\(discussion.seedCommentId)">#0</span><span class="who">OP</span><span class="badge op">seed comment</span><span class="muted small">not a participant</span></div>
                <div class="text">\(discussion.seedComment.isEmpty ? "(no seed comment)" : discussion.seedComment)</div>
                \(scores(for: discussion.seedCommentId))
                </article>
                """
        }
        return seeds.map { s -> Markup in
            """
            <article class="post op"\(s.position == 0 ? Markup(raw: " id=\"t0\"") : Markup())>
            <div class="post-head"><span class="idx" id="c-\(s.id)">#0.\(s.position + 1)</span><span class="who">\(s.author)</span><span class="badge op">seed comment \(s.position + 1) of \(seeds.count)</span><span class="muted small">not a participant</span></div>
            <div class="text">\(s.text)</div>
            \(scores(for: s.id))
            </article>
            """
        }.joined()
    }

    /// One turn as a post.
    func post(_ t: TurnRecord) -> Markup {
        let role = t.role.rawValue
        let who = speaker(t.speaker, role: t.role)
        let badge: Markup = t.role == .user ? Markup() : "<span class=\"badge \(role)\">\(role)</span>"
        let flags: Markup = t.flags.map { f -> Markup in "<span class=\"badge flag\" title=\"cleaning flag\">\(f.rawValue)</span>" }.joined()
        switch t.outcome {
        case .comment:
            return """
                <article class="post comment role-\(role)" id="t\(t.turnIndex)" data-turn="\(t.turnIndex)">
                <div class="post-head"><span class="idx" id="c-\(t.id)">#\(t.turnIndex)</span>\(who)\(badge)\(flags)\(decision(t))</div>
                <div class="text">\(t.text ?? "")</div>
                \(scores(for: t.id))
                \(provenance(t))
                </article>
                """
        case .abstention:
            return """
                <article class="post abstention role-\(role)" id="t\(t.turnIndex)" data-turn="\(t.turnIndex)">
                <div class="post-head"><span class="idx">#\(t.turnIndex)</span>\(who)\(badge)<span class="badge">abstained</span>\(decision(t))</div>
                \(provenance(t))
                </article>
                """
        case .failed:
            return """
                <article class="post failed role-\(role)" id="t\(t.turnIndex)" data-turn="\(t.turnIndex)">
                <div class="post-head"><span class="idx">#\(t.turnIndex)</span>\(who)\(badge)<span class="badge bad">call failed</span>\(decision(t))</div>
                <div class="small">after \(t.call.attempts) attempt(s): \(t.call.error?.description ?? "unknown error")</div>
                \(provenance(t))
                </article>
                """
        }
    }

    /// The speaker's name; the persona on hover (title) and on click (details).
    func speaker(_ username: String, role: Role) -> Markup {
        guard let p = participant(username) else { return "<span class=\"who\">\(username)</span>" }
        let attributes = p.persona.attributes
        if attributes.isEmpty && compact { return "<span class=\"who\">\(username)</span>" }
        let summary = attributes.map { "\($0.label): \($0.value)" }.joined(separator: "; ")
        let rows: Markup = attributes.map { a -> Markup in "<dt>\(a.label)</dt><dd>\(a.value)</dd>" }.joined()
        return """
            <details class="persona"><summary class="who" title="\(summary.isEmpty ? "no persona attributes" : summary)">\(username)</summary><dl class="meta">\(rows)<dt>role</dt><dd>\(p.role.rawValue)</dd></dl></details>
            """
    }

    /// The turn-taking decision that chose the speaker, in words.
    func decision(_ t: TurnRecord) -> Markup {
        guard !compact, let d = t.decision else { return Markup() }
        let names = users.map(\.username)
        func name(_ i: Int) -> String { i >= 0 && i < names.count ? names[i] : "user \(i)" }
        let candidates = d.candidates.map(name).joined(separator: ", ")
        let draw = d.draw.map { ", draw \(Format.two($0))" } ?? ""
        return "<span class=\"decision\" title=\"turn-taking decision\">\(d.rule) from [\(candidates)]\(draw)</span>"
    }

    /// Each dimension's mean over the annotators with a valid answer, its spread, and each annotator's answer on expand.
    func scores(for commentId: String) -> Markup {
        let list = annotations[commentId] ?? []
        guard !list.isEmpty else { return compact ? Markup() : "<div class=\"scores muted\">not annotated</div>" }
        var parts: [Markup] = []
        for d in dimensions {
            let values = list.compactMap { $0.values[d.name] }
            guard !values.isEmpty else { continue }
            let mean = Double(values.reduce(0, +)) / Double(values.count)
            let lo = values.min()!
            let hi = values.max()!
            let share = d.max > d.min ? (mean - Double(d.min)) / Double(d.max - d.min) : 0
            let step = Int((share * 10).rounded())
            let worse = d.higherMeans.lowercased().contains("toxic") || d.name.lowercased().contains("toxic")
            let spread: Markup = values.count > 1 ? "<span class=\"spread\">(\(lo)–\(hi), n=\(values.count))</span>" : "<span class=\"spread\">(n=1)</span>"
            parts.append(
                """
                <span class="score" data-dimension="\(d.name)" title="\(d.name) \(d.min)–\(d.max), higher = \(d.higherMeans)">\(d.name) <span class="bar\(worse ? Markup(raw: " worse") : Markup())"><i class="w\(step)"></i></span> <b>\(Format.one(mean))</b> \(spread)</span>
                """)
        }
        let failed = list.filter { $0.status != .ok }
        if !failed.isEmpty {
            parts.append("<span class=\"badge bad\" title=\"annotations without valid values\">\(failed.count) not parsed</span>")
        }
        guard !compact else { return "<div class=\"scores\">\(parts.joined())</div>" }
        let rows: Markup = list.map { a -> Markup in
            let values = a.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            return """
                <tr><td>\(a.annotator)</td><td>\(values.isEmpty ? "—" : values)</td><td>\(a.status == .ok ? Markup(raw: "ok") : "<span class=\"badge bad\">\(a.status.rawValue)</span>")</td><td>\(a.call.modelId ?? a.call.modelName)</td><td><pre>\(a.rawText ?? (a.reason ?? ""))</pre></td></tr>
                """
        }.joined()
        return """
            <div class="scores">\(parts.joined())</div>
            <details class="annotators"><summary>\(list.count) annotation(s)</summary><table class="annotations"><tr><th>annotator</th><th>values</th><th>parse status</th><th>model</th><th>raw answer</th></tr>\(rows)</table></details>
            """
    }

    /// The raw output, what the cleaner changed, and the call's provenance, behind a toggle.
    func provenance(_ t: TurnRecord) -> Markup {
        guard !compact else { return Markup() }
        let changes = t.cleaning.filter { $0.step != "whitespace" }
        let changeList: Markup = changes.isEmpty
            ? "<div class=\"small muted\">the cleaner changed nothing but whitespace</div>"
            : "<ul class=\"small\">\(changes.map { c -> Markup in "<li>\(c.step): removed <code>\(c.removed)</code></li>" }.joined())</ul>"
        let tokens = [t.call.promptTokens.map { "\($0) prompt" }, t.call.completionTokens.map { "\($0) completion" }, t.call.cachedTokens.map { "\($0) cached" }]
            .compactMap { $0 }.joined(separator: ", ")
        return """
            <details class="raw"><summary>raw output and provenance\(changes.isEmpty ? "" : " · \(changes.count) cleaning change(s)")</summary>
            <pre>\(t.rawText ?? "(no output)")</pre>
            \(changeList)
            <dl class="meta small"><dt>model</dt><dd>\(t.call.modelName) · <span class="model-id">\(t.call.modelId ?? "—")</span></dd><dt>endpoint</dt><dd>\(t.call.endpoint)</dd><dt>finish</dt><dd>\(t.call.finishReason ?? "—"), \(t.call.attempts) attempt(s)\(t.call.latencyMs.map { ", \(Int($0.rounded())) ms" } ?? "")</dd><dt>tokens</dt><dd>\(tokens.isEmpty ? "—" : tokens)</dd><dt>sampling</dt><dd>temperature \(t.call.sampling.temperature), max \(t.call.sampling.maxTokens), seed \(t.call.sampling.seed)</dd><dt>prompt</dt><dd>\(Format.short(t.call.promptHash)) (\(t.call.templateId))</dd><dt>comment id</dt><dd>\(t.id)</dd></dl>
            </details>
            """
    }
}
