/// A chart that renders itself as a standalone SVG document.
///
/// Every renderer in SDF returns byte-stable text: a fixed `viewBox` computed from the input's shape only,
/// numbers with two decimals, no timestamps or random ids, text escaped for XML. A chart with nothing to
/// draw renders its title and the words "no data".
public protocol SVGChart: Sendable {
    /// The chart's title, drawn at the top and used as the SVG's accessible `<title>`.
    var title: String { get }
    /// The chart as an SVG document (UTF-8 text ending in a newline).
    func svg() -> String
}

/// One entry of a chart legend.
struct LegendItem {
    var label: String
    var color: String
    /// 0 circle, 1 square, 2 triangle, 3 diamond; `nil` draws a filled swatch.
    var marker: Int?
    /// Whether a short line is drawn through the marker (line charts).
    var withLine = false
    /// Whether the entry is an error-bar glyph (a bar with caps) instead of a marker or swatch.
    var errorBar = false
    /// Whether the error-bar glyph is horizontal (forest plots) rather than vertical.
    var horizontal = false
}

/// A rectangle in view-box units.
struct Box {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var right: Double { x + width }
    var bottom: Double { y + height }
}

/// Layout constants and drawing steps shared by the charts.
enum ChartLayout {
    static let width = 720.0
    static let margin = 16.0
    static let titleHeight = 34.0
    static let legendRowHeight = 20.0
    static let axisColor = "#444444"
    static let gridColor = "#e3e3e3"
    static let mutedText = "#555555"

    /// Draws the title at the top left.
    static func title(_ doc: inout SVGDocument, _ text: String) {
        doc.text(SVG.truncate(text, 95), x: margin, y: 22, size: 15, weight: "bold", className: "chart-title")
    }

    /// The rows a legend needs at `maxWidth`.
    static func legendRows(_ items: [LegendItem], maxWidth: Double) -> [[(LegendItem, Double)]] {
        var rows: [[(LegendItem, Double)]] = [[]]
        var used = 0.0
        for item in items {
            let label = SVG.truncate(item.label, legendChars(maxWidth))
            let itemWidth = 18 + SVG.textWidth(label, size: 12) + 18
            if used + itemWidth > maxWidth && !rows[rows.count - 1].isEmpty {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append((item, used))
            used += itemWidth
        }
        return rows.filter { !$0.isEmpty }
    }

    /// The most characters a legend label keeps: a whole row's width (long condition names get a row of their
    /// own rather than being cut).
    static func legendChars(_ maxWidth: Double) -> Int {
        max(8, Int((maxWidth - 36) / (12 * 0.58)))
    }

    /// The height a legend takes (0 for no items).
    static func legendHeight(_ items: [LegendItem], maxWidth: Double) -> Double {
        items.isEmpty ? 0 : Double(legendRows(items, maxWidth: maxWidth).count) * legendRowHeight
    }

    /// Draws a legend whose first row's centre line is at `y + 10`, starting at `x`.
    static func legend(_ doc: inout SVGDocument, _ items: [LegendItem], x: Double, y: Double, maxWidth: Double) {
        guard !items.isEmpty else { return }
        doc.add("<g class=\"legend\">")
        for (row, entries) in legendRows(items, maxWidth: maxWidth).enumerated() {
            let cy = y + Double(row) * legendRowHeight + 10
            for (item, offset) in entries {
                let cx = x + offset + 6
                if item.errorBar && item.horizontal {
                    doc.line(x1: cx - 7, y1: cy, x2: cx + 7, y2: cy, stroke: item.color, width: 2)
                    doc.line(x1: cx - 7, y1: cy - 5, x2: cx - 7, y2: cy + 5, stroke: item.color, width: 2)
                    doc.line(x1: cx + 7, y1: cy - 5, x2: cx + 7, y2: cy + 5, stroke: item.color, width: 2)
                } else if item.errorBar {
                    doc.line(x1: cx, y1: cy - 7, x2: cx, y2: cy + 7, stroke: item.color, width: 2)
                    doc.line(x1: cx - 4, y1: cy - 7, x2: cx + 4, y2: cy - 7, stroke: item.color, width: 2)
                    doc.line(x1: cx - 4, y1: cy + 7, x2: cx + 4, y2: cy + 7, stroke: item.color, width: 2)
                } else if let marker = item.marker {
                    if item.withLine { doc.line(x1: cx - 8, y1: cy, x2: cx + 8, y2: cy, stroke: item.color, width: 2) }
                    self.marker(&doc, shape: marker, x: cx, y: cy, color: item.color, className: "legend-marker")
                } else {
                    doc.rect(x: cx - 6, y: cy - 6, width: 12, height: 12, fill: item.color, className: "legend-swatch")
                }
                let chars = legendChars(maxWidth)
                doc.text(SVG.truncate(item.label, chars), x: cx + 12, y: cy + 4, tooltip: item.label.count > chars ? item.label : nil)
            }
        }
        doc.add("</g>")
    }

    /// Draws a marker of `shape` (0 circle, 1 square, 2 triangle, 3 diamond) centred on (`x`, `y`).
    static func marker(
        _ doc: inout SVGDocument, shape: Int, x: Double, y: Double, color: String, size: Double = 5, className: String,
        tooltip: String? = nil
    ) {
        let t = tooltip.map { "<title>\(SVG.escape($0))</title>" } ?? ""
        let common = "class=\"\(className)\" fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"1\""
        switch shape % 4 {
        case 0:
            doc.add("<circle \(common) cx=\"\(SVG.num(x))\" cy=\"\(SVG.num(y))\" r=\"\(SVG.num(size))\">\(t)</circle>")
        case 1:
            let s = size * 0.9
            doc.add(
                "<rect \(common) x=\"\(SVG.num(x - s))\" y=\"\(SVG.num(y - s))\" width=\"\(SVG.num(2 * s))\" height=\"\(SVG.num(2 * s))\">\(t)</rect>")
        case 2:
            // Apex up; the bounding box is centred on (x, y), so the marker's middle is the data point.
            let s = size * 1.1
            let points = "\(SVG.num(x)),\(SVG.num(y - s)) \(SVG.num(x + s)),\(SVG.num(y + s)) \(SVG.num(x - s)),\(SVG.num(y + s))"
            doc.add("<polygon \(common) points=\"\(points)\">\(t)</polygon>")
        default:
            let s = size * 1.25
            let points = "\(SVG.num(x)),\(SVG.num(y - s)) \(SVG.num(x + s)),\(SVG.num(y)) \(SVG.num(x)),\(SVG.num(y + s)) \(SVG.num(x - s)),\(SVG.num(y))"
            doc.add("<polygon \(common) points=\"\(points)\">\(t)</polygon>")
        }
    }

    /// The y coordinate of `value` on `scale` inside `plot` (clamped to the plot).
    static func y(_ value: Double, _ scale: NiceScale, _ plot: Box) -> Double {
        let t = (value - scale.lower) / (scale.upper - scale.lower)
        return plot.bottom - min(1, max(0, t)) * plot.height
    }

    /// Draws the plot frame (class `plot-area`), horizontal grid lines, y tick marks and labels, and the
    /// rotated y-axis title left of the labels.
    static func yAxis(
        _ doc: inout SVGDocument, plot: Box, scale: NiceScale, title: String, labelScale: Double = 1, suffix: String = ""
    ) {
        doc.rect(x: plot.x, y: plot.y, width: plot.width, height: plot.height, fill: "#fafafa", stroke: "#d0d0d0", className: "plot-area")
        for tick in scale.ticks {
            let ty = y(tick, scale, plot)
            doc.line(x1: plot.x, y1: ty, x2: plot.right, y2: ty, stroke: gridColor, className: "grid")
            doc.line(x1: plot.x - 5, y1: ty, x2: plot.x, y2: ty, stroke: axisColor, className: "tick-y")
            doc.text(scale.label(tick, scale: labelScale, suffix: suffix), x: plot.x - 8, y: ty + 4, anchor: "end", size: 11, className: "tick-label-y")
        }
        doc.line(x1: plot.x, y1: plot.y, x2: plot.x, y2: plot.bottom, stroke: axisColor, className: "axis")
        doc.line(x1: plot.x, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: axisColor, className: "axis")
        let cy = plot.y + plot.height / 2
        let maxChars = Int(plot.height / (11 * 0.6))
        doc.text(SVG.truncate(title, maxChars), x: plot.x - 38, y: cy, anchor: "middle", size: 11, fill: mutedText, className: "axis-title", rotate: -90)
    }

    /// A document that shows only `title` and the words "no data" (and an optional reason).
    static func noData(title: String, reason: String? = nil) -> String {
        var doc = SVGDocument(width: width, height: 120, title: title)
        self.title(&doc, title)
        doc.rect(x: margin, y: 40, width: width - 2 * margin, height: 64, fill: "#fafafa", stroke: "#d0d0d0", className: "plot-area")
        doc.text("no data", x: width / 2, y: 72, anchor: "middle", size: 14, fill: mutedText, className: "no-data")
        if let reason {
            doc.text(SVG.truncate(reason, 100), x: width / 2, y: 92, anchor: "middle", size: 11, fill: mutedText)
        }
        return doc.render()
    }
}
