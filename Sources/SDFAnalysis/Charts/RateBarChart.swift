/// Rates in [0, 1] as bars, one per category (in SDF reports: the moderator's intervention rate per
/// strategy), labelled with the percentage and a detail line such as `24 of 40 turns`.
public struct RateBarChart: SVGChart, Hashable {
    /// One bar.
    public struct Bar: Sendable, Hashable {
        /// The category label.
        public var label: String
        /// The rate in [0, 1]; `nil` draws `n/a` (e.g. a strategy without a moderator).
        public var value: Double?
        /// A short line under the label, e.g. `24 of 40 turns`.
        public var detail: String

        /// Creates a bar.
        public init(label: String, value: Double?, detail: String) {
            self.label = label
            self.value = value
            self.detail = detail
        }
    }

    /// The chart title.
    public var title: String
    /// The y-axis title, e.g. `intervention rate`.
    public var yTitle: String
    /// What a bar measures, for the legend, e.g. `moderator comments ÷ moderator turns`.
    public var legendLabel: String
    /// The bars, left to right; bar i takes ``OkabeIto/color(_:)`` of `colorIndex[i]` when given, else i.
    public var bars: [Bar]
    /// Optional colour indices per bar (same length as `bars`), to match other charts' condition colours.
    public var colorIndex: [Int]

    /// Creates a chart.
    public init(title: String, yTitle: String, legendLabel: String, bars: [Bar], colorIndex: [Int] = []) {
        self.title = title
        self.yTitle = yTitle
        self.legendLabel = legendLabel
        self.bars = bars
        self.colorIndex = colorIndex
    }

    /// Renders the chart; "no data" when there is no bar with a value.
    public func svg() -> String {
        guard bars.contains(where: { $0.value?.isFinite == true }) else { return ChartLayout.noData(title: title) }
        let m = ChartLayout.margin
        let contentWidth = ChartLayout.width - 2 * m
        let legendItems = [LegendItem(label: legendLabel, color: "#9a9a9a", marker: nil)]
        let legendHeight = ChartLayout.legendHeight(legendItems, maxWidth: contentWidth)
        let top = ChartLayout.titleHeight + legendHeight + 8
        let plot = Box(x: m + 52, y: top + 6, width: contentWidth - 60, height: 200)
        let height = plot.bottom + 44
        var doc = SVGDocument(width: ChartLayout.width, height: height, title: title)
        ChartLayout.title(&doc, title)
        ChartLayout.legend(&doc, legendItems, x: m, y: ChartLayout.titleHeight, maxWidth: contentWidth)
        let scale = NiceScale.fixed(0, 1)
        doc.add("<g class=\"panel\">")
        ChartLayout.yAxis(&doc, plot: plot, scale: scale, title: yTitle, labelScale: 100, suffix: "%")
        let band = plot.width / Double(bars.count)
        let barWidth = min(90, band * 0.6)
        let maxChars = max(4, Int((band - 4) / (11 * 0.6)))
        for (i, bar) in bars.enumerated() {
            let cx = plot.x + band * (Double(i) + 0.5)
            let color = OkabeIto.color(colorIndex.count == bars.count ? colorIndex[i] : i)
            doc.text(SVG.truncate(bar.label, maxChars), x: cx, y: plot.bottom + 16, anchor: "middle", size: 11, className: "tick-label-x",
                tooltip: bar.label.count > maxChars ? bar.label : nil)
            doc.text(SVG.truncate(bar.detail, maxChars), x: cx, y: plot.bottom + 30, anchor: "middle", size: 10, fill: ChartLayout.mutedText)
            guard let value = bar.value, value.isFinite else {
                doc.text("n/a", x: cx, y: plot.bottom - 8, anchor: "middle", size: 11, fill: ChartLayout.mutedText, className: "bar-value")
                continue
            }
            let v = min(1, max(0, value))
            let y = ChartLayout.y(v, scale, plot)
            doc.rect(x: cx - barWidth / 2, y: y, width: barWidth, height: plot.bottom - y, fill: color, className: "bar",
                tooltip: "\(bar.label): \(SVG.num(v * 100, decimals: 1))% (\(bar.detail))")
            doc.text(SVG.num(v * 100, decimals: 0) + "%", x: cx, y: max(plot.y + 12, y - 5), anchor: "middle", size: 11, weight: "bold", className: "bar-value")
        }
        doc.add("</g>")
        return doc.render()
    }
}
