/// The distribution of one dimension's scores over its fixed scale points: for each point, one bar per
/// condition showing the share of that condition's scores at the point (so conditions of different sizes
/// compare).
public struct ScoreHistogram: SVGChart, Hashable {
    /// One condition's counts.
    public struct Series: Sendable, Hashable {
        /// The condition label (one of the chart's categories).
        public var label: String
        /// Counts per scale point, in ``ScoreHistogram/points`` order (same length).
        public var counts: [Int]

        /// Creates a series.
        public init(label: String, counts: [Int]) {
            self.label = label
            self.counts = counts
        }

        /// The total count.
        public var total: Int { counts.reduce(0, +) }
    }

    /// The chart title.
    public var title: String
    /// The x-axis title, e.g. `toxicity score (higher = more toxic)`.
    public var xTitle: String
    /// The scale points, in order, e.g. `[1, 2, 3, 4, 5]` (every point gets a slot, observed or not).
    public var points: [Int]
    /// Optional words for each point (same length as `points`), shown under the numbers, e.g. `not toxic`.
    public var pointLabels: [String]
    /// Condition labels in colour order.
    public var categories: [String]
    /// The counts.
    public var series: [Series]

    /// Creates a histogram.
    public init(title: String, xTitle: String, points: [Int], pointLabels: [String] = [], categories: [String], series: [Series]) {
        self.title = title
        self.xTitle = xTitle
        self.points = points
        self.pointLabels = pointLabels
        self.categories = categories
        self.series = series
    }

    /// Renders the chart; "no data" when there is no point, or no count at all.
    public func svg() -> String {
        let drawn = categories.compactMap { c in series.first { $0.label == c && $0.counts.count == points.count && $0.total > 0 } }
        guard !points.isEmpty, !drawn.isEmpty else { return ChartLayout.noData(title: title) }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let legendItems = categories.enumerated().map { index, label in
            LegendItem(label: "\(label) (\(series.first { $0.label == label }?.total ?? 0) ratings)", color: OkabeIto.color(index), marker: nil)
        }
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let top = ChartLayout.titleHeight + legendHeight + 8
        let withWords = pointLabels.count == points.count
        let plot = Box(x: m + 52, y: top + 6, width: contentWidth - 60, height: 220)
        let height = plot.bottom + (withWords ? 58 : 44)
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        var maxShare = 0.0
        for s in drawn {
            for c in s.counts { maxShare = max(maxShare, Double(c) / Double(s.total)) }
        }
        var scale = NiceScale(minimum: 0, maximum: min(1, maxShare), targetTicks: 5)
        if scale.upper > 1 { scale = NiceScale.fixed(0, 1) }
        doc.add("<g class=\"panel\">")
        ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: "share of scores", labelScale: 100, suffix: "%")
        let band = plot.width / Double(points.count)
        let group = band * 0.8
        let barWidth = group / Double(max(1, categories.count))
        let wordChars = max(4, Int((band - 4) / (10 * 0.6)))
        for (p, point) in points.enumerated() {
            let bx = plot.x + band * Double(p)
            doc.text(String(point), x: bx + band / 2, y: plot.bottom + 16, anchor: "middle", size: 11, className: "tick-label-x")
            if withWords {
                doc.text(SVG.truncate(pointLabels[p], wordChars), x: bx + band / 2, y: plot.bottom + 29, anchor: "middle", size: 10, fill: ChartLayout.mutedText,
                    tooltip: pointLabels[p].count > wordChars ? pointLabels[p] : nil)
            }
            for (c, category) in categories.enumerated() {
                guard let s = drawn.first(where: { $0.label == category }) else { continue }
                let share = Double(s.counts[p]) / Double(s.total)
                let top = ChartLayout.y(share, scale, plot)
                let x = bx + (band - group) / 2 + barWidth * Double(c)
                let tip = "\(category), score \(point): \(s.counts[p]) of \(s.total) (\(SVG.num(share * 100, decimals: 1))%)"
                doc.rect(x: x + 0.5, y: top, width: barWidth - 1, height: plot.bottom - top, fill: OkabeIto.color(c), className: "bar", tooltip: tip)
            }
        }
        doc.text(xTitle, x: plot.x + plot.width / 2, y: height - 8, anchor: "middle", size: 11, fill: ChartLayout.mutedText, className: "axis-title")
        doc.add("</g>")
        return doc.render()
    }
}
