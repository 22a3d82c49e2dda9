/// Means with confidence intervals per condition, one panel per rubric dimension (a forest plot: dot + error bar).
///
/// Conditions are rows, listed top to bottom in ``categories`` order with their full names at the left (wrapped
/// onto two lines at `/`, `_`, `-` or spaces when long, so `strategy/model` names are never cut to an
/// indistinguishable prefix), and keep the same colour (``OkabeIto/color(_:)`` of their index) in every chart of a
/// report. Each panel's horizontal axis spans the dimension's fixed scale (e.g. 1–5), never the observed range, so
/// panels of the same scale compare directly; panels sit two per row and share the row labels. The interval is
/// drawn over the marker with caps taller than the marker, so an interval narrower than the dot stays visible.
/// The number of observations behind each mean is printed at the right of its panel.
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
        let legendItems = [LegendItem(label: intervalLabel, color: ChartLayout.axisColor, marker: nil, errorBar: true, horizontal: true)]
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let columns = min(2, panels.count)
        let gap = 20.0
        let nWidth = 44.0
        // The label column takes what its longest (wrapped) label needs, at most 40 % of the width.
        let labelLimit = contentWidth * 0.4
        let wrapped = categories.map { SVG.wrap($0, maxWidth: labelLimit, size: 11, maxLines: 2) }
        let labelWidth = min(labelLimit, (wrapped.flatMap { $0 }.map { SVG.textWidth($0, size: 11) }.max() ?? 0)) + 10
        let panelWidth = (contentWidth - labelWidth - gap * Double(columns - 1)) / Double(columns)
        let rowHeights = wrapped.map { 12 + 13 * Double($0.count) }
        let plotHeight = rowHeights.reduce(0, +)
        // Panel titles wrap onto up to three lines rather than being cut; every block reserves the tallest title.
        let titles = panels.map { SVG.wrap($0.title, maxWidth: panelWidth - nWidth, size: 12, maxLines: 3) }
        let header = 8 + 15 * Double(titles.map(\.count).max() ?? 1)
        let blockHeight = header + plotHeight + 40
        let rows = (panels.count + columns - 1) / columns
        let top = ChartLayout.titleHeight + legendHeight + 8
        let height = top + Double(rows) * (blockHeight + 12) + 4
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        var rowTops: [Double] = []
        var running = 0.0
        for h in rowHeights {
            rowTops.append(running)
            running += h
        }
        for (index, panel) in panels.enumerated() {
            let column = index % columns
            let blockTop = top + Double(index / columns) * (blockHeight + 12)
            let px = m + labelWidth + Double(column) * (panelWidth + gap)
            let plot = Box(x: px, y: blockTop + header, width: panelWidth - nWidth, height: plotHeight)
            let scale = NiceScale.fixed(panel.scaleMin, panel.scaleMax)
            doc.add("<g class=\"panel\">")
            doc.rect(x: plot.x, y: plot.y, width: plot.width, height: plot.height, fill: "#fafafa", stroke: "#d0d0d0", className: "plot-area")
            func x(_ value: Double) -> Double {
                let t = (value - scale.lower) / (scale.upper - scale.lower)
                return plot.x + min(1, max(0, t)) * plot.width
            }
            for tick in scale.ticks {
                let tx = x(tick)
                doc.line(x1: tx, y1: plot.y, x2: tx, y2: plot.bottom, stroke: ChartLayout.gridColor, className: "grid")
                doc.line(x1: tx, y1: plot.bottom, x2: tx, y2: plot.bottom + 5, stroke: ChartLayout.axisColor, className: "tick-x")
                doc.text(scale.label(tick), x: tx, y: plot.bottom + 17, anchor: "middle", size: 11, className: "tick-label-x")
            }
            doc.line(x1: plot.x, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: ChartLayout.axisColor, className: "axis")
            doc.text(SVG.truncate(panel.axisTitle, Int(plot.width / (11 * 0.6))), x: plot.x + plot.width / 2, y: plot.bottom + 33,
                anchor: "middle", size: 11, fill: ChartLayout.mutedText, className: "axis-title")
            for (l, line) in titles[index].enumerated() {
                doc.text(line, x: px, y: blockTop + 14 + 15 * Double(l), weight: "bold", className: "panel-title",
                    tooltip: l == 0 && titles[index].count > 1 ? panel.title : nil)
            }
            doc.text("n", x: plot.right + nWidth - 2, y: plot.y - 4, anchor: "end", size: 11, fill: ChartLayout.mutedText)
            for (c, category) in categories.enumerated() {
                let cy = plot.y + rowTops[c] + rowHeights[c] / 2
                if column == 0 {
                    let lines = wrapped[c]
                    for (l, line) in lines.enumerated() {
                        let ly = cy + 4 + 13 * (Double(l) - Double(lines.count - 1) / 2)
                        doc.text(line, x: m, y: ly, size: 11, className: "row-label",
                            tooltip: l == 0 && lines.joined() != category ? category : nil)
                    }
                }
                let point = panel.points.first { $0.label == category }
                doc.text(String(point?.n ?? 0), x: plot.right + nWidth - 2, y: cy + 4, anchor: "end", size: 10, fill: ChartLayout.mutedText,
                    className: "n-label")
                guard let point, point.mean.isFinite else { continue }
                let color = OkabeIto.color(c)
                let tip = "\(category): mean \(SVG.num(point.mean)), \(intervalLabel) [\(SVG.num(point.lower)), \(SVG.num(point.upper))], n = \(point.n)"
                ChartLayout.marker(&doc, shape: 0, x: x(point.mean), y: cy, color: color, size: 4.5, className: "point", tooltip: tip)
                // The interval over the marker; caps (12 px) are taller than the dot (9 px).
                let lo = x(min(point.lower, point.mean))
                let hi = x(max(point.upper, point.mean))
                let cap = min(6, rowHeights[c] / 2 - 1)
                doc.line(x1: lo, y1: cy, x2: hi, y2: cy, stroke: color, width: 2, className: "ci")
                doc.line(x1: lo, y1: cy - cap, x2: lo, y2: cy + cap, stroke: color, width: 2, className: "ci")
                doc.line(x1: hi, y1: cy - cap, x2: hi, y2: cy + cap, stroke: color, width: 2, className: "ci")
            }
            doc.add("</g>")
        }
        return doc.render()
    }
}
