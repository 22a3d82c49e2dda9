/// A rubric dimension over the course of the discussions: the mean score at each turn position, one line
/// (with markers) per condition.
///
/// The x axis is an integer position (in SDF reports: the user turn, 1-based, so that conditions with and
/// without moderator turns line up); the y axis spans the dimension's fixed scale. Series keep the colour of
/// their condition's index in ``categories`` and add a distinct marker shape (circle, square, triangle,
/// diamond) so they can be told apart in greyscale too. Series are dodged horizontally by a few pixels
/// (up to 9 px, at most a tenth of the distance between positions), so conditions with identical means stay visible
/// side by side instead of hiding each other. Points with an interval get a translucent band (the series' colour
/// at 15 % opacity) from ``Point/lower`` to ``Point/upper`` along the line, so a reader sees which wiggles are
/// within the noise. With more than ``maxOverlaid`` conditions the chart is drawn as small multiples: one panel
/// per condition (two per row, the same axes, titled with the condition's full name), no dodging.
public struct TurnSeriesChart: SVGChart, Hashable {
    /// The mean at one position.
    public struct Point: Sendable, Hashable, Codable {
        /// The position (≥ 1).
        public var x: Int
        /// The mean score there.
        public var mean: Double
        /// Observations averaged.
        public var n: Int
        /// Lower end of the point's confidence interval (SDF reports: the 95 % Student-t interval of the mean
        /// over the comments at this position); `nil` when not computed (n < 2).
        public var lower: Double?
        /// Upper end of the interval; `nil` when `lower` is.
        public var upper: Double?

        /// Creates a point.
        public init(x: Int, mean: Double, n: Int, lower: Double? = nil, upper: Double? = nil) {
            self.x = x
            self.mean = mean
            self.n = n
            self.lower = lower
            self.upper = upper
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

    /// Above this many conditions the chart is drawn as small multiples (one panel per condition, two per row,
    /// same axes) instead of overlaid lines whose bands would hide each other.
    public static let maxOverlaid = 3

    /// Renders the chart; "no data" when no series has a point.
    public func svg() -> String {
        let points = series.flatMap(\.points).filter { $0.mean.isFinite && $0.x >= 1 }
        guard let maxX = points.map(\.x).max() else { return ChartLayout.noData(title: title) }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let hasBands = points.contains { $0.lower != nil && $0.upper != nil }
        let faceted = categories.count > Self.maxOverlaid
        var legendItems: [LegendItem] = faceted ? [] : categories.enumerated().map {
            LegendItem(label: $0.element, color: OkabeIto.color($0.offset), marker: $0.offset, withLine: true)
        }
        if hasBands { legendItems.append(LegendItem(label: "shaded: 95% interval of the mean at each turn", color: "#cccccc", marker: nil)) }
        if legendItems.isEmpty { legendItems.append(LegendItem(label: "mean at each turn", color: ChartLayout.axisColor, marker: 0, withLine: true)) }
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let top = ChartLayout.titleHeight + legendHeight + 8
        let scale = NiceScale.fixed(scaleMin, scaleMax)
        if !faceted {
            let plot = Box(x: m + 52, y: top + 6, width: contentWidth - 60, height: 240)
            var doc = SVGDocument(width: ChartLayout.width, height: plot.bottom + 44, title: title)
            ChartLayout.title(&doc, title)
            ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
            doc.add("<g class=\"panel\">")
            ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: yTitle)
            xAxis(&doc, plot: plot, maxX: maxX)
            for index in categories.indices { draw(&doc, index, plot: plot, scale: scale, maxX: maxX, dodged: true) }
            doc.add("</g>")
            return doc.render()
        }
        // Small multiples: two panels per row, each titled with its condition (wrapped, never cut).
        let gap = 24.0
        let panelWidth = (contentWidth - gap) / 2
        let titles = categories.map { SVG.wrap($0, maxWidth: panelWidth - 18, size: 12, maxLines: 2) }
        let header = 8 + 15 * Double(titles.map(\.count).max() ?? 1)
        let plotHeight = 130.0
        let blockHeight = header + plotHeight + 40
        let rows = (categories.count + 1) / 2
        var doc = SVGDocument(width: ChartLayout.width, height: top + Double(rows) * (blockHeight + 8) + 4, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        for index in categories.indices {
            let px = m + Double(index % 2) * (panelWidth + gap)
            let blockTop = top + Double(index / 2) * (blockHeight + 8)
            let plot = Box(x: px + 52, y: blockTop + header, width: panelWidth - 56, height: plotHeight)
            doc.add("<g class=\"panel\">")
            doc.rect(x: px, y: blockTop + 4, width: 10, height: 10, fill: OkabeIto.color(index), className: "legend-swatch")
            for (l, line) in titles[index].enumerated() {
                doc.text(line, x: px + 14, y: blockTop + 14 + 15 * Double(l), weight: "bold", className: "panel-title",
                    tooltip: l == 0 && titles[index].count > 1 ? categories[index] : nil)
            }
            ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: "mean")
            xAxis(&doc, plot: plot, maxX: maxX)
            draw(&doc, index, plot: plot, scale: scale, maxX: maxX, dodged: false)
            doc.add("</g>")
        }
        return doc.render()
    }

    /// The x position of turn `x` in `plot` (integer positions 1…maxX, half a step of padding on each side).
    func px(_ x: Int, _ plot: Box, maxX: Int) -> Double {
        plot.x + (Double(x) - 0.5) / Double(maxX) * plot.width
    }

    /// Ticks and labels of the turn axis, and its title.
    func xAxis(_ doc: inout SVGDocument, plot: Box, maxX: Int) {
        let step = max(1, Int(NiceScale.niceNumber(Double(maxX) / 10, round: true).rounded(.up)))
        var ticks = [1]
        var t = step
        while t <= maxX {
            if t > 1 { ticks.append(t) }
            t += step
        }
        for tick in ticks {
            let x = px(tick, plot, maxX: maxX)
            doc.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 5, stroke: ChartLayout.axisColor, className: "tick-x")
            doc.text(String(tick), x: x, y: plot.bottom + 18, anchor: "middle", size: 11, className: "tick-label-x")
        }
        doc.text(xTitle, x: plot.x + plot.width / 2, y: plot.bottom + 36, anchor: "middle", size: 11, fill: ChartLayout.mutedText, className: "axis-title")
    }

    /// One condition's band, line and markers in `plot`.
    func draw(_ doc: inout SVGDocument, _ index: Int, plot: Box, scale: NiceScale, maxX: Int, dodged: Bool) {
        let category = categories[index]
        guard let s = series.first(where: { $0.label == category }) else { return }
        let sorted = s.points.filter { $0.mean.isFinite && $0.x >= 1 }.sorted { $0.x < $1.x }
        guard !sorted.isEmpty else { return }
        let color = OkabeIto.color(index)
        let stepWidth = plot.width / Double(maxX)
        let dodge = dodged
            ? (Double(index) - Double(categories.count - 1) / 2) * min(9, stepWidth * 0.1 / Double(max(1, categories.count - 1))) : 0
        func x(_ point: Point) -> String { SVG.num(px(point.x, plot, maxX: maxX) + dodge) }
        // The interval band: contiguous runs of points that have an interval.
        var runs: [[Point]] = [[]]
        for point in sorted {
            if point.lower?.isFinite == true, point.upper?.isFinite == true {
                if let last = runs[runs.count - 1].last, last.x != point.x - 1 { runs.append([]) }
                runs[runs.count - 1].append(point)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        for run in runs where run.count >= 2 {
            let upperEdge = run.map { "\(x($0)),\(SVG.num(ChartLayout.y($0.upper!, scale, plot)))" }
            let lowerEdge = run.reversed().map { "\(x($0)),\(SVG.num(ChartLayout.y($0.lower!, scale, plot)))" }
            doc.add("<polygon class=\"band\" fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\((upperEdge + lowerEdge).joined(separator: " "))\"/>")
        }
        let path = sorted.map { "\(x($0)),\(SVG.num(ChartLayout.y($0.mean, scale, plot)))" }.joined(separator: " ")
        if sorted.count > 1 {
            doc.add("<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>")
        }
        for point in sorted {
            let interval = point.lower.flatMap { lo in point.upper.map { " [\(SVG.num(lo)), \(SVG.num($0))]" } } ?? ""
            let tip = "\(category), \(xTitle) \(point.x): mean \(SVG.num(point.mean))\(interval), n = \(point.n)"
            ChartLayout.marker(&doc, shape: index, x: px(point.x, plot, maxX: maxX) + dodge, y: ChartLayout.y(point.mean, scale, plot),
                color: color, size: 4.5, className: "point", tooltip: tip)
        }
    }
}
