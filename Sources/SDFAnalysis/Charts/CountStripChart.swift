/// Small counts per unit as a dot plot: one row per category, one dot per unit (in SDF reports: the
/// moderator's comments in each discussion, one row per moderated condition), equal counts stacked upwards,
/// and the category's mean as a vertical tick.
///
/// The x axis counts from 0 to at least 4 with integer "nice" ticks (``NiceScale``); a row is as tall as its
/// tallest stack needs (dots 9 units apart, rows 34–124 units), so the chart's height depends only on the
/// input's shape.
public struct CountStripChart: SVGChart, Hashable {
    /// One row.
    public struct Row: Sendable, Hashable {
        /// The category label, e.g. a condition.
        public var label: String
        /// One count (≥ 0) per unit, e.g. per discussion.
        public var counts: [Int]

        /// Creates a row.
        public init(label: String, counts: [Int]) {
            self.label = label
            self.counts = counts
        }
    }

    /// The chart title.
    public var title: String
    /// The x-axis title, e.g. `moderator comments per discussion`.
    public var xTitle: String
    /// What a dot is, for the legend, e.g. `one discussion`.
    public var unitLabel: String
    /// The rows, top to bottom; row i takes ``OkabeIto/color(_:)`` of `colorIndex[i]` when given, else i.
    public var rows: [Row]
    /// Optional colour indices per row (same length as `rows`), to match other charts' condition colours.
    public var colorIndex: [Int]

    /// Creates a chart.
    public init(title: String, xTitle: String, unitLabel: String, rows: [Row], colorIndex: [Int] = []) {
        self.title = title
        self.xTitle = xTitle
        self.unitLabel = unitLabel
        self.rows = rows
        self.colorIndex = colorIndex
    }

    /// Renders the chart; "no data" when no row has a count.
    public func svg() -> String {
        guard rows.contains(where: { !$0.counts.isEmpty }) else { return ChartLayout.noData(title: title) }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let legendItems = [
            LegendItem(label: unitLabel, color: "#9a9a9a", marker: 0), LegendItem(label: "mean", color: ChartLayout.axisColor, marker: nil),
        ]
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let top = ChartLayout.titleHeight + legendHeight + 8
        let labelWidth = 150.0
        let spacing = 9.0
        let heights = rows.map { row -> Double in
            let tallest = Dictionary(grouping: row.counts, by: { $0 }).values.map(\.count).max() ?? 0
            return Swift.min(124, Swift.max(34, Double(tallest) * spacing + 16))
        }
        let plot = Box(x: m + labelWidth, y: top + 6, width: contentWidth - labelWidth - 12, height: heights.reduce(0, +))
        let height = plot.bottom + 48
        let largest = rows.flatMap(\.counts).max() ?? 0
        let scale = NiceScale(minimum: 0, maximum: Double(Swift.max(4, largest)))
        func x(_ value: Double) -> Double {
            plot.x + (value - scale.lower) / (scale.upper - scale.lower) * plot.width
        }
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        doc.add("<g class=\"panel\">")
        doc.rect(x: plot.x, y: plot.y, width: plot.width, height: plot.height, fill: "#fafafa", stroke: "#d0d0d0", className: "plot-area")
        for tick in scale.ticks {
            let tx = x(tick)
            doc.line(x1: tx, y1: plot.y, x2: tx, y2: plot.bottom, stroke: ChartLayout.gridColor, className: "grid")
            doc.line(x1: tx, y1: plot.bottom, x2: tx, y2: plot.bottom + 5, stroke: ChartLayout.axisColor, className: "tick-x")
            doc.text(scale.label(tick), x: tx, y: plot.bottom + 18, anchor: "middle", size: 11, className: "tick-label-x")
        }
        doc.line(x1: plot.x, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: ChartLayout.axisColor, className: "axis")
        doc.text(SVG.truncate(xTitle, 80), x: plot.x + plot.width / 2, y: plot.bottom + 38, anchor: "middle", size: 11, fill: ChartLayout.mutedText,
            className: "axis-title")
        let maxChars = Int((labelWidth - 10) / (11 * 0.6))
        var rowTop = plot.y
        for (i, row) in rows.enumerated() {
            let rowBottom = rowTop + heights[i]
            if i > 0 { doc.line(x1: plot.x, y1: rowTop, x2: plot.right, y2: rowTop, stroke: "#d0d0d0", className: "row-separator") }
            let color = OkabeIto.color(colorIndex.count == rows.count ? colorIndex[i] : i)
            doc.text(SVG.truncate(row.label, maxChars), x: plot.x - 8, y: (rowTop + rowBottom) / 2 + 4, anchor: "end", size: 11,
                className: "category-label", tooltip: row.label.count > maxChars ? row.label : nil)
            let stackSpacing = Swift.min(spacing, (heights[i] - 16) / Double(Swift.max(1, (Dictionary(grouping: row.counts, by: { $0 }).values.map(\.count).max() ?? 1) - 1)))
            var stacked: [Int: Int] = [:]
            for count in row.counts {
                let level = stacked[count, default: 0]
                stacked[count] = level + 1
                ChartLayout.marker(&doc, shape: 0, x: x(Double(count)), y: rowBottom - 8 - Double(level) * stackSpacing, color: color, size: 4,
                    className: "point", tooltip: "\(row.label): \(count)")
            }
            if let mean = Stats.mean(row.counts.map(Double.init)) {
                let mx = x(mean)
                doc.line(x1: mx, y1: rowTop + 3, x2: mx, y2: rowBottom - 3, stroke: ChartLayout.axisColor, width: 2, className: "series")
                let leftOfLine = mx + 60 > plot.right
                doc.text("mean " + SVG.num(mean, decimals: 1), x: leftOfLine ? mx - 4 : mx + 4, y: rowTop + 12,
                    anchor: leftOfLine ? "end" : "start", size: 10, fill: ChartLayout.mutedText, className: "mean-label")
            }
            rowTop = rowBottom
        }
        doc.add("</g>")
        return doc.render()
    }
}
