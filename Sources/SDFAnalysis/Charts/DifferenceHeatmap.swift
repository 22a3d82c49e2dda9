import Foundation

/// Pairwise differences between conditions as a heatmap: cell (row i, column j) shows mean(i) − mean(j) and
/// the significance of Dunn's test for that pair (Holm-adjusted), as stars: `*` p < .05, `**` p < .01,
/// `***` p < .001.
///
/// Colours run from Okabe–Ito blue (row lower than column) through white (no difference) to vermillion (row
/// higher), saturating at ``limit``. The diagonal is grey. Row labels are the full condition names (wrapped onto
/// up to three lines when long); when a name is wider than a column, columns are labelled by the rows' numbers
/// (`1`, `2`, …) and each row label starts with its number, so no name is cut.
public struct DifferenceHeatmap: SVGChart, Hashable {
    /// The chart title.
    public var title: String
    /// Condition labels, the rows and columns in order (k ≥ 2 to draw anything).
    public var labels: [String]
    /// k × k matrix of mean(row) − mean(column); `nil` where either mean is missing. The diagonal is ignored.
    public var differences: [[Double?]]
    /// k × k matrix of adjusted p-values; `nil` where no test was possible. The diagonal is ignored.
    public var pValues: [[Double?]]
    /// The absolute difference at which colours saturate (> 0), e.g. the scale's range / 2; `nil` uses the
    /// largest absolute difference.
    public var limit: Double?
    /// What the p-values are, for the legend, e.g. `Dunn–Holm`.
    public var testLabel: String

    /// Creates a heatmap.
    public init(
        title: String, labels: [String], differences: [[Double?]], pValues: [[Double?]], limit: Double? = nil,
        testLabel: String = "Dunn–Holm"
    ) {
        self.title = title
        self.labels = labels
        self.differences = differences
        self.pValues = pValues
        self.limit = limit
        self.testLabel = testLabel
    }

    /// The stars for an (adjusted) p-value: `***` below .001, `**` below .01, `*` below .05, else empty.
    public static func stars(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "" }
        return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : ""
    }

    /// The fill of a difference `d` at saturation `limit`: white blended toward blue (d < 0) or vermillion
    /// (d > 0) by min(1, |d|/limit), as `#rrggbb`.
    public static func fill(_ d: Double, limit: Double) -> String {
        guard d.isFinite, limit > 0 else { return "#ffffff" }
        let t = min(1, abs(d) / limit)
        let target: (Double, Double, Double) = d < 0 ? (0x00, 0x72, 0xB2) : (0xD5, 0x5E, 0x00)
        func channel(_ c: Double) -> Int { Int((255 + (c - 255) * t).rounded()) }
        return "#" + [channel(target.0), channel(target.1), channel(target.2)].map(hex2).joined()
    }

    /// The text colour for a cell of colour `fill` (`#rrggbb`): white or near-black, whichever has the higher
    /// WCAG 2 contrast ratio against it.
    public static func ink(on fill: String) -> String {
        let dark = "#222222"
        return contrast(fill, "#ffffff") > contrast(fill, dark) ? "#ffffff" : dark
    }

    /// WCAG 2 relative luminance of an sRGB `#rrggbb` colour, in [0, 1].
    static func luminance(_ hex: String) -> Double {
        let digits = Array(hex.dropFirst())
        guard digits.count == 6 else { return 1 }
        func channel(_ i: Int) -> Double {
            let c = Double(Int(String(digits[i..<(i + 2)]), radix: 16) ?? 255) / 255
            return c <= 0.040_45 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    /// WCAG 2 contrast ratio of two colours, in [1, 21].
    static func contrast(_ a: String, _ b: String) -> Double {
        let (la, lb) = (luminance(a), luminance(b))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    static func hex2(_ v: Int) -> String {
        let digits = Array("0123456789abcdef")
        let c = min(255, max(0, v))
        return String(digits[c / 16]) + String(digits[c % 16])
    }

    /// Renders the heatmap; "no data" with fewer than two labels or matrices of the wrong shape.
    public func svg() -> String {
        let k = labels.count
        guard k >= 2, differences.count == k, pValues.count == k, differences.allSatisfy({ $0.count == k }),
            pValues.allSatisfy({ $0.count == k })
        else {
            return ChartLayout.noData(title: title, reason: "a comparison needs at least two conditions with data")
        }
        let offDiagonal = (0..<k).flatMap { i in (0..<k).filter { $0 != i }.compactMap { differences[i][$0] } }.filter(\.isFinite)
        let saturation = limit ?? max(offDiagonal.map(abs).max() ?? 1, 1e-9)
        let m = ChartLayout.margin
        let labelLimit = (ChartLayout.width - 2 * m) * 0.4
        let probeCell = min(96, max(40, (ChartLayout.width - 2 * m - labelLimit) / Double(k)))
        let numbered = labels.contains { SVG.textWidth($0, size: 11) > probeCell - 4 }
        let rowTexts = labels.enumerated().map { numbered ? "\($0.offset + 1)  \($0.element)" : $0.element }
        let wrapped = rowTexts.map { SVG.wrap($0, maxWidth: labelLimit, size: 11, maxLines: 3) }
        let labelWidth = min(labelLimit, wrapped.flatMap { $0 }.map { SVG.textWidth($0, size: 11) }.max() ?? 0) + 12
        let cell = min(96, max(40, (ChartLayout.width - 2 * m - labelWidth) / Double(k)))
        let legendTop = ChartLayout.titleHeight
        let legendHeight = 44.0
        let grid = Box(x: m + labelWidth, y: legendTop + legendHeight + 24, width: cell * Double(k), height: cell * Double(k))
        let height = grid.bottom + 36
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        // Legend: five swatches from −limit to +limit, then the stars.
        doc.add("<g class=\"legend\">")
        let swatches = [-1.0, -0.5, 0, 0.5, 1]
        for (i, s) in swatches.enumerated() {
            let x = m + Double(i) * 58
            doc.rect(x: x, y: legendTop + 2, width: 18, height: 14, fill: Self.fill(s * saturation, limit: saturation), stroke: "#999999", className: "legend-swatch")
            let value = s * saturation
            doc.text((value > 0 ? "+" : "") + SVG.num(value), x: x + 22, y: legendTop + 13, size: 11)
        }
        doc.text("row − column (difference of means)", x: m + 5 * 58 + 6, y: legendTop + 13, size: 11, fill: ChartLayout.mutedText)
        doc.text("\(testLabel): * p < .05   ** p < .01   *** p < .001", x: m, y: legendTop + 34, size: 11, fill: ChartLayout.mutedText)
        doc.add("</g>")
        doc.add("<g class=\"panel\">")
        doc.rect(x: grid.x, y: grid.y, width: grid.width, height: grid.height, fill: "#ffffff", stroke: "#d0d0d0", className: "plot-area")
        let columnChars = max(4, Int((cell - 4) / (11 * 0.6)))
        for (j, label) in labels.enumerated() {
            let cx = grid.x + cell * (Double(j) + 0.5)
            let text = numbered ? String(j + 1) : SVG.truncate(label, columnChars)
            doc.text(text, x: cx, y: grid.y - 8, anchor: "middle", size: 11, className: "column-label",
                tooltip: text != label ? label : nil)
        }
        for i in 0..<k {
            let y = grid.y + cell * Double(i)
            let lines = wrapped[i]
            for (l, line) in lines.enumerated() {
                let ly = y + cell / 2 + 4 + 12.5 * (Double(l) - Double(lines.count - 1) / 2)
                doc.text(line, x: grid.x - 8, y: ly, anchor: "end", size: 11, className: "row-label",
                    tooltip: l == 0 && lines.joined() != rowTexts[i] ? labels[i] : nil)
            }
            for j in 0..<k {
                let x = grid.x + cell * Double(j)
                if i == j {
                    doc.rect(x: x, y: y, width: cell, height: cell, fill: "#eeeeee", stroke: "#ffffff", className: "cell")
                    doc.text("—", x: x + cell / 2, y: y + cell / 2 + 4, anchor: "middle", fill: "#999999")
                    continue
                }
                guard let d = differences[i][j], d.isFinite else {
                    doc.rect(x: x, y: y, width: cell, height: cell, fill: "#f6f6f6", stroke: "#ffffff", className: "cell")
                    doc.text("n/a", x: x + cell / 2, y: y + cell / 2 + 4, anchor: "middle", size: 11, fill: "#999999")
                    continue
                }
                let stars = Self.stars(pValues[i][j])
                let p = pValues[i][j].map { "p = " + SVG.num($0, decimals: 4) } ?? "no test"
                let tip = "\(labels[i]) − \(labels[j]) = \(SVG.num(d)); \(testLabel) \(p)"
                doc.rect(x: x, y: y, width: cell, height: cell, fill: Self.fill(d, limit: saturation), stroke: "#ffffff", className: "cell", tooltip: tip)
                let ink = Self.ink(on: Self.fill(d, limit: saturation))
                doc.text((d > 0 ? "+" : "") + SVG.num(d), x: x + cell / 2, y: y + cell / 2 + (stars.isEmpty ? 4 : 0), anchor: "middle", fill: ink, className: "cell-value")
                if !stars.isEmpty {
                    doc.text(stars, x: x + cell / 2, y: y + cell / 2 + 15, anchor: "middle", size: 13, weight: "bold", fill: ink, className: "stars")
                }
            }
        }
        doc.add("</g>")
        let note = numbered ? "rows minus columns (numbered as the rows)" : "rows minus columns"
        doc.text("\(note); colour: the difference; stars: \(testLabel)-adjusted p", x: m, y: grid.bottom + 22, size: 11, fill: ChartLayout.mutedText)
        return doc.render()
    }
}
