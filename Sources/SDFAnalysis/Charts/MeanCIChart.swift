/// Means with confidence intervals per condition, one panel per rubric dimension (dot + error bar).
///
/// Each panel's y axis spans the dimension's fixed scale (e.g. 1–5), never the observed range, so panels of
/// the same scale compare directly. Conditions are placed left to right in ``categories`` order and keep the
/// same colour (``OkabeIto/color(_:)`` of their index) in every chart of a report.
public struct MeanCIChart: SVGChart, Hashable {
    /// One condition's estimate in one panel.
    public struct Point: Sendable, Hashable {
        /// The condition label (one of the chart's ``MeanCIChart/categories``).
        public var label: String
        /// The number of observations behind the mean (shown under the axis as `n = …`).
        public var n: Int
        /// The mean, in the panel's scale units.
        public var mean: Double
        /// The interval's lower end (≤ `mean`).
        public var lower: Double
        /// The interval's upper end (≥ `mean`).
        public var upper: Double

        /// Creates a point.
        public init(label: String, n: Int, mean: Double, lower: Double, upper: Double) {
            self.label = label
            self.n = n
            self.mean = mean
            self.lower = lower
            self.upper = upper
        }
    }

    /// One rubric dimension.
    public struct Panel: Sendable, Hashable {
        /// The panel heading, e.g. `toxicity`.
        public var title: String
        /// The y-axis title, e.g. `mean score (1–5, higher = more toxic)`.
        public var axisTitle: String
        /// The scale's lowest point (axis lower end).
        public var scaleMin: Double
        /// The scale's highest point (axis upper end; > `scaleMin`).
        public var scaleMax: Double
        /// The estimates; conditions without data are simply absent (drawn as `n = 0`).
        public var points: [Point]

        /// Creates a panel.
        public init(title: String, axisTitle: String, scaleMin: Double, scaleMax: Double, points: [Point]) {
            self.title = title
            self.axisTitle = axisTitle
            self.scaleMin = scaleMin
            self.scaleMax = scaleMax
            self.points = points
        }
    }

    /// The chart title.
    public var title: String
    /// Condition labels in display (and colour) order.
    public var categories: [String]
    /// Panels, drawn two per row.
    public var panels: [Panel]
    /// What the error bars show, for the legend, e.g. `95% bootstrap CI`.
    public var intervalLabel: String

    /// Creates a chart.
    public init(title: String, categories: [String], panels: [Panel], intervalLabel: String = "95% bootstrap CI") {
        self.title = title
        self.categories = categories
        self.panels = panels
        self.intervalLabel = intervalLabel
    }

    /// Renders the chart; "no data" when there is no panel, no category or no point at all.
    public func svg() -> String {
        guard !categories.isEmpty, panels.contains(where: { !$0.points.isEmpty }) else {
            return ChartLayout.noData(title: title)
        }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let legendItems = categories.enumerated().map { LegendItem(label: $0.element, color: OkabeIto.color($0.offset), marker: 0) }
            + [LegendItem(label: intervalLabel, color: ChartLayout.axisColor, marker: nil, errorBar: true)]
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let columns = min(2, panels.count)
        let rows = (panels.count + columns - 1) / columns
        let gap = 24.0
        let panelWidth = (contentWidth - gap * Double(columns - 1)) / Double(columns)
        let panelHeight = 22.0 + 220 + 44
        let top = ChartLayout.titleHeight + legendHeight + 8
        let height = top + Double(rows) * (panelHeight + 12) + 4
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        for (index, panel) in panels.enumerated() {
            let px = m + Double(index % columns) * (panelWidth + gap)
            let py = top + Double(index / columns) * (panelHeight + 12)
            let plot = Box(x: px + 52, y: py + 22, width: panelWidth - 56, height: 220)
            let scale = NiceScale.fixed(panel.scaleMin, panel.scaleMax)
            doc.add("<g class=\"panel\">")
            ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: panel.axisTitle)
            let titleChars = Int(panelWidth / (12 * 0.62))
            doc.text(SVG.truncate(panel.title, titleChars), x: px, y: py + 14, weight: "bold", className: "panel-title",
                tooltip: panel.title.count > titleChars ? panel.title : nil)
            let band = plot.width / Double(categories.count)
            let maxChars = max(4, Int((band - 4) / (11 * 0.6)))
            for (c, category) in categories.enumerated() {
                let cx = plot.x + band * (Double(c) + 0.5)
                let point = panel.points.first { $0.label == category }
                doc.text(SVG.truncate(category, maxChars), x: cx, y: plot.bottom + 16, anchor: "middle", size: 11, className: "tick-label-x",
                    tooltip: category.count > maxChars ? category : nil)
                doc.text("n = \(point?.n ?? 0)", x: cx, y: plot.bottom + 30, anchor: "middle", size: 10, fill: ChartLayout.mutedText)
                guard let point, point.mean.isFinite else { continue }
                let color = OkabeIto.color(c)
                let lo = ChartLayout.y(min(point.lower, point.mean), scale, plot)
                let hi = ChartLayout.y(max(point.upper, point.mean), scale, plot)
                let cap = min(10, band * 0.3)
                doc.line(x1: cx, y1: lo, x2: cx, y2: hi, stroke: color, width: 2, className: "ci")
                doc.line(x1: cx - cap / 2, y1: lo, x2: cx + cap / 2, y2: lo, stroke: color, width: 2, className: "ci")
                doc.line(x1: cx - cap / 2, y1: hi, x2: cx + cap / 2, y2: hi, stroke: color, width: 2, className: "ci")
                let tip = "\(category): mean \(SVG.num(point.mean)), \(intervalLabel) [\(SVG.num(point.lower)), \(SVG.num(point.upper))], n = \(point.n)"
                ChartLayout.marker(&doc, shape: 0, x: cx, y: ChartLayout.y(point.mean, scale, plot), color: color, size: 5.5, className: "point", tooltip: tip)
            }
            doc.add("</g>")
        }
        return doc.render()
    }
}
