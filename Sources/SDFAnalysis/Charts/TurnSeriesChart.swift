/// A rubric dimension over the course of the discussions: the mean score at each turn position, one line
/// (with markers) per condition.
///
/// The x axis is an integer position (in SDF reports: the user turn, 1-based, so that conditions with and
/// without moderator turns line up); the y axis spans the dimension's fixed scale. Series keep the colour of
/// their condition's index in ``categories`` and add a distinct marker shape (circle, square, triangle,
/// diamond) so they can be told apart in greyscale too. Series are dodged horizontally by a few pixels
/// (up to 9 px, at most a tenth of the distance between positions), so conditions with identical means stay visible
/// side by side instead of hiding each other.
public struct TurnSeriesChart: SVGChart, Hashable {
    /// The mean at one position.
    public struct Point: Sendable, Hashable, Codable {
        /// The position (≥ 1).
        public var x: Int
        /// The mean score there.
        public var mean: Double
        /// Observations averaged.
        public var n: Int

        /// Creates a point.
        public init(x: Int, mean: Double, n: Int) {
            self.x = x
            self.mean = mean
            self.n = n
        }
    }

    /// One condition's line.
    public struct Series: Sendable, Hashable {
        /// The condition label (one of the chart's categories).
        public var label: String
        /// Points in any order; they are joined in increasing `x`.
        public var points: [Point]

        /// Creates a series.
        public init(label: String, points: [Point]) {
            self.label = label
            self.points = points
        }
    }

    /// The chart title.
    public var title: String
    /// The x-axis title, e.g. `user turn`.
    public var xTitle: String
    /// The y-axis title, e.g. `mean toxicity (1–5)`.
    public var yTitle: String
    /// The scale's lowest point.
    public var scaleMin: Double
    /// The scale's highest point (> `scaleMin`).
    public var scaleMax: Double
    /// Condition labels in colour order.
    public var categories: [String]
    /// The lines.
    public var series: [Series]

    /// Creates a chart.
    public init(
        title: String, xTitle: String, yTitle: String, scaleMin: Double, scaleMax: Double, categories: [String],
        series: [Series]
    ) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.scaleMin = scaleMin
        self.scaleMax = scaleMax
        self.categories = categories
        self.series = series
    }

    /// Renders the chart; "no data" when no series has a point.
    public func svg() -> String {
        let points = series.flatMap(\.points).filter { $0.mean.isFinite && $0.x >= 1 }
        guard let maxX = points.map(\.x).max() else { return ChartLayout.noData(title: title) }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let legendItems = categories.enumerated().map {
            LegendItem(label: $0.element, color: OkabeIto.color($0.offset), marker: $0.offset, withLine: true)
        }
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let top = ChartLayout.titleHeight + legendHeight + 8
        let plot = Box(x: m + 52, y: top + 6, width: contentWidth - 60, height: 240)
        let height = plot.bottom + 44
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        let scale = NiceScale.fixed(scaleMin, scaleMax)
        doc.add("<g class=\"panel\">")
        ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: yTitle)
        // x: integer positions 1…maxX, half a step of padding on each side.
        let lowerX = 0.5
        let upperX = Double(maxX) + 0.5
        func px(_ x: Int) -> Double { plot.x + (Double(x) - lowerX) / (upperX - lowerX) * plot.width }
        let step = max(1, Int(NiceScale.niceNumber(Double(maxX) / 10, round: true).rounded(.up)))
        var ticks = [1]
        var t = step
        while t <= maxX {
            if t > 1 { ticks.append(t) }
            t += step
        }
        for tick in ticks {
            let x = px(tick)
            doc.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 5, stroke: ChartLayout.axisColor, className: "tick-x")
            doc.text(String(tick), x: x, y: plot.bottom + 18, anchor: "middle", size: 11, className: "tick-label-x")
        }
        doc.text(xTitle, x: plot.x + plot.width / 2, y: plot.bottom + 36, anchor: "middle", size: 11, fill: ChartLayout.mutedText, className: "axis-title")
        for (index, category) in categories.enumerated() {
            guard let s = series.first(where: { $0.label == category }) else { continue }
            let sorted = s.points.filter { $0.mean.isFinite && $0.x >= 1 }.sorted { $0.x < $1.x }
            guard !sorted.isEmpty else { continue }
            let color = OkabeIto.color(index)
            let stepWidth = plot.width / (upperX - lowerX)
            let dodge = (Double(index) - Double(categories.count - 1) / 2) * min(9, stepWidth * 0.1 / Double(max(1, categories.count - 1)))
            let path = sorted.map { "\(SVG.num(px($0.x) + dodge)),\(SVG.num(ChartLayout.y($0.mean, scale, plot)))" }.joined(separator: " ")
            if sorted.count > 1 {
                doc.add("<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>")
            }
            for point in sorted {
                let tip = "\(category), \(xTitle) \(point.x): mean \(SVG.num(point.mean)), n = \(point.n)"
                ChartLayout.marker(&doc, shape: index, x: px(point.x) + dodge, y: ChartLayout.y(point.mean, scale, plot), color: color, size: 4.5, className: "point", tooltip: tip)
            }
        }
        doc.add("</g>")
        return doc.render()
    }
}
