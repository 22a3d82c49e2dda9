extension ReportBuilder {
    /// The fidelity section (`sdf report --human PATH`): the human corpus's counts, then one table per measure
    /// with the same columns as `sdf compare`.
    static func fidelity(_ h: inout HTML, _ f: FidelityComparison) {
        h.raw("<section id=\"fidelity\">")
        h.raw("<h2>Fidelity to human discussions</h2>")
        h.raw("<p>\(esc(f.humanSentence))</p>")
        h.raw(
            "<p>\(esc("Synthetic side: each condition's non-moderator comments after the seed (thread length over discussions done; reply depth = position in the stored reply chain, seed = 0). JS distance: Jensen–Shannon distance, base 2 (the square root of the divergence, 0 = same distribution, 1 = disjoint), on the fixed bins listed under each table. Wasserstein-1: in the measure's unit, on the raw values. KS: two-sample Kolmogorov–Smirnov D and two-sided p (exact up to 10 000 values per side, as SciPy's default). Lexical diversity is measured on disjoint random samples of \(f.options.diversitySampleSize) comments on both sides (seed \(f.options.seed)), so its values differ from the per-discussion figure of the behaviour section."))</p>"
        )
        for m in f.measures {
            h.raw("<h3>\(esc(m.name))</h3>")
            if let reason = m.unavailable {
                h.raw("<p class=\"empty\">Not compared: \(esc(reason)).</p>")
                continue
            }
            h.table(
                FidelityComparison.headers, rows: FidelityComparison.rows(m).map { row in row.map { .text($0) } },
                numericColumns: Set(1..<FidelityComparison.headers.count))
            h.raw("<p>Bins: \(esc(FidelityComparison.binsText(m.bins)))</p>")
        }
        h.raw("</section>")
    }
}
