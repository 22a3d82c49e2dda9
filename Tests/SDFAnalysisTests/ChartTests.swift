import Foundation
import Testing

@testable import SDFAnalysis

/// Small fixed inputs for every chart (the golden files are rendered from these).
enum ChartFixtures {
    static let categories = ["none", "guidelines", "a & <b> \"c\""]

    static let meanCI = MeanCIChart(
        title: "Mean score per condition with 95% bootstrap CI", categories: categories,
        panels: [
            MeanCIChart.Panel(
                title: "toxicity (higher = more toxic)", axisTitle: "mean score (1–5)", scaleMin: 1, scaleMax: 5,
                points: [
                    .init(label: "none", n: 40, mean: 2.35, lower: 2.1, upper: 2.62),
                    .init(label: "guidelines", n: 38, mean: 1.6, lower: 1.41, upper: 1.8),
                    .init(label: "a & <b> \"c\"", n: 12, mean: 3, lower: 2.2, upper: 3.9),
                ]),
            MeanCIChart.Panel(
                title: "argument quality (higher = better argument)", axisTitle: "mean score (1–5)", scaleMin: 1, scaleMax: 5,
                points: [
                    .init(label: "none", n: 40, mean: 2.9, lower: 2.7, upper: 3.1),
                    .init(label: "guidelines", n: 38, mean: 3.4, lower: 3.2, upper: 3.62),
                ]),
        ])

    static let turns = TurnSeriesChart(
        title: "Toxicity by user turn", xTitle: "user turn", yTitle: "mean toxicity (1–5)", scaleMin: 1, scaleMax: 5,
        categories: categories,
        series: [
            .init(label: "none", points: (1...6).map { .init(x: $0, mean: 1.8 + Double($0) * 0.2, n: 4) }),
            .init(label: "guidelines", points: [.init(x: 1, mean: 2, n: 4), .init(x: 2, mean: 1.5, n: 3), .init(x: 4, mean: 1.25, n: 4)]),
            .init(label: "a & <b> \"c\"", points: [.init(x: 3, mean: 4.5, n: 1)]),
        ])

    static let heatmap = DifferenceHeatmap(
        title: "Toxicity: pairwise differences of means", labels: categories,
        differences: [[nil, 0.75, -0.65], [-0.75, nil, nil], [0.65, nil, nil]],
        pValues: [[nil, 0.0004, 0.03], [0.0004, nil, 0.2], [0.03, 0.2, nil]], limit: 1)

    static let histogram = ScoreHistogram(
        title: "Toxicity: distribution of ratings", xTitle: "toxicity rating (higher = more toxic)", points: [1, 2, 3, 4, 5],
        pointLabels: ["not toxic", "slightly toxic", "moderately toxic", "very toxic", "extremely toxic"], categories: categories,
        series: [.init(label: "none", counts: [10, 30, 25, 10, 5]), .init(label: "guidelines", counts: [40, 25, 10, 3, 2])])

    static let rates = RateBarChart(
        title: "Moderator intervention rate per strategy", yTitle: "intervention rate",
        legendLabel: "moderator comments ÷ moderator turns",
        bars: [
            .init(label: "none", value: nil, detail: "no moderator"), .init(label: "guidelines", value: 0.625, detail: "25 of 40 turns"),
            .init(label: "minimal", value: 1, detail: "12 of 12 turns"),
        ])

    static let all: [(String, any SVGChart)] = [
        ("chart-mean-ci.svg", meanCI), ("chart-turns.svg", turns), ("chart-heatmap.svg", heatmap),
        ("chart-histogram.svg", histogram), ("chart-rates.svg", rates),
    ]

    static let empty: [any SVGChart] = [
        MeanCIChart(title: "Empty means", categories: [], panels: []),
        MeanCIChart(title: "Empty panel", categories: ["a"], panels: [.init(title: "t", axisTitle: "y", scaleMin: 1, scaleMax: 5, points: [])]),
        TurnSeriesChart(title: "Empty turns", xTitle: "x", yTitle: "y", scaleMin: 1, scaleMax: 5, categories: ["a"], series: []),
        DifferenceHeatmap(title: "One condition", labels: ["a"], differences: [[nil]], pValues: [[nil]]),
        ScoreHistogram(title: "Empty histogram", xTitle: "x", points: [1, 2, 3], categories: ["a"], series: [.init(label: "a", counts: [0, 0, 0])]),
        RateBarChart(title: "Empty rates", yTitle: "y", legendLabel: "l", bars: [.init(label: "none", value: nil, detail: "")]),
    ]
}

@Suite("SVG charts")
struct ChartTests {
    @Test("every chart matches its golden SVG file", arguments: ChartFixtures.all.map(\.0))
    func golden(name: String) throws {
        let chart = try #require(ChartFixtures.all.first { $0.0 == name }?.1)
        try Golden.check(chart.svg(), named: name)
    }

    @Test("an empty chart says 'no data' and matches its golden file")
    func emptyGolden() throws {
        try Golden.check(ChartFixtures.empty[0].svg(), named: "chart-empty.svg")
        for chart in ChartFixtures.empty {
            let svg = chart.svg()
            let doc = try #require(XMLInspector.parse(svg), "\(chart.title) is not well-formed")
            #expect(doc.all("text", class: "no-data").map(\.text) == ["no data"], "\(chart.title)")
            #expect(doc.all(class: "bar").isEmpty && doc.all(class: "point").isEmpty && doc.all(class: "cell").isEmpty)
        }
    }

    @Test("charts are well-formed XML with a fixed view box, an accessible title and a legend")
    func wellFormed() throws {
        for (name, chart) in ChartFixtures.all {
            let svg = chart.svg()
            let doc = try #require(XMLInspector.parse(svg), "\(name) is not well-formed")
            let root = try #require(doc.elements.first)
            #expect(root.name == "svg")
            #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
            let viewBox = try #require(root.attributes["viewBox"]).split(separator: " ").compactMap { Double($0) }
            #expect(viewBox.count == 4 && viewBox[0] == 0 && viewBox[1] == 0 && viewBox[2] == 720 && viewBox[3] > 100, "\(name)")
            #expect(doc.elements[1].name == "title" && doc.elements[1].text == chart.title)
            #expect(!doc.all("g", class: "legend").isEmpty, "\(name) has no legend")
            #expect(svg == chart.svg(), "\(name) is not byte-stable")
            #expect(!svg.contains("NaN") && !svg.contains("inf"), "\(name)")
            // Everything drawn lies inside the view box.
            for e in doc.elements {
                for attribute in ["x", "x1", "x2", "cx"] {
                    if let v = e.number(attribute) { #expect(v >= 0 && v <= viewBox[2], "\(name): \(e.name) \(attribute)=\(v)") }
                }
                for attribute in ["y", "y1", "y2", "cy"] {
                    if let v = e.number(attribute) { #expect(v >= 0 && v <= viewBox[3], "\(name): \(e.name) \(attribute)=\(v)") }
                }
            }
        }
    }

    @Test("coordinates are written with exactly two decimals")
    func fixedDecimals() throws {
        let pattern = try Regex("^-?[0-9]+\\.[0-9]{2}$")
        for (name, chart) in ChartFixtures.all {
            let doc = try #require(XMLInspector.parse(chart.svg()))
            for e in doc.elements where e.name != "svg" {  // the root's width and height are whole pixels
                for attribute in ["x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r"] {
                    guard let value = e.attributes[attribute] else { continue }
                    #expect(value.wholeMatch(of: pattern) != nil, "\(name): \(e.name) \(attribute)=\(value)")
                }
            }
        }
    }

    @Test("text is escaped: labels with & < > \" survive a round trip through an XML parser")
    func escaping() throws {
        let svg = ChartFixtures.meanCI.svg()
        #expect(svg.contains("a &amp; &lt;b&gt; &quot;c&quot;"))
        #expect(!svg.contains("<b>"))
        let doc = try #require(XMLInspector.parse(svg))
        #expect(doc.all("text").contains { $0.text == "a & <b> \"c\"" })
    }

    @Test("points, error bars, bars and cells lie inside their panel's plot area", arguments: ChartFixtures.all.map(\.0))
    func insidePlotArea(name: String) throws {
        let chart = try #require(ChartFixtures.all.first { $0.0 == name }?.1)
        try expectInsidePlotAreas(chart.svg(), name)
    }

    @Test("y ticks increase upward, x ticks increase rightward, labels are monotonic", arguments: ChartFixtures.all.map(\.0))
    func ticksMonotonic(name: String) throws {
        let chart = try #require(ChartFixtures.all.first { $0.0 == name }?.1)
        try expectMonotonicTicks(chart.svg(), name)
    }

    @Test("random inputs keep every mark inside the plot area and the ticks monotonic")
    func randomCharts() throws {
        var random = TestRandom(seed: 99)
        for round in 0..<40 {
            let k = random.int(1...9)
            let categories = (0..<k).map { "condition \($0)" }
            let lo = Double(random.int(0...2))
            let hi = lo + Double(random.int(1...9))
            func value() -> Double { lo + random.unit() * (hi - lo) }
            let panels = (0..<random.int(1...3)).map { p in
                MeanCIChart.Panel(
                    title: "d\(p)", axisTitle: "y", scaleMin: lo, scaleMax: hi,
                    points: categories.filter { _ in random.unit() < 0.8 }.map { c in
                        let a = value(), b = value(), m = value()
                        return .init(label: c, n: random.int(0...50), mean: m, lower: min(a, b, m), upper: max(a, b, m))
                    })
            }
            let points = Array(1...random.int(2...7))
            let histogram = ScoreHistogram(
                title: "h", xTitle: "x", points: points, categories: categories,
                series: categories.map { c in .init(label: c, counts: points.map { _ in random.int(0...20) }) })
            let turns = TurnSeriesChart(
                title: "t", xTitle: "x", yTitle: "y", scaleMin: lo, scaleMax: hi, categories: categories,
                series: categories.map { c in
                    .init(label: c, points: (1...random.int(1...30)).filter { _ in random.unit() < 0.7 }.map { .init(x: $0, mean: value(), n: 1) })
                })
            let labels = Array(categories.prefix(max(2, k)))
            let heatmap = DifferenceHeatmap(
                title: "m", labels: labels.count >= 2 ? labels : ["a", "b"],
                differences: (0..<max(2, labels.count)).map { _ in (0..<max(2, labels.count)).map { _ in random.unit() < 0.1 ? nil : value() - value() } },
                pValues: (0..<max(2, labels.count)).map { _ in (0..<max(2, labels.count)).map { _ in random.unit() } })
            let rates = RateBarChart(
                title: "r", yTitle: "y", legendLabel: "l",
                bars: categories.map { .init(label: $0, value: random.unit() < 0.2 ? nil : random.unit(), detail: "d") })
            let charts: [any SVGChart] = [MeanCIChart(title: "r", categories: categories, panels: panels), histogram, turns, heatmap, rates]
            for chart in charts {
                let svg = chart.svg()
                #expect(XMLInspector.parse(svg) != nil, "round \(round): \(type(of: chart)) is not well-formed")
                try expectInsidePlotAreas(svg, "round \(round) \(type(of: chart))")
                try expectMonotonicTicks(svg, "round \(round) \(type(of: chart))")
            }
        }
    }

    @Test("marks sit where their values say")
    func positions() throws {
        // Mean 3 on a 1–5 axis is at the horizontal middle of the plot area (a forest plot: conditions are rows).
        let chart = MeanCIChart(
            title: "t", categories: ["a", "b"],
            panels: [.init(title: "p", axisTitle: "y", scaleMin: 1, scaleMax: 5, points: [.init(label: "a", n: 3, mean: 3, lower: 2, upper: 5)])])
        let doc = try #require(XMLInspector.parse(chart.svg()))
        let plot = try #require(doc.all("rect", class: "plot-area").first)
        let (px, pw, py, ph) = (plot.number("x")!, plot.number("width")!, plot.number("y")!, plot.number("height")!)
        let point = try #require(doc.all("circle", class: "point").first)
        #expect(abs(point.number("cx")! - (px + pw / 2)) < 0.01)
        #expect(abs(point.number("cy")! - (py + ph / 4)) < 0.01, "the first of two equal rows")
        // The error bar runs from 2 (a quarter across) to 5 (the right end), drawn after (over) the marker.
        let bar = try #require(doc.all("line", class: "ci").first)
        #expect(abs(min(bar.number("x1")!, bar.number("x2")!) - (px + pw * 0.25)) < 0.01)
        #expect(abs(max(bar.number("x1")!, bar.number("x2")!) - (px + pw)) < 0.01)
        let order = doc.elements.map { $0.classes.contains("point") ? "point" : $0.classes.contains("ci") ? "ci" : "" }.filter { !$0.isEmpty }
        #expect(order == ["point", "ci", "ci", "ci"])
        // Caps are taller than the marker, so an interval narrower than the dot still shows.
        let caps = doc.all("line", class: "ci").dropFirst()
        #expect(caps.allSatisfy { abs($0.number("y2")! - $0.number("y1")!) > 2 * point.number("r")! })
        // A rate of 62.5 % fills 62.5 % of the plot height, and is labelled 63% (rounded).
        let rates = try #require(XMLInspector.parse(ChartFixtures.rates.svg()))
        let ratePlot = try #require(rates.all("rect", class: "plot-area").first)
        let bars = rates.all("rect", class: "bar")
        #expect(bars.count == 2)
        #expect(abs(bars[0].number("height")! - ratePlot.number("height")! * 0.625) < 0.01)
        #expect(abs(bars[1].number("height")! - ratePlot.number("height")!) < 0.01)
        #expect(rates.all("text", class: "bar-value").map(\.text) == ["n/a", "63%", "100%"])
        // Histogram shares: none has 30 of 80 ratings at 2; the bar is 0.375 / axis top of the plot height.
        let hist = try #require(XMLInspector.parse(ChartFixtures.histogram.svg()))
        let histPlot = try #require(hist.all("rect", class: "plot-area").first)
        let histBars = hist.all("rect", class: "bar")
        #expect(histBars.count == 10)
        let top = try #require(hist.all("text", class: "tick-label-y").last.flatMap { Double($0.text.dropLast()) })
        #expect(abs(histBars[2].number("height")! - histPlot.number("height")! * 37.5 / top) < 0.01)
    }

    @Test("series take Okabe–Ito colours in category order, with distinct marker shapes")
    func colours() throws {
        #expect(Set(OkabeIto.series).count == 8)
        #expect(OkabeIto.color(0) == "#E69F00" && OkabeIto.color(8) == OkabeIto.color(0) && OkabeIto.color(-3) == OkabeIto.color(0))
        let doc = try #require(XMLInspector.parse(ChartFixtures.turns.svg()))
        let lines = doc.all("polyline", class: "series")
        #expect(lines.map { $0.attributes["stroke"] } == [OkabeIto.color(0), OkabeIto.color(1)])
        let points = doc.all(class: "point")
        #expect(Set(points.map(\.name)) == ["circle", "rect", "polygon"])
        #expect(points.filter { $0.name == "circle" }.allSatisfy { $0.attributes["fill"] == OkabeIto.color(0) })
    }

    @Test("identical series are dodged apart so neither hides the other")
    func dodge() throws {
        let same = (1...5).map { TurnSeriesChart.Point(x: $0, mean: 1, n: 2) }
        let chart = TurnSeriesChart(
            title: "t", xTitle: "x", yTitle: "y", scaleMin: 1, scaleMax: 5, categories: ["a", "b"],
            series: [.init(label: "a", points: same), .init(label: "b", points: same)])
        let doc = try #require(XMLInspector.parse(chart.svg()))
        let lines = doc.all("polyline", class: "series").map { $0.attributes["points"] ?? "" }
        #expect(lines.count == 2 && lines[0] != lines[1])
        let circles = doc.all("circle", class: "point").map { $0.number("cx")! }
        let squares = doc.all("rect", class: "point").map { $0.number("x")! + $0.number("width")! / 2 }
        #expect(circles.count == 5 && squares.count == 5)
        for (a, b) in zip(circles, squares) { #expect(b - a >= 3 && b - a <= 10, "dodge \(b - a)") }
        try expectInsidePlotAreas(chart.svg(), "dodged")
    }

    @Test("heatmap cells carry Dunn–Holm stars and diverging colours")
    func heatmapStars() throws {
        #expect(DifferenceHeatmap.stars(0.0004) == "***")
        #expect(DifferenceHeatmap.stars(0.001) == "**")
        #expect(DifferenceHeatmap.stars(0.009) == "**")
        #expect(DifferenceHeatmap.stars(0.049) == "*")
        #expect(DifferenceHeatmap.stars(0.05) == "")
        #expect(DifferenceHeatmap.stars(nil) == "")
        #expect(DifferenceHeatmap.fill(0, limit: 1) == "#ffffff")
        #expect(DifferenceHeatmap.fill(-1, limit: 1) == "#0072b2")
        #expect(DifferenceHeatmap.fill(3, limit: 1) == "#d55e00")
        // Cell text takes the ink with the higher WCAG contrast.
        #expect(DifferenceHeatmap.ink(on: "#ffffff") == "#222222" && DifferenceHeatmap.ink(on: "#0072b2") == "#ffffff")
        #expect(abs(DifferenceHeatmap.contrast("#000000", "#ffffff") - 21) < 1e-9)
        let doc = try #require(XMLInspector.parse(ChartFixtures.heatmap.svg()))
        #expect(doc.all("text", class: "stars").map(\.text) == ["***", "*", "***", "*"])
        #expect(doc.all("text", class: "cell-value").map(\.text) == ["+0.75", "-0.65", "-0.75", "+0.65"])
        #expect(doc.all("rect", class: "cell").count == 9)
    }

    @Test("nice scales: 1-2-5 steps, covering, increasing ticks")
    func niceScale() {
        #expect(NiceScale.fixed(1, 5).ticks == [1, 2, 3, 4, 5])
        #expect(NiceScale.fixed(0, 1).ticks == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(NiceScale.fixed(0, 1).label(0.6, scale: 100, suffix: "%") == "60%")
        #expect(NiceScale.fixed(1, 7).ticks == [1, 2, 3, 4, 5, 6, 7])
        #expect(NiceScale.fixed(1, 10).ticks == Array(1...10).map(Double.init))
        #expect(NiceScale.fixed(0, 100).ticks == [0, 20, 40, 60, 80, 100])
        #expect(NiceScale.fixed(1, 100).ticks == [20, 40, 60, 80, 100])  // 1 is no multiple of a nice step
        #expect(NiceScale.finerNiceStep(5) == 2 && NiceScale.finerNiceStep(2) == 1 && NiceScale.finerNiceStep(1) == 0.5)
        let s = NiceScale(minimum: 0, maximum: 0.43)
        #expect(s.lower == 0 && s.upper == 0.5 && s.step == 0.1)
        #expect(s.label(0.3) == "0.3")
        var random = TestRandom(seed: 5)
        for _ in 0..<500 {
            let a = (random.unit() - 0.5) * pow(10, Double(random.int(-3...4)))
            let b = a + random.unit() * pow(10, Double(random.int(-3...4)))
            let scale = NiceScale(minimum: a, maximum: b, targetTicks: random.int(2...10))
            #expect(scale.lower <= a + 1e-9 && scale.upper >= b - 1e-9, "\(a)…\(b) → \(scale)")
            #expect(zip(scale.ticks, scale.ticks.dropFirst()).allSatisfy { $0 < $1 })
            let mantissa = scale.step / pow(10, floor(log10(scale.step)))
            #expect([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "step \(scale.step)")
        }
    }

    @Test("fixed-decimal numbers never print -0.00 and round half away from zero")
    func numbers() {
        #expect(SVG.num(-0.004) == "0.00")
        #expect(SVG.num(2.5) == "2.50")
        #expect(SVG.num(-1.236) == "-1.24")
        #expect(SVG.num(0.125, decimals: 2) == "0.13")
        #expect(SVG.num(12.34567, decimals: 0) == "12")
        #expect(SVG.num(.nan) == "0")
        #expect(SVG.escape("a&b<c>\"d\"\u{1}") == "a&amp;b&lt;c&gt;&quot;d&quot;")
    }
}

/// Checks that every data mark of `svg` lies inside the `plot-area` rectangle of its panel.
func expectInsidePlotAreas(_ svg: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let doc = try #require(XMLInspector.parse(svg), "\(what) is not well-formed", sourceLocation: sourceLocation)
    var areas: [Int: (Double, Double, Double, Double)] = [:]
    for e in doc.all("rect", class: "plot-area") {
        guard let panel = e.panel else { continue }
        areas[panel] = (e.number("x")!, e.number("y")!, e.number("x")! + e.number("width")!, e.number("y")! + e.number("height")!)
    }
    let tolerance = 0.011
    for e in doc.elements where !e.classes.isDisjoint(with: ["point", "bar", "ci", "cell", "series"]) {
        let panel = try #require(e.panel, "\(what): a \(e.name) outside any panel", sourceLocation: sourceLocation)
        let (x0, y0, x1, y1) = try #require(areas[panel], "\(what): panel \(panel) has no plot area", sourceLocation: sourceLocation)
        var xs: [Double] = []
        var ys: [Double] = []
        switch e.name {
        case "circle":
            xs = [e.number("cx")!]
            ys = [e.number("cy")!]
        case "rect":
            xs = [e.number("x")!, e.number("x")! + e.number("width")!]
            ys = [e.number("y")!, e.number("y")! + e.number("height")!]
            if e.classes.contains("point") {  // a square marker: its centre must be inside
                xs = [(xs[0] + xs[1]) / 2]
                ys = [(ys[0] + ys[1]) / 2]
            }
        case "line":
            xs = [e.number("x1")!, e.number("x2")!]
            ys = [e.number("y1")!, e.number("y2")!]
        case "polygon", "polyline":
            let pairs = (e.attributes["points"] ?? "").split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
            if e.name == "polygon" {  // a marker: its centre must be inside
                xs = [pairs.map { $0[0] }.reduce(0, +) / Double(pairs.count)]
                ys = [(pairs.map { $0[1] }.min()! + pairs.map { $0[1] }.max()!) / 2]
            } else {
                xs = pairs.map { $0[0] }
                ys = pairs.map { $0[1] }
            }
        default:
            continue
        }
        for x in xs { #expect(x >= x0 - tolerance && x <= x1 + tolerance, "\(what): \(e.name).\(e.classes) x=\(x) outside [\(x0), \(x1)]", sourceLocation: sourceLocation) }
        for y in ys { #expect(y >= y0 - tolerance && y <= y1 + tolerance, "\(what): \(e.name).\(e.classes) y=\(y) outside [\(y0), \(y1)]", sourceLocation: sourceLocation) }
    }
}

/// Checks that y-tick labels increase while their positions move up, and numeric x-tick labels increase
/// left to right, within every panel.
func expectMonotonicTicks(_ svg: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let doc = try #require(XMLInspector.parse(svg), sourceLocation: sourceLocation)
    let panels = Set(doc.elements.compactMap(\.panel))
    for panel in panels {
        let ys = doc.all("text", class: "tick-label-y").filter { $0.panel == panel }
        if !ys.isEmpty {
            let values = ys.compactMap { Double($0.text.replacingOccurrences(of: "%", with: "")) }
            #expect(values.count == ys.count, "\(what): non-numeric y tick label", sourceLocation: sourceLocation)
            #expect(values.count >= 2, "\(what): fewer than two y ticks", sourceLocation: sourceLocation)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(what): y labels \(values)", sourceLocation: sourceLocation)
            let positions = ys.map { $0.number("y")! }
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 > $1 }, "\(what): y positions \(positions)", sourceLocation: sourceLocation)
            let lines = doc.all("line", class: "tick-y").filter { $0.panel == panel }.map { $0.number("y1")! }
            #expect(lines.count == ys.count && zip(lines, lines.dropFirst()).allSatisfy { $0 > $1 }, sourceLocation: sourceLocation)
        }
        let xs = doc.all("text", class: "tick-label-x").filter { $0.panel == panel }
        let numeric = xs.compactMap { Int($0.text) }
        if numeric.count == xs.count && !xs.isEmpty {
            #expect(zip(numeric, numeric.dropFirst()).allSatisfy { $0 < $1 }, "\(what): x labels \(numeric)", sourceLocation: sourceLocation)
        }
        let xPositions = xs.map { $0.number("x")! }
        #expect(zip(xPositions, xPositions.dropFirst()).allSatisfy { $0 < $1 }, "\(what): x positions \(xPositions)", sourceLocation: sourceLocation)
    }
}
