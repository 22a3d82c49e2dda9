import Foundation
import SDFCore
import SDFStore

/// Number and text formats of SDF reports: APA-style p-values, fixed decimals, percentages, UTC times.
public enum ReportFormat {
    /// A p-value as written in the text: `p < .001`, `p = .012` (three decimals without the leading zero), or
    /// `p > .999`.
    public static func p(_ p: Double) -> String {
        guard p.isFinite else { return "p = n/a" }
        if p < 0.001 { return "p < .001" }
        if p > 0.999 { return "p > .999" }
        return "p = " + noLeadingZero(SVG.num(p, decimals: 3))
    }

    /// `x` with `decimals` digits, or `—` for `nil` or a non-finite value.
    public static func number(_ x: Double?, decimals: Int = 2) -> String {
        guard let x, x.isFinite else { return "—" }
        return SVG.num(x, decimals: decimals)
    }

    /// `x` with two decimals and an explicit sign (`+0.25`, `−0.50` with a minus sign, `0.00`); `—` for `nil`.
    public static func signed(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "—" }
        let text = number(abs(x))
        if text == number(0) { return text }
        return (x < 0 ? "−" : "+") + text
    }

    /// A share in [0, 1] as a whole percentage (`42%`), or `—`.
    public static func percent(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "—" }
        return SVG.num(x * 100, decimals: 0) + "%"
    }

    /// `0.123` → `.123`, `-0.5` → `-.5` (APA style for quantities that cannot exceed 1).
    public static func noLeadingZero(_ text: String) -> String {
        if text.hasPrefix("0.") { return String(text.dropFirst()) }
        if text.hasPrefix("-0.") { return "-" + text.dropFirst(2) }
        return text
    }

    /// A date as ISO 8601 in UTC with seconds, e.g. `2025-03-01T09:30:00Z`; `—` for `nil`.
    public static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        return Timestamp.seconds(date)
    }

    /// A duration in seconds as `42 s`, `3 min 05 s` or `2 h 03 min`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
        return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) min"
    }

    /// A dimension name for prose: underscores become spaces (`argument_quality` → `argument quality`).
    public static func dimensionName(_ name: String) -> String {
        name.replacingOccurrences(of: "_", with: " ")
    }

    /// `text` with its first character upper-cased.
    static func capitalised(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// A dictionary of counts as `a 3, b 1` (keys sorted), or `none`.
    static func counts(_ counts: [String: Int]) -> String {
        let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

extension ExperimentAnalysis {
    /// The plain-language summary: one sentence group per rubric dimension saying whether and how the
    /// conditions differ, then the moderator's intervention rates, the turn-taking check and data quality.
    ///
    /// Wording is deliberately careful: "no significant difference" (never "no difference"), the test and its
    /// p-value are always given, pairs are named only when Dunn–Holm p < ``AnalysisOptions/alpha``, and the
    /// text warns when the smallest condition has fewer than ``AnalysisOptions/smallSample`` scored comments or
    /// fewer than ``AnalysisOptions/fewDiscussions`` discussions.
    ///
    /// - Returns: sentences (each may hold several clauses), in display order; never empty.
    public func summarySentences() -> [String] {
        var sentences: [String] = []
        let alpha = options.alpha
        if quality.discussions == 0 {
            return ["The store holds no discussions yet: run the experiment first (sdf run EXPERIMENT.yaml)."]
        }
        let scored = dimensions.contains { $0.conditions.contains { $0.n > 0 } }
        if !scored {
            sentences.append(
                quality.annotationStatus.isEmpty
                    ? "The comments have not been annotated yet, so conditions cannot be compared on the rubric: run sdf annotate EXPERIMENT.yaml."
                    : "No annotation could be used (none has status ok), so conditions cannot be compared on the rubric.")
        }
        for d in dimensions where scored {
            sentences.append(dimensionSentence(d, alpha: alpha))
        }
        if scored && dimensions.contains(where: { $0.kruskalWallis != nil }) {
            sentences.append(
                "Each comment (its mean over the annotators) counts as one observation"
                    + (options.includeModeratorComments ? "" : ", moderator comments excluded")
                    + "; comments of the same discussion are not independent, so comment-level p-values are optimistic and the discussion-level test is the conservative check.")
        }
        let moderated = interventionByStrategy.filter { $0.rate != nil }
        if !moderated.isEmpty {
            let parts = moderated.map {
                "\($0.strategy) \(ReportFormat.percent($0.rate)) (\($0.moderatorComments) of \($0.moderatorTurns))"
            }
            sentences.append("Moderator intervention rate (comments ÷ turns): " + parts.joined(separator: "; ") + ".")
        }
        let checks = turnTaking.compactMap { t in t.check.map { (t, $0) } }
        if !checks.isEmpty {
            let off = checks.filter { $0.1.p < alpha }
            if off.isEmpty {
                sentences.append(
                    "Turn-taking check: the observed share of A, B, A sequences is consistent with the respond(p) policy in every condition (smallest \(ReportFormat.p(checks.map(\.1.p).min() ?? 1)))."
                )
            } else {
                let parts = off.map { t, c in
                    "\(t.condition): observed \(ReportFormat.number(c.observed)) vs expected \(ReportFormat.number(c.expected)) (\(ReportFormat.p(c.p)))"
                }
                sentences.append("Turn-taking check: the A, B, A share departs from the policy in " + parts.joined(separator: "; ") + ".")
            }
        }
        for pair in paired ?? [] {
            if let sentence = pairedSentence(pair) { sentences.append(sentence) }
        }
        sentences.append(qualitySentence())
        return sentences
    }

    /// One sentence on a branched pair: the mean paired difference with its 95 % CI, both tests' p-values and the
    /// share of variance the pairing removed; `nil` with fewer than two scored replicates.
    func pairedSentence(_ pair: BranchedPairAnalysis) -> String? {
        guard let c = pair.comparison, c.n >= 2 else { return nil }
        var text = "Branched at user turn \(pair.branchTurn), \(ReportFormat.dimensionName(pair.dimension)) after the branch point: "
            + "\(pair.branched) − \(pair.trunk) = \(ReportFormat.signed(c.meanDifference))"
        if let lo = c.ciLow, let hi = c.ciHigh { text += " (95 % CI \(ReportFormat.signed(lo)) to \(ReportFormat.signed(hi)))" }
        text += " over \(c.n) paired replicates"
        if let p = c.tP { text += "; paired t-test \(ReportFormat.p(p))" }
        if let w = c.wilcoxon { text += ", Wilcoxon signed-rank \(ReportFormat.p(w.p))" }
        if let removed = c.varianceRemoved { text += "; pairing removed \(ReportFormat.percent(removed)) of the unpaired variance" }
        return text + "."
    }

    func dimensionSentence(_ d: DimensionAnalysis, alpha: Double) -> String {
        let name = ReportFormat.dimensionName(d.dimension.name)
        let higher = d.dimension.higherMeans.isEmpty ? "" : " (higher = \(d.dimension.higherMeans))"
        let compared = d.conditions.filter { $0.n > 0 }
        guard compared.count >= 2 else {
            if let only = compared.first {
                return "\(ReportFormat.capitalised(name)) cannot be compared: only \(only.condition) has scores (n = \(only.n))."
            }
            return "\(ReportFormat.capitalised(name)): no scored comments."
        }
        let means = compared.map { "\($0.condition) \(ReportFormat.number($0.mean))" }.joined(separator: ", ")
        let total = compared.map(\.n).reduce(0, +)
        guard let kw = d.kruskalWallis else {
            return "\(ReportFormat.capitalised(name)) cannot be tested: every scored comment has the same score (means: \(means))."
        }
        let test = "Kruskal–Wallis H = \(ReportFormat.number(kw.h)), df = \(kw.df), \(ReportFormat.p(kw.p)); N = \(total) comments"
        let subject = ReportFormat.capitalised(name) + higher
        let significant = kw.p < alpha
        var text: String
        if significant {
            text = "\(subject) differs between conditions (\(test))."
            let pairs = d.dunn.filter { $0.pHolm < alpha }
            if pairs.isEmpty {
                text += " No single pair of conditions differs after Holm's correction (means: \(means))."
            } else {
                let parts = pairs.map { pair -> String in
                    let (low, high) = pair.difference < 0 ? (pair.a, pair.b) : (pair.b, pair.a)
                    return "\(low) is lower than \(high) (mean \(ReportFormat.number(d.scores(low)?.mean)) vs \(ReportFormat.number(d.scores(high)?.mean)); Dunn–Holm \(ReportFormat.p(pair.pHolm)))"
                }
                // A summary names at most three pairs (the smallest Holm p first); the table lists them all.
                let shown = 3
                if parts.count <= shown {
                    text += " Pairwise: " + parts.joined(separator: "; ") + "."
                } else {
                    let order = pairs.indices.sorted { (pairs[$0].pHolm, $0) < (pairs[$1].pHolm, $1) }
                    text += " \(pairs.count) of \(d.dunn.count) pairs differ after Holm's correction (the pairwise table lists them); "
                        + "the strongest: " + order.prefix(shown).map { parts[$0] }.joined(separator: "; ") + "."
                }
            }
        } else {
            text = "No significant difference in \(name)\(higher) between conditions (\(test); means: \(means))."
        }
        let discussionsPerCondition = compared.map(\.discussions).min() ?? 0
        if let dkw = d.discussionKruskalWallis {
            let totalDiscussions = compared.map(\.discussions).reduce(0, +)
            text += " On discussion means (N = \(totalDiscussions) discussions) the same test gives \(ReportFormat.p(dkw.p))."
        }
        if discussionsPerCondition < options.fewDiscussions {
            text += " With only \(discussionsPerCondition) discussion\(discussionsPerCondition == 1 ? "" : "s") in the smallest condition, the discussion-level test has almost no power."
        }
        if let smallest = compared.min(by: { $0.n < $1.n }), smallest.n < options.smallSample {
            text += " Caution: n is small (\(smallest.condition) has only \(smallest.n) scored comments), "
                + (significant ? "so the size of the difference is uncertain." : "so this test can easily miss a real difference.")
        }
        return text
    }

    func qualitySentence() -> String {
        let totalJobs = quality.annotationStatus.values.reduce(0, +)
        let unusable = quality.annotationStatus.filter { $0.key != AnnotationStatus.ok.rawValue }
        let unusableCount = unusable.values.reduce(0, +)
        var parts: [String] = []
        if totalJobs > 0 {
            parts.append(
                unusableCount == 0
                    ? "all \(totalJobs) annotation jobs parsed"
                    : "\(unusableCount) of \(totalJobs) annotation jobs were unusable (\(ReportFormat.counts(unusable))) and are excluded from the scores")
        }
        let abstentions = quality.abstentions.values.reduce(0, +)
        parts.append("\(abstentions) abstention\(abstentions == 1 ? "" : "s")")
        parts.append("\(quality.failedCalls) failed call\(quality.failedCalls == 1 ? "" : "s")")
        if quality.failed > 0 || quality.running > 0 {
            parts.append("\(quality.failed) failed and \(quality.running) unfinished discussion(s) of \(quality.discussions)")
        }
        let flagged = quality.flags.values.reduce(0, +)
        if flagged > 0 { parts.append("cleaning flags: \(ReportFormat.counts(quality.flags))") }
        return "Data quality: " + parts.joined(separator: "; ") + "."
    }
}
