import Foundation
import SDFStore

extension FidelityComparison {
    /// The column headers of ``rows(_:)``.
    public static let headers = ["sample", "n", "mean", "median", "JS distance", "Wasserstein-1", "KS D", "KS p"]

    /// The bins of a measure as text: `[0, 5) [5, 10) … [640, ∞)`.
    public static func binsText(_ edges: [Double]) -> String {
        func edge(_ x: Double) -> String {
            if x == .infinity { return "∞" }
            if x == -.infinity { return "−∞" }
            return x == x.rounded() ? String(Int(x)) : SVG.num(x, decimals: 2)
        }
        guard edges.count >= 2 else { return "" }
        return (0..<(edges.count - 1)).map { "[\(edge(edges[$0])), \(edge(edges[$0 + 1])))" }.joined(separator: " ")
    }

    /// One sentence on the human corpus: what was read and what was used.
    public var humanSentence: String {
        let c = human.counts
        var parts = ["\(c.read) record\(c.read == 1 ? "" : "s") read", "\(c.used) used as comments"]
        var excluded: [String] = []
        if c.roots > 0 { excluded.append("\(c.roots) root\(c.roots == 1 ? "" : "s") (opening posts)") }
        if c.empty > 0 { excluded.append("\(c.empty) empty") }
        if c.deleted > 0 { excluded.append("\(c.deleted) [deleted]/[removed]") }
        if c.moderator > 0 { excluded.append("\(c.moderator) moderator comment\(c.moderator == 1 ? "" : "s")") }
        if !excluded.isEmpty { parts.append("not comments: " + excluded.joined(separator: ", ")) }
        if c.missingParents > 0 { parts.append("\(c.missingParents) replying to a record not in the corpus (depth 1)") }
        if c.blankLines > 0 { parts.append("\(c.blankLines) blank line\(c.blankLines == 1 ? "" : "s") skipped") }
        if human.hasConversations { parts.append("\(c.conversations) conversation\(c.conversations == 1 ? "" : "s")") }
        return "Human corpus \(human.path) (\(human.format.rawValue)): " + parts.joined(separator: "; ") + "."
    }

    /// The rows of a measure's table: the human corpus first, then one row per condition (`—` where a value is
    /// not computable).
    public static func rows(_ m: FidelityMeasure) -> [[String]] {
        guard let h = m.human else { return [] }
        var rows = [["human", String(h.n), ReportFormat.number(h.mean), ReportFormat.number(h.median), "", "", "", ""]]
        for r in m.conditions {
            rows.append([
                r.condition, String(r.sample.n), ReportFormat.number(r.sample.mean), ReportFormat.number(r.sample.median),
                ReportFormat.number(r.jensenShannonDistance, decimals: 3), ReportFormat.number(r.wasserstein, decimals: 3),
                ReportFormat.number(r.ks?.statistic, decimals: 3),
                r.ks.map { pText($0.p) + ($0.method == .asymptotic ? " (asymptotic)" : "") } ?? "—",
            ])
        }
        return rows
    }

    /// A p-value in a table cell: `<.001`, `.012` (three decimals without the leading zero) or `>.999`.
    static func pText(_ p: Double) -> String {
        guard p.isFinite else { return "—" }
        if p < 0.001 { return "<.001" }
        if p > 0.999 { return ">.999" }
        return ReportFormat.noLeadingZero(SVG.num(p, decimals: 3))
    }

    /// The plain-text form `sdf compare` prints: the corpus sentence, then per measure its name, its bins and a
    /// table (columns padded with spaces, numbers right-aligned).
    public var text: String {
        var out = humanSentence + "\n"
        out += "Synthetic side: non-moderator comments after the seed, per condition (thread length: discussions done).\n"
        out += "JS distance: Jensen–Shannon distance, base 2 (√divergence, 0–1) on the fixed bins; Wasserstein-1 in the measure's unit; "
        out += "KS: two-sample Kolmogorov–Smirnov D and two-sided p (exact up to 10 000 values per side).\n"
        for m in measures {
            out += "\n" + m.name + "\n"
            if let reason = m.unavailable {
                out += "  not compared: \(reason)\n"
                continue
            }
            out += "  bins: " + Self.binsText(m.bins) + "\n"
            let table = [Self.headers] + Self.rows(m)
            let widths = Self.headers.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
            for row in table {
                let cells = row.enumerated().map { i, cell in
                    i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[i] - cell.count) + cell
                }
                out += "  " + cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            }
        }
        return out
    }

    /// The JSON document of `sdf compare --json` (sorted keys, pretty-printed, ±∞ as `"Infinity"`/`"-Infinity"`,
    /// NaN as `"NaN"`, ending in a newline): `{"format": "sdf-compare", "version": 1, "comparison": …}` with this
    /// value's fields.
    public func json() throws -> String {
        struct Document: Encodable {
            var format = "sdf-compare"
            var version = 1
            var comparison: FidelityComparison
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(Document(comparison: self)), as: UTF8.self) + "\n"
    }
}
