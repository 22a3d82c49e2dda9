import Foundation
import SDFCore

/// The report's sections on roles and models, interventions per discussion, participation per persona, and
/// power (issue 13).
extension ReportBuilder {
    /// "Roles and models": each dimension's scores by role within each condition, by generator model and by
    /// design-factor level; a sentence instead of a table when a role or model split has one level only.
    static func rolesAndModels(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"roles\">")
        h.raw("<h2>Roles and models</h2>")
        let level = SVG.num(a.options.level * 100, decimals: 0)
        let ciHeader = "\(level)% CI (\(a.options.bootstrapUnit == .discussion ? "discussions" : "comments") resampled)"
        let scored = a.dimensions.contains { !$0.byRole.isEmpty || !$0.byModel.isEmpty || !$0.byFactorLevel.isEmpty }
        if a.roles.count <= 1 {
            let only = a.roles.first ?? "none"
            h.raw("<p class=\"empty\">One role only (\(esc(only))): \(only == "user" ? "no trolls in this design, so " : "")no split by role.</p>")
        }
        if a.models.count <= 1 {
            h.raw("<p class=\"empty\">One generator model only (\(esc(a.models.first ?? "none"))): no split by model.</p>")
        }
        if a.roles.count > 1 || a.models.count > 1 {
            h.raw("<p>Unit: one comment, scored as the mean of its annotators' <code>ok</code> ratings, as in the scores table; intervals: \(level)% percentile bootstrap of the mean, \(bootstrapUnitText(a.options.bootstrapUnit)). Each condition has one generator model, so the split by model pools each model's conditions (strategies).</p>")
            if !scored { h.raw("<p class=\"empty\">No scores: the store has no usable annotations.</p>") }
        }
        let factorSplit = a.dimensions.contains { !$0.byFactorLevel.isEmpty }
        if factorSplit {
            h.raw("<p>By factor level: each level of a design factor pooled over every condition at that level (strategies, models and the other factors' levels), the factor's marginal means; the difference is to the factor's first level in design order. With an unbalanced design (explicit <code>conditions:</code>) the levels pool different conditions, so read these differences with the condition table.</p>")
        }
        for d in a.dimensions where !d.byRole.isEmpty || !d.byModel.isEmpty || !d.byFactorLevel.isEmpty {
            let name = ReportFormat.dimensionName(d.dimension.name)
            h.raw("<h3>\(esc(ReportFormat.capitalised(name)))</h3>")
            func cells(_ s: SubgroupScores) -> [HTML.Cell] {
                [
                    .number(s.comments), .number(s.ratings), .number(s.discussions), .text(ReportFormat.number(s.mean)),
                    .text(s.ci.map { "[\(ReportFormat.number($0.lower)), \(ReportFormat.number($0.upper))]" } ?? "—"),
                ]
            }
            if !d.byRole.isEmpty {
                h.table(
                    ["condition", "role", "n comments", "n ratings", "discussions", "mean", ciHeader],
                    rows: d.byRole.map { s in
                        let condition = s.condition ?? ""
                        return [.swatch(condition, a.conditionLabels.firstIndex(of: condition) ?? 0), .text(s.level)] + cells(s)
                    }, numericColumns: Set(2...6))
            }
            if !d.byModel.isEmpty {
                h.table(
                    ["model", "conditions pooled", "n comments", "n ratings", "discussions", "mean", ciHeader],
                    rows: d.byModel.map { s in
                        [.text(s.level), .text(a.conditions.filter { $0.model == s.level }.map(\.label).joined(separator: ", "))] + cells(s)
                    }, numericColumns: Set(2...6))
            }
            if !d.byFactorLevel.isEmpty {
                let first = Dictionary(d.byFactorLevel.map { ($0.factor ?? "", $0.mean) }, uniquingKeysWith: { a, _ in a })
                h.table(
                    ["factor", "level", "n comments", "n ratings", "discussions", "mean", ciHeader, "difference to first level"],
                    rows: d.byFactorLevel.map { s in
                        let difference = s.mean.flatMap { m in first[s.factor ?? ""].flatMap { $0 }.map { m - $0 } }
                        let isFirst = d.byFactorLevel.first { $0.factor == s.factor }?.level == s.level
                        return [.text(s.factor ?? ""), .text(s.level)] + cells(s) + [.text(isFirst ? "—" : ReportFormat.signed(difference))]
                    }, numericColumns: Set(2...7))
            }
        }
        h.raw("</section>")
    }

    /// Moderator comments per discussion: a table per moderated condition and the strip chart.
    static func interventionsPerDiscussion(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<h3 id=\"interventions\">Interventions per discussion</h3>")
        guard !a.interventionsPerDiscussion.isEmpty else {
            h.raw("<p class=\"empty\">No condition has a moderator: no interventions to count.</p>")
            return
        }
        h.raw("<p>Moderator comments in each discussion of a moderated condition (every stored discussion; abstentions and failed calls are not comments).</p>")
        h.table(
            ["condition", "discussions", "mean", "median", "min", "max"],
            rows: a.interventionsPerDiscussion.map { c in
                [
                    .swatch(c.condition, a.conditionLabels.firstIndex(of: c.condition) ?? 0), .number(c.counts.count),
                    .text(ReportFormat.number(c.mean)), .text(ReportFormat.number(c.median)), .number(c.min), .number(c.max),
                ]
            }, numericColumns: Set(1...5))
        h.figure(a.interventionCountChart().svg(), caption: "Moderator comments per discussion: one dot per discussion, equal counts stacked; the vertical line is the condition's mean.")
    }

    /// How conditional moderator schedules decided, per condition; nothing at all when every schedule was fixed.
    static func moderatorDecisions(_ h: inout HTML, _ a: ExperimentAnalysis) {
        guard let rows = a.moderatorDecisions, !rows.isEmpty else { return }
        h.raw("<h3 id=\"moderator-decisions\">When the moderator spoke</h3>")
        h.raw("<p>Conditional schedules decide before each moderator turn: under <code>decideFirst</code> the moderator is asked whether to intervene (a decision call), under <code>onTrigger</code> a named annotator scores the last user comment and the moderator speaks when the score reaches the threshold (a trigger check). Asked: decisions made (failed calls not counted). Stayed silent: asked − spoke. An answer or score that could not be read counts as no intervention (unparseable).</p>")
        h.table(
            ["condition", "schedule", "asked", "decided to speak", "spoke", "stayed silent", "unparseable", "failed", "spoke / asked"],
            rows: rows.map { c in
                [
                    .swatch(c.condition, a.conditionLabels.firstIndex(of: c.condition) ?? 0),
                    .text(c.kinds.map { $0 == "decision" ? "decideFirst" : "onTrigger" }.joined(separator: ", ")), .number(c.asked),
                    .number(c.decidedToSpeak), .number(c.spoke), .number(c.stayedSilent), .number(c.unparseable), .number(c.failed),
                    .text(ReportFormat.percent(c.speakRate)),
                ]
            }, numericColumns: Set(2...8))
    }

    /// The paired analysis of a branched design; nothing at all without branched discussions.
    static func paired(_ h: inout HTML, _ a: ExperimentAnalysis) {
        guard let rows = a.paired, !rows.isEmpty else { return }
        h.raw("<h3 id=\"paired\">Branched discussions: paired comparison after the branch point</h3>")
        h.raw("<p>Each branched discussion starts from an exact copy of its trunk's first <i>K</i> user turns and continues under its own condition, so replicate <i>r</i> of the branch and of the trunk differ only after the branch point. Per replicate: the mean score of the comments after the branch point (each comment: the mean over its annotators) in the branch and in the trunk; d = branch − trunk. Paired t-test (Student 1908) and Wilcoxon signed-rank test (Wilcoxon 1945; zeros dropped; exact null distribution for n ≤ 50 without ties or zeros, the exhaustive permutation test for n ≤ 13 with them, else the normal approximation), as <code>scipy.stats.ttest_rel</code> and <code>scipy.stats.wilcoxon</code>. Variance removed by pairing: 1 − s²<sub>d</sub>/(s²<sub>branch</sub> + s²<sub>trunk</sub>), since Var(ā − b̄) = (σ²<sub>a</sub> + σ²<sub>b</sub> − 2σ<sub>ab</sub>)/n for pairs and (σ²<sub>a</sub> + σ²<sub>b</sub>)/n without.</p>")
        h.table(
            ["branch", "trunk", "K", "dimension", "pairs", "mean d", "95 % CI", "paired t p", "Wilcoxon p", "r", "variance removed"],
            rows: rows.map { r in
                let c = r.comparison
                let ci = c.flatMap { c in c.ciLow.flatMap { lo in c.ciHigh.map { hi in "\(ReportFormat.signed(lo)) to \(ReportFormat.signed(hi))" } } } ?? "–"
                return [
                    .swatch(r.branched, a.conditionLabels.firstIndex(of: r.branched) ?? 0), .text(r.trunk), .number(r.branchTurn),
                    .text(ReportFormat.dimensionName(r.dimension)), .number(c?.n ?? 0), .text(ReportFormat.signed(c?.meanDifference)),
                    .text(ci), .text(c?.tP.map(ReportFormat.p) ?? "–"), .text(c?.wilcoxon.map { ReportFormat.p($0.p) + " (\($0.method.rawValue))" } ?? "–"),
                    .text(ReportFormat.number(c?.correlation)), .text(ReportFormat.percent(c?.varianceRemoved)),
                ]
            }, numericColumns: Set([2, 4, 5, 9, 10]))
    }

    /// Comments and abstentions per persona, with the Gini coefficient and the top speaker's share.
    static func participation(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<h3 id=\"participation\">Participation per persona</h3>")
        guard a.participation.contains(where: { !$0.personas.isEmpty }) else {
            h.raw("<p class=\"empty\">No user or troll turns stored.</p>")
            return
        }
        h.raw("<p>Inequality of participation within a discussion: the Gini coefficient of comments per participant (Gini 1912; 0 = everyone wrote as much, (n − 1)/n = one participant wrote everything; silent participants count with 0) and the top speaker's share of the discussion's comments, each averaged over the condition's discussions with at least one comment.</p>")
        h.table(
            ["condition", "personas", "discussions with comments", "mean Gini", "mean top-speaker share"],
            rows: a.participation.map { c in
                [
                    .swatch(c.condition, a.conditionLabels.firstIndex(of: c.condition) ?? 0), .number(c.personas.count), .number(c.discussions),
                    .text(ReportFormat.number(c.meanGini, decimals: 3)), .text(ReportFormat.percent(c.meanTopShare)),
                ]
            }, numericColumns: Set(1...4))
        h.table(
            ["condition", "persona", "role", "discussions", "turns", "comments", "abstentions", "share of comments"],
            rows: a.participation.flatMap { c in
                c.personas.map { p in
                    [
                        .swatch(c.condition, a.conditionLabels.firstIndex(of: c.condition) ?? 0), .text(p.persona), .text(p.role), .number(p.discussions),
                        .number(p.turns), .number(p.comments), .number(p.abstentions), .text(ReportFormat.percent(p.share)),
                    ]
                }
            }, numericColumns: Set(3...7))
    }

    /// "Power": ICC, design effect and the discussions per condition needed for each pair.
    static func power(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"power\">")
        h.raw("<h2>Power</h2>")
        guard let p = a.power else {
            h.raw("<p class=\"empty\">Not computable: a power analysis needs scored comments in at least two conditions.</p>")
            h.raw("</section>")
            return
        }
        h.raw("<p>This store as a pilot: how many discussions per condition a two-sided two-sample t-test at α = \(ReportFormat.noLeadingZero(SVG.num(p.alpha, decimals: 2))) needs to detect each pair's observed standardized difference (Cohen's d = |difference| ÷ pooled SD of comment scores) with power \(SVG.num(p.power * 100, decimals: 0))%. Comments of one discussion are correlated, so n comments count as n ÷ DE independent ones, with the design effect DE = 1 + (m − 1)·ICC (Kish 1965), m the scored comments per discussion and the ICC from the \(esc(p.iccMethod)). Pilot power: the same test's power with the pilot's own comments ÷ DE. Use <code>sdf power</code> to plan for another effect size; small pilots give noisy ICCs and effects.</p>")
        for d in p.dimensions {
            h.raw("<h3>\(esc(ReportFormat.capitalised(ReportFormat.dimensionName(d.dimension))))</h3>")
            h.raw("<p class=\"muted\">ICC = \(ReportFormat.number(d.icc, decimals: 3)), m = \(ReportFormat.number(d.commentsPerDiscussion)) comments per discussion, DE = \(ReportFormat.number(d.designEffect, decimals: 3)) (\(d.comments) comments in \(d.discussions) discussions).</p>")
            h.table(
                ["pair (a − b)", "difference", "d", "comments needed per condition", "discussions needed per condition", "pilot power"],
                rows: d.pairs.map { pair in
                    [
                        .text("\(pair.a) − \(pair.b)"), .text(ReportFormat.number(pair.difference)), .text(ReportFormat.number(pair.effect, decimals: 3)),
                        .text(pair.commentsNeeded.map { String(Int($0.rounded(.up))) } ?? "—"),
                        .text(pair.discussionsNeeded.map(String.init) ?? "—"), .text(ReportFormat.percent(pair.pilotPower)),
                    ]
                }, numericColumns: Set(1...5))
        }
        h.raw("</section>")
    }
}

extension ExperimentAnalysis {
    /// Chart (f): moderator comments per discussion, one row per moderated condition.
    public func interventionCountChart() -> CountStripChart {
        CountStripChart(
            title: "Moderator comments per discussion", xTitle: "moderator comments per discussion", unitLabel: "one discussion",
            rows: interventionsPerDiscussion.map { CountStripChart.Row(label: $0.condition, counts: $0.counts) },
            colorIndex: interventionsPerDiscussion.map { c in conditionLabels.firstIndex(of: c.condition) ?? 0 })
    }
}
