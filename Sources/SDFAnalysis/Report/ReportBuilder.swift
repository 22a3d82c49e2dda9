import Foundation
import SDFCore
import SDFStore

/// Builds the self-contained HTML report of a store (`sdf report`): one file with inline CSS and inline SVG
/// charts, no scripts, no external fonts, no network references.
///
/// Sections: summary (plain language), design, run manifest, data quality, scores per dimension (table,
/// tests, charts), annotator agreement and polarisation, behaviour (intervention, participation, lexical
/// diversity), the turn-taking check, fidelity to a human corpus (only with one, ``ExperimentAnalysis/fidelity``),
/// and methods. The output is a pure function of the store's content and
/// the options: it contains no generation time, so the same store gives the same bytes. The document is
/// also well-formed XML (XHTML syntax), which the tests check.
public enum ReportBuilder {
    /// The report of `store` as HTML text.
    ///
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func html(store: Store, options: AnalysisOptions = AnalysisOptions()) async throws -> String {
        html(try await ExperimentAnalysis.build(store: store, options: options))
    }

    /// Writes the report of `store` to `path` (atomically, creating the folder), and returns `path`.
    ///
    /// - Parameters:
    ///   - jsonPath: also write the ``ReportJSON`` document of the same analysis there.
    ///   - progress: passed to ``ExperimentAnalysis/build(store:options:progress:)``.
    ///   - human: also compare the store with this human corpus (the fidelity section, ``FidelityComparison``).
    /// - Throws: ``StoreError`` when the store cannot be read or a file cannot be written.
    @discardableResult
    public static func write(
        store: Store, to path: String, options: AnalysisOptions = AnalysisOptions(), jsonPath: String? = nil,
        progress: WorkProgressHandler? = nil, human: HumanCorpus? = nil
    ) async throws -> String {
        let analysis = try await Self.analysis(store: store, options: options, human: human, progress: progress)
        let text = html(analysis)
        if let jsonPath { try ReportJSON.write(analysis, to: jsonPath) }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot write \(path): \(error.localizedDescription)")
        }
        try StoreError.write(Data(text.utf8), to: path)
        return path
    }

    /// Writes the report of `store` as `directory/report.html`, after claiming the folder for this store
    /// (``ExportFolder``): the report of another store there is never replaced silently.
    ///
    /// - Parameters:
    ///   - force: replace another store's report (or an unmarked `report.html`) anyway.
    ///   - jsonPath: also write the ``ReportJSON`` document of the same analysis there (after the claim).
    ///   - progress: passed to ``ExperimentAnalysis/build(store:options:progress:)``.
    ///   - human: also compare the store with this human corpus (the fidelity section, ``FidelityComparison``).
    /// - Returns: the path written.
    /// - Throws: ``StoreError`` when the folder holds another store's export or report (nothing written), the
    ///   store cannot be read, or a file cannot be written.
    @discardableResult
    public static func write(
        store: Store, intoFolder directory: String, options: AnalysisOptions = AnalysisOptions(), force: Bool = false,
        jsonPath: String? = nil, progress: WorkProgressHandler? = nil, human: HumanCorpus? = nil
    ) async throws -> String {
        let analysis = try await Self.analysis(store: store, options: options, human: human, progress: progress)
        let text = html(analysis)
        try await ExportFolder.claim(directory, for: store, files: ["report.html"], force: force)
        if let jsonPath { try ReportJSON.write(analysis, to: jsonPath) }
        let path = defaultPath(storePath: store.path, outDirectory: directory)
        try StoreError.write(Data(text.utf8), to: path)
        return path
    }

    /// The analysis of `store`, with its ``ExperimentAnalysis/fidelity`` comparison when `human` is given.
    static func analysis(
        store: Store, options: AnalysisOptions, human: HumanCorpus?, progress: WorkProgressHandler? = nil
    ) async throws -> ExperimentAnalysis {
        var analysis = try await ExperimentAnalysis.build(store: store, options: options, progress: progress)
        if let human { analysis.fidelity = try await FidelityComparison.build(store: store, human: human) }
        return analysis
    }

    /// Where `sdf report` writes: `DIR/report.html` with `--out DIR`, otherwise `<store stem>-report.html`
    /// beside the store.
    public static func defaultPath(storePath: String, outDirectory: String? = nil) -> String {
        if let outDirectory { return URL(fileURLWithPath: outDirectory).appendingPathComponent("report.html").path }
        let url = URL(fileURLWithPath: storePath)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + "-report.html").path
    }

    // MARK: HTML

    /// The report of an analysis as HTML text (UTF-8, ending in a newline).
    public static func html(_ a: ExperimentAnalysis) -> String {
        var h = HTML()
        h.raw("<!DOCTYPE html>")
        h.raw("<html lang=\"en\">")
        h.raw("<head>")
        h.raw("<meta charset=\"utf-8\"/>")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        h.raw("<title>\(esc("SDF report: " + a.title))</title>")
        h.raw("<style>\n\(css)</style>")
        h.raw("</head>")
        h.raw("<body>")
        h.raw("<main>")
        h.raw("<header>")
        h.raw("<h1>\(esc(a.title))</h1>")
        let store = URL(fileURLWithPath: a.storePath).lastPathComponent
        let version = a.runs.last?.toolVersion ?? SDFVersion.current
        h.raw("<p class=\"lead\">SDF report of the store <code>\(esc(store))</code> · SDF \(esc(version)) · \(a.conditions.count) condition\(a.conditions.count == 1 ? "" : "s"), \(a.quality.discussions) discussion\(a.quality.discussions == 1 ? "" : "s")</p>")
        h.raw("<nav><a href=\"#summary\">Summary</a> <a href=\"#design\">Design</a> <a href=\"#runs\">Runs</a> <a href=\"#quality\">Data quality</a> <a href=\"#scores\">Scores</a> <a href=\"#agreement\">Agreement</a> <a href=\"#roles\">Roles and models</a> <a href=\"#behaviour\">Behaviour</a> <a href=\"#turn-taking\">Turn-taking</a> <a href=\"#power\">Power</a>" + (a.fidelity == nil ? "" : " <a href=\"#fidelity\">Fidelity</a>") + " <a href=\"#methods\">Methods</a></nav>")
        h.raw("</header>")

        // Summary.
        h.raw("<section id=\"summary\">")
        h.raw("<h2>Summary</h2>")
        h.raw("<ul class=\"summary\">")
        for sentence in a.summarySentences() { h.raw("<li>\(esc(sentence))</li>") }
        h.raw("</ul>")
        h.raw("</section>")

        design(&h, a)
        runs(&h, a)
        quality(&h, a)
        scores(&h, a)
        agreement(&h, a)
        rolesAndModels(&h, a)
        behaviour(&h, a)
        turnTaking(&h, a)
        power(&h, a)
        if let fidelity = a.fidelity { Self.fidelity(&h, fidelity) }
        methods(&h, a)

        h.raw("</main>")
        h.raw("</body>")
        h.raw("</html>")
        return h.text
    }

    static func design(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"design\">")
        h.raw("<h2>Design</h2>")
        guard !a.conditions.isEmpty else {
            h.raw("<p class=\"empty\">No discussions stored.</p>")
            h.raw("</section>")
            return
        }
        let replicates = Set(a.conditions.map(\.replicates))
        h.raw(
            "<p>\(a.conditions.count) condition\(a.conditions.count == 1 ? "" : "s") (strategy × model) × \(replicates.count == 1 ? "\(replicates.first!)" : "varying") replicate\(replicates == [1] ? "" : "s") = \(a.quality.discussions) discussions stored; \(a.quality.done) done, \(a.quality.failed) failed, \(a.quality.running) unfinished.</p>"
        )
        // The strategy and model columns only when the label does not already spell them (`strategy` or
        // `strategy/model`), so a design of long names keeps its table narrow.
        let spelled = a.conditions.allSatisfy { $0.label == $0.strategy || $0.label == "\($0.strategy)/\($0.model)" }
        let parts = spelled ? [] : ["strategy", "model"]
        h.table(
            ["condition"] + parts + ["replicates", "discussions", "done", "failed", "unfinished", "user turns", "turn-taking"],
            rows: a.conditions.enumerated().map { i, c in
                [.swatch(c.label, i)] + (spelled ? [] : [.text(c.strategy), .text(c.model)]) + [
                    .number(c.replicates), .number(c.discussions),
                    .number(c.done), .number(c.failed), .number(c.running), .text(c.userTurns.map(String.init).joined(separator: ", ")),
                    .text(c.turnTaking.joined(separator: ", ")),
                ]
            })
        h.raw("</section>")
    }

    static func runs(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"runs\">")
        h.raw("<h2>Run manifest</h2>")
        guard !a.runs.isEmpty else {
            h.raw("<p class=\"empty\">No run manifest in this store.</p>")
            h.raw("</section>")
            return
        }
        h.table(
            ["run", "experiment", "SDF version", "started (UTC)", "finished (UTC)", "duration", "status", "host"],
            rows: a.runs.map { r in
                [
                    .code(String(r.id.prefix(8))), .text(r.experiment), .text(r.toolVersion), .text(ReportFormat.date(r.startedAt)),
                    .text(ReportFormat.date(r.finishedAt)),
                    .text(r.finishedAt.map { ReportFormat.duration($0.timeIntervalSince(r.startedAt)) } ?? "—"), .text(r.status.rawValue),
                    .text(r.host),
                ]
            })
        let last = a.runs[a.runs.count - 1]
        h.raw("<p>Spec hash <code>\(esc(String(last.specHash.prefix(16))))</code>, design hash <code>\(esc(String(last.designHash.prefix(16))))</code> (newest run).</p>")
        var fingerprints: [String: String] = [:]
        for r in a.runs {
            for (name, value) in r.models { fingerprints[name] = value }
        }
        if fingerprints.isEmpty {
            h.raw("<p class=\"empty\">No model fingerprints recorded.</p>")
        } else {
            h.raw("<h3>Model fingerprints</h3>")
            h.table(["model", "as reported by the server"], rows: fingerprints.keys.sorted().map { [.text($0), .code(fingerprints[$0]!)] })
        }
        h.raw("</section>")
    }

    static func quality(_ h: inout HTML, _ a: ExperimentAnalysis) {
        let q = a.quality
        h.raw("<section id=\"quality\">")
        h.raw("<h2>Data quality</h2>")
        h.raw("<p>Only annotations with status <code>ok</code> enter the scores; every other status is counted here and excluded. Abstentions (an agent chose not to post) and failed calls are not comments.</p>")
        h.table(
            ["figure", "count"],
            rows: [
                [.text("discussions done / stored"), .text("\(q.done) / \(q.discussions)")],
                [.text("discussions failed"), .number(q.failed)],
                [.text("discussions unfinished"), .number(q.running)],
                [.text("failed LLM calls (discussions)"), .number(q.failedCalls)],
                [.text("abstentions"), .text(ReportFormat.counts(q.abstentions))],
                [.text("comments changed by the cleaner"), .number(q.cleanedComments)],
                [.text("cleaning flags"), .text(ReportFormat.counts(q.flags))],
                [.text("annotation jobs by status"), .text(ReportFormat.counts(q.annotationStatus))],
                [.text("analysed comments without an ok annotation"), .text("\(q.unscoredComments) of \(q.analysedComments)")],
                [.text("tokens in / out (discussions)"), .text("\(q.promptTokens) / \(q.completionTokens)")],
            ], numericColumns: [1])
        if !a.behaviour.isEmpty {
            h.raw("<h3>Per condition</h3>")
            let flagNames = Array(Set(a.behaviour.flatMap { $0.flags.keys })).sorted()
            h.table(
                ["condition", "comments", "user abstentions", "troll abstentions", "moderator abstentions", "failed calls"] + flagNames.map { "flag: \($0)" },
                rows: a.behaviour.enumerated().map { i, b in
                    [
                        .swatch(b.condition, i), .number(b.comments), .number(b.abstentions["user"] ?? 0), .number(b.abstentions["troll"] ?? 0),
                        .number(b.abstentions["moderator"] ?? 0), .number(b.failedCalls),
                    ] + flagNames.map { .number(b.flags[$0] ?? 0) }
                })
        }
        if !q.annotationStatusByAnnotator.isEmpty {
            h.raw("<h3>Annotation jobs by annotator</h3>")
            let statuses = Array(Set(q.annotationStatusByAnnotator.values.flatMap(\.keys))).sorted { a, b in
                a == AnnotationStatus.ok.rawValue ? true : b == AnnotationStatus.ok.rawValue ? false : a < b
            }
            h.table(
                ["annotator"] + statuses,
                rows: q.annotationStatusByAnnotator.keys.sorted().map { name in
                    [.text(name)] + statuses.map { .number(q.annotationStatusByAnnotator[name]?[$0] ?? 0) }
                })
        }
        h.raw("</section>")
    }

    static func scores(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"scores\">")
        h.raw("<h2>Scores by condition</h2>")
        guard !a.dimensions.isEmpty, a.dimensions.contains(where: { $0.conditions.contains { $0.n > 0 } }) else {
            h.raw("<p class=\"empty\">No scores: the store has no usable annotations.</p>")
            h.figure(a.meanCIChart().svg(), caption: "Mean per condition (no data).")
            h.raw("</section>")
            return
        }
        let level = SVG.num(a.options.level * 100, decimals: 0)
        h.raw("<p>Unit: one comment, scored as the mean of its annotators' <code>ok</code> ratings\(a.options.includeModeratorComments ? "" : "; moderator comments are not included"). Intervals: \(level)% percentile bootstrap of the mean (\(a.options.bootstrapResamples) resamples, seeded), \(bootstrapUnitText(a.options.bootstrapUnit)).\(fewClustersWarning(a))</p>")
        h.figure(a.meanCIChart().svg(), caption: "Mean score per condition; error bars show the \(level)% bootstrap confidence interval of the mean.")
        for d in a.dimensions {
            let name = ReportFormat.dimensionName(d.dimension.name)
            h.raw("<h3 id=\"dim-\(esc(d.dimension.name))\">\(esc(ReportFormat.capitalised(name)))</h3>")
            var about = "Scale \(d.dimension.min)–\(d.dimension.max)"
            if !d.dimension.higherMeans.isEmpty { about += "; higher = \(d.dimension.higherMeans)" }
            if !d.dimension.description.isEmpty { about += ". " + d.dimension.description }
            h.raw("<p class=\"muted\">\(esc(about))</p>")
            h.table(
                ["condition", "n comments", "discussions", "ratings", "mean", "SD", "median", "\(level)% CI (\(a.options.bootstrapUnit == .discussion ? "discussions" : "comments") resampled)", "mean nDFU"],
                rows: d.conditions.enumerated().map { i, c in
                    [
                        .swatch(c.condition, a.conditionLabels.firstIndex(of: c.condition) ?? i), .number(c.n), .number(c.discussions),
                        .number(c.ratings), .text(ReportFormat.number(c.mean)), .text(ReportFormat.number(c.sd)),
                        .text(ReportFormat.number(c.median)),
                        .text(c.ci.map { "[\(ReportFormat.number($0.lower)), \(ReportFormat.number($0.upper))]" } ?? "—"),
                        .text(ReportFormat.number(c.meanNDFU)),
                    ]
                }, numericColumns: Set(1...8))
            var tests: [[HTML.Cell]] = []
            if let kw = d.kruskalWallis {
                tests.append([.text("Kruskal–Wallis (comments)"), .text("H = \(ReportFormat.number(kw.h))"), .number(kw.df), .text(ReportFormat.p(kw.p))])
            } else {
                tests.append([.text("Kruskal–Wallis (comments)"), .text("not computable"), .text("—"), .text("—")])
            }
            if let dkw = d.discussionKruskalWallis {
                tests.append([.text("Kruskal–Wallis (discussion means)"), .text("H = \(ReportFormat.number(dkw.h))"), .number(dkw.df), .text(ReportFormat.p(dkw.p))])
            }
            if let anova = d.anova {
                tests.append([
                    .text("one-way ANOVA (comments)"), .text("F = \(anova.f.isFinite ? ReportFormat.number(anova.f) : "∞")"),
                    .text("\(anova.dfBetween), \(anova.dfWithin)"), .text(ReportFormat.p(anova.p)),
                ])
            }
            h.table(["test", "statistic", "df", "p"], rows: tests, numericColumns: [1, 2, 3])
            if !d.dunn.isEmpty {
                h.table(
                    ["a", "b", "a − b (difference of means)", "Dunn z", "p", "Holm p", ""],
                    rows: d.dunn.map { pair in
                        [
                            .swatch(pair.a, a.conditionLabels.firstIndex(of: pair.a) ?? 0),
                            .swatch(pair.b, a.conditionLabels.firstIndex(of: pair.b) ?? 0),
                            .text(ReportFormat.number(pair.difference)), .text(ReportFormat.number(pair.z)),
                            .text(ReportFormat.p(pair.p)), .text(ReportFormat.p(pair.pHolm)), .text(DifferenceHeatmap.stars(pair.pHolm)),
                        ]
                    }, numericColumns: [2, 3, 4, 5])
            }
            regressionTables(&h, a, d)
            h.figure(a.turnChart(d).svg(), caption: "Mean \(name) at each user turn (position among the discussion's user turns, abstentions included), per condition.")
            h.figure(a.heatmap(d).svg(), caption: "Row condition minus column condition; stars mark Dunn–Holm p < .05 (*), < .01 (**), < .001 (***).")
            h.figure(a.histogram(d).svg(), caption: "Share of each condition's ok ratings at each scale point (all annotators).")
        }
        h.raw("</section>")
    }

    /// A caveat when the discussion bootstrap rests on fewer than ``AnalysisOptions/fewDiscussions``
    /// discussions in some condition (few distinct resamples: the percentile interval is too narrow).
    static func fewClustersWarning(_ a: ExperimentAnalysis) -> String {
        guard a.options.bootstrapUnit == .discussion else { return "" }
        let fewest = a.dimensions.flatMap(\.conditions).filter { $0.n > 0 }.map(\.discussions).min()
        guard let fewest, fewest < a.options.fewDiscussions else { return "" }
        return " A condition has only \(fewest) discussion\(fewest == 1 ? "" : "s") with scores: the discussion bootstrap then has few distinct resamples and its interval understates the uncertainty; prefer the mixed model's standard errors."
    }

    static func bootstrapUnitText(_ unit: BootstrapUnit) -> String {
        switch unit {
        case .discussion: "resampling whole discussions (cluster bootstrap: comments of one discussion are not independent)"
        case .comment: "resampling single comments (treats comments as independent; narrower than the discussion-level interval)"
        }
    }

    /// A regression term in words: `C(condition)[T.x]` → `x`, `…:turn` → `x × turn`, `C(model)[T.m]` → `model m`.
    static func termText(_ term: String, reference: String) -> String {
        if term == "Intercept" { return "intercept (\(reference), turn 0)" }
        var t = term
        var interaction = false
        if t.hasSuffix(":turn") {
            t.removeLast(5)
            interaction = true
        }
        for prefix in ["C(condition)[T.", "C(model)[T."] where t.hasPrefix(prefix) && t.hasSuffix("]") {
            let level = String(t.dropFirst(prefix.count).dropLast())
            t = prefix.hasPrefix("C(model)") ? "model \(level)" : level
        }
        return interaction ? "\(t) × turn" : t
    }

    /// The OLS and mixed-model tables of one dimension, as a paper prints them.
    static func regressionTables(_ h: inout HTML, _ a: ExperimentAnalysis, _ d: DimensionAnalysis) {
        let level = SVG.num(a.options.level * 100, decimals: 0)
        func rows(_ coefficients: [CoefficientRow], reference: String) -> [[HTML.Cell]] {
            coefficients.map { c in
                [
                    .text(termText(c.term, reference: reference)), .text(ReportFormat.number(c.estimate, decimals: 3)),
                    .text(ReportFormat.number(c.standardError, decimals: 3)), .text(ReportFormat.number(c.statistic)),
                    .text(ReportFormat.p(c.p)),
                    .text("[\(ReportFormat.number(c.lower, decimals: 3)), \(ReportFormat.number(c.upper, decimals: 3))]"),
                ]
            }
        }
        if let r = d.regression {
            h.raw("<p><strong>Regression</strong> <code>\(esc(r.terms.formula))</code>, OLS on ratings (one row per ok rating of a user or troll comment; turn = position in the thread, seed 0); reference \(esc(r.terms.factor)) <em>\(esc(r.terms.reference))</em>\(r.terms.models.isEmpty ? "" : ", reference model <em>\(esc(r.terms.models[0]))</em>").</p>")
            h.table(["term", "β", "SE", "t", "p", "\(level)% CI"], rows: rows(r.coefficients, reference: r.terms.reference), numericColumns: [1, 2, 3, 4, 5])
            h.raw("<p class=\"muted\">n = \(r.n) ratings, R² = \(ReportFormat.number(r.rSquared, decimals: 3)), adjusted R² = \(ReportFormat.number(r.adjustedRSquared, decimals: 3)), residual df = \(r.residualDF). Ratings of one comment and comments of one discussion are not independent: read these p-values together with the mixed model below.</p>")
        } else {
            h.raw("<p class=\"empty\">Regression not computable (too few ratings, or a condition with a single turn position).</p>")
        }
        if let m = d.mixedModel {
            h.raw("<p><strong>Mixed model</strong> <code>\(esc(m.terms.formula)) + (1 | discussion)</code>, REML on comment scores (mean of a comment's ok ratings).</p>")
            h.table(["term", "β", "SE", "z", "p", "\(level)% CI"], rows: rows(m.coefficients, reference: m.terms.reference), numericColumns: [1, 2, 3, 4, 5])
            h.raw("<p class=\"muted\">n = \(m.n) comments in \(m.discussions) discussions; discussion variance = \(ReportFormat.number(m.groupVariance, decimals: 3)), residual variance = \(ReportFormat.number(m.residualVariance, decimals: 3)), ICC = \(ReportFormat.number(m.icc, decimals: 3)); REML log-likelihood = \(ReportFormat.number(m.logLikelihood)); \(m.converged ? "converged" : "NOT converged").</p>")
        }
    }

    static func agreement(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"agreement\">")
        h.raw("<h2>Annotator agreement and polarisation</h2>")
        h.raw("<p>Krippendorff's α over the analysed comments (units) and the \(a.annotators.count) annotator\(a.annotators.count == 1 ? "" : "s") (\(esc(a.annotators.joined(separator: ", ")))): 1 = perfect agreement, 0 = chance, below 0 = systematic disagreement; — = undefined (fewer than two ratings per comment, or every rating the same value). nDFU (0 = unimodal, 1 = fully polarised) is computed per comment over its ratings on the fixed scale and averaged; it needs at least two ratings per comment.</p>")
        h.table(
            ["dimension", "α interval", "α ordinal", "pairable comments"] + a.conditionLabels.map { "mean nDFU: \($0)" },
            rows: a.dimensions.map { d in
                [
                    .text(ReportFormat.dimensionName(d.dimension.name)), .text(ReportFormat.number(d.alphaInterval, decimals: 3)),
                    .text(ReportFormat.number(d.alphaOrdinal, decimals: 3)), .number(d.alphaUnits),
                ] + d.conditions.map { .text(ReportFormat.number($0.meanNDFU, decimals: 3)) }
            }, numericColumns: Set(1...(3 + a.conditionLabels.count)))
        h.raw("</section>")
    }

    static func behaviour(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"behaviour\">")
        h.raw("<h2>Behaviour</h2>")
        h.raw("<p>Intervention rate: moderator comments ÷ moderator turns (abstentions count as turns, failed calls do not). Participation: user and troll comments ÷ their turns; “commented” is the mean share of a discussion's users who posted at least once. Lexical diversity: 1 − mean pairwise ROUGE-L F1 of a discussion's analysed comments, averaged over discussions.</p>")
        h.table(
            ["condition", "moderator comments / turns", "intervention rate", "user comments / turns", "participation", "commented", "lexical diversity"],
            rows: a.behaviour.enumerated().map { i, b in
                [
                    .swatch(b.condition, i), .text(b.moderatorTurns == 0 ? "—" : "\(b.moderatorComments) / \(b.moderatorTurns)"),
                    .text(ReportFormat.percent(b.interventionRate)), .text("\(b.userComments) / \(b.userTurns)"),
                    .text(ReportFormat.percent(b.participationRate)), .text(ReportFormat.percent(b.shareWhoCommented)),
                    .text(ReportFormat.number(b.lexicalDiversity, decimals: 3) + (b.lexicalDiscussions > 0 ? " (\(b.lexicalDiscussions))" : "")),
                ]
            }, numericColumns: Set(1...6))
        h.figure(a.interventionChart().svg(), caption: "Share of the moderator's turns in which it posted a comment, per strategy (pooled over models).")
        interventionsPerDiscussion(&h, a)
        moderatorDecisions(&h, a)
        paired(&h, a)
        participation(&h, a)
        h.raw("</section>")
    }

    static func turnTaking(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"turn-taking\">")
        h.raw("<h2>Turn-taking manipulation check</h2>")
        guard !a.turnTaking.isEmpty else {
            h.raw("<p class=\"empty\">No discussion uses a respond(p) policy: nothing to check.</p>")
            h.raw("</section>")
            return
        }
        h.raw("<p>Under <code>respond(p)</code> with n users, after speakers A then B the next user turn goes back to A with probability p + (1 − p)/(n − 1). Observed: the share of A, B, A among consecutive user-turn triples, pooled over each condition's discussions (triples never span two discussions). The z-test is approximate because overlapping triples are not independent.</p>")
        h.table(
            ["condition", "policy", "users", "discussions", "triples", "A, B, A", "observed", "expected", "z", "p"],
            rows: a.turnTaking.map { t in
                [
                    .text(t.condition), .code(t.policy), .number(t.users), .number(t.discussions), .number(t.check?.triples ?? 0),
                    .number(t.check?.replyBacks ?? 0), .text(ReportFormat.number(t.check?.observed, decimals: 3)),
                    .text(ReportFormat.number(t.check?.expected, decimals: 3)),
                    .text(t.check.map { $0.z.isFinite ? ReportFormat.number($0.z) : ($0.z > 0 ? "+∞" : "−∞") } ?? "—"),
                    .text(t.check.map { ReportFormat.p($0.p) } ?? "—"),
                ]
            }, numericColumns: Set(2...9))
        h.raw("</section>")
    }

    static func methods(_ h: inout HTML, _ a: ExperimentAnalysis) {
        h.raw("<section id=\"methods\">")
        h.raw("<h2>Methods</h2>")
        h.raw("<ul>")
        let items = [
            "Scores: each analysed comment's score is the mean of its annotators' ok ratings; \(a.options.includeModeratorComments ? "moderator comments are included" : "only user and troll comments are analysed, because moderator comments exist only in moderated conditions").",
            "Confidence intervals: percentile bootstrap of the mean (Efron & Tibshirani 1993), \(a.options.bootstrapResamples) resamples, seed \(a.options.bootstrapSeed) derived per condition and dimension, \(bootstrapUnitText(a.options.bootstrapUnit)) (Davison & Hinkley 1997, §3.8).",
            "Regression: OLS of score on condition × turn (treatment coding, reference \(a.dimensions.compactMap { $0.regression?.terms.reference }.first ?? "—"))\(Set(a.conditions.map(\.model)).count > 1 ? "; with several models the condition factor is the strategy and the model enters as a main effect" : ""), t-based p-values and intervals. Mixed model: the same fixed effects with a random intercept per discussion, fitted by REML (Harville 1977) with the variance ratio found by a one-dimensional golden-section search and GLS for the fixed effects; Wald z p-values and intervals, as statsmodels' MixedLM reports them.",
            "Tests: Kruskal–Wallis H with tie correction (Kruskal & Wallis 1952); Dunn's post-hoc test with Holm's step-down adjustment (Dunn 1964; Holm 1979); one-way ANOVA as a parametric comparison. Significance threshold: \(ReportFormat.noLeadingZero(SVG.num(a.options.alpha, decimals: 2))).",
            "Agreement: Krippendorff's α, interval and ordinal (Krippendorff 2011). Polarisation: nDFU on the fixed scale (Pavlopoulos & Likas 2024).",
            "Lexical diversity: 1 − mean pairwise ROUGE-L F1 (Lin 2004) per discussion. Participation inequality: Gini coefficient of comments per participant within a discussion (Gini 1912), averaged over discussions.",
            "Power: design effect 1 + (m − 1)·ICC (Kish 1965; Donner & Klar 2000) with the ICC of a REML random-intercept model; sample size and power of the two-sided two-sample t-test from the noncentral t distribution (Cohen 1988), as statsmodels' TTestIndPower computes them.",
            "Comments within a discussion share context and are not independent; the discussion-level test (one mean per discussion) is the conservative check.",
        ]
        for item in items { h.raw("<li>\(esc(item))</li>") }
        h.raw("</ul>")
        h.raw("</section>")
    }

    static func esc(_ text: String) -> String { SVG.escape(text) }

    /// The report's style sheet: system fonts only, print-friendly.
    static let css = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f4f4f2; color: #1d1d1d; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 1060px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
        header { border-bottom: 2px solid #0072B2; margin-bottom: 16px; }
        h1 { margin: 8px 0 4px; font-size: 28px; }
        h2 { margin: 32px 0 8px; font-size: 21px; border-bottom: 1px solid #dddddd; padding-bottom: 4px; }
        h3 { margin: 24px 0 6px; font-size: 17px; }
        nav { margin: 8px 0 12px; font-size: 14px; }
        nav a { margin-right: 12px; color: #0072B2; text-decoration: none; }
        code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
        .lead { color: #444444; margin: 0 0 4px; }
        .muted { color: #555555; font-size: 14px; }
        .empty { color: #666666; font-style: italic; }
        ul.summary li { margin-bottom: 6px; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
        th, td { border-bottom: 1px solid #e2e2e2; padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: #f6f6f6; font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .table-scroll { max-width: 100%; overflow-x: auto; margin: 8px 0 16px; }
        .table-scroll > table { margin: 0; }
        td:first-child { min-width: 12em; }
        .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
        figure { margin: 12px 0 24px; }
        figure svg { width: 100%; max-width: 980px; height: auto; display: block; border: 1px solid #eeeeee; }
        figcaption { color: #555555; font-size: 13px; margin-top: 4px; }
        @media print { body { background: #ffffff; } main { padding: 0; } figure { break-inside: avoid; } }

        """
}

/// A small HTML writer: lines of markup, tables with escaped cells.
struct HTML {
    var text = ""

    enum Cell {
        case text(String)
        case number(Int)
        case code(String)
        /// A condition label with its chart colour (Okabe–Ito index).
        case swatch(String, Int)
    }

    mutating func raw(_ line: String) { text += line + "\n" }

    /// A table inside a horizontally scrolling box (a wide table scrolls instead of overflowing the page).
    /// Condition names in `.swatch` cells may break after `/`, `_`, `-` and `=` (a `<wbr/>` there), so long
    /// `strategy/model` names wrap instead of widening the table.
    mutating func table(_ headers: [String], rows: [[Cell]], numericColumns: Set<Int> = []) {
        raw("<div class=\"table-scroll\">")
        raw("<table>")
        raw("<thead><tr>" + headers.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr></thead>")
        raw("<tbody>")
        for row in rows {
            var line = "<tr>"
            for (i, cell) in row.enumerated() {
                let isNumber: Bool
                if case .number = cell { isNumber = true } else { isNumber = numericColumns.contains(i) }
                line += isNumber ? "<td class=\"num\">" : "<td>"
                switch cell {
                case .text(let s): line += SVG.escape(s)
                case .number(let n): line += String(n)
                case .code(let s): line += "<code>\(SVG.escape(s))</code>"
                case .swatch(let s, let index):
                    line += "<span class=\"swatch\" style=\"background:\(OkabeIto.color(index))\"></span>\(Self.breakable(s))"
                }
                line += "</td>"
            }
            raw(line + "</tr>")
        }
        raw("</tbody>")
        raw("</table>")
        raw("</div>")
    }

    /// `text` escaped, with a `<wbr/>` after each `/`, `_`, `-` and `=` of a long name (≥ 16 characters).
    static func breakable(_ text: String) -> String {
        guard text.count >= 16 else { return SVG.escape(text) }
        var out = ""
        for character in text {
            out += SVG.escape(String(character))
            if "/_-=".contains(character) { out += "<wbr/>" }
        }
        return out
    }

    mutating func figure(_ svg: String, caption: String) {
        raw("<figure>")
        text += svg
        raw("<figcaption>\(SVG.escape(caption))</figcaption>")
        raw("</figure>")
    }
}
