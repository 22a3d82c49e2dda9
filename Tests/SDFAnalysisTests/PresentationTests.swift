import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

@testable import SDFAnalysis

/// A design of long condition names (4 strategies × 2 models, as real studies name them), run with the scripted
/// model: what the report's presentation must survive without cutting names.
enum LongNameStore {
    static let strategies = ["none", "constructive_communication_principles", "community_guidelines_strict", "moderation_game_of_facilitation"]
    static let models = ["qwen2.5-32b-instruct-awq", "llama-3.1-70b-instruct-q4_k_m"]

    static func make() async throws -> Store {
        let yaml = """
            version: 1
            name: long-names
            seed: 5
            replicates: 2
            personas:
              - {username: ada, age: 31, occupation: nurse, personality: [calm]}
              - {username: ben, age: 45, occupation: baker, personality: [blunt]}
              - {username: cleo, age: 23, occupation: student, personality: [curious]}
            seedComments: ["Cities should ban cars from the centre."]
            discussion: {users: 3, turns: 5, historyLength: 3}
            strategies:
              - none
              - {name: constructive_communication_principles, instructions: "Be constructive."}
              - {name: community_guidelines_strict, instructions: "Enforce the rules."}
              - {name: moderation_game_of_facilitation, instructions: "Play fair."}
            models:
              - {name: qwen2.5-32b-instruct-awq, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}
              - {name: llama-3.1-70b-instruct-q4_k_m, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}
            annotation:
              annotators: [{username: ann_a, age: 30, occupation: researcher}]
              historyLength: 3
              structuredOutput: false
              model: {name: annotator, endpoint: "http://127.0.0.1:9/v1", maxTokens: 32}
            """
        let experiment = try ExperimentLoader.load(yaml: yaml, file: "long.yaml", baseDirectory: "/tmp")
        let store = try Store.inMemory()
        var bindings: [String: ModelBinding] = [:]
        for m in experiment.spec.models {
            bindings[m.name] = ModelBinding(name: m.name, client: ScriptedChatModel(), requestModel: m.name, settings: m)
        }
        _ = try await ExperimentRunner(experiment: experiment, store: store, models: bindings, concurrency: 4, specText: "spec").run()
        let setup = try #require(experiment.annotation)
        let annotator = ModelBinding(
            name: setup.model.name, client: ScriptedChatModel(script: ScriptedStore.annotate), requestModel: "a", settings: setup.model)
        _ = try await AnnotationRunner(setup: setup, store: store, binding: annotator, templates: experiment.templates).run()
        return store
    }

    static var labels: [String] { strategies.flatMap { s in models.map { "\(s)/\($0)" } } }
}

@Suite("Report presentation: long names, intervals, titles")
struct PresentationTests {
    @Test("wrapping breaks after separators, keeps every character, and ends in … only when it must cut")
    func wrap() {
        let name = "constructive_communication_principles/llama-3.1-70b-instruct-q4_k_m"
        let lines = SVG.wrap(name, maxWidth: 200, size: 11, maxLines: 3)
        #expect(lines.joined() == name)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { SVG.textWidth($0, size: 11) <= 200 })
        #expect(lines[0].hasSuffix("_") || lines[0].hasSuffix("/"), "\(lines)")
        #expect(SVG.wrap("none", maxWidth: 200, size: 11, maxLines: 1) == ["none"])
        let cut = SVG.wrap(name, maxWidth: 120, size: 11, maxLines: 2)
        #expect(cut.count == 2 && cut[1].hasSuffix("…") && cut.allSatisfy { SVG.textWidth($0, size: 11) <= 120 })
        // A part longer than a line is split where it reaches the width.
        #expect(SVG.wrap(String(repeating: "x", count: 50), maxWidth: 64, size: 11, maxLines: 9).joined() == String(repeating: "x", count: 50))
    }

    @Test("the means chart is a forest plot whose row labels spell every condition in full")
    func forestLabels() throws {
        let labels = LongNameStore.labels
        let chart = MeanCIChart(
            title: "t", categories: labels,
            panels: [.init(title: "toxicity (higher = more toxic)", axisTitle: "mean", scaleMin: 1, scaleMax: 5,
                points: labels.map { .init(label: $0, n: 3, mean: 2, lower: 1.99, upper: 2.01) })])
        let doc = try #require(XMLInspector.parse(chart.svg()))
        let rows = doc.all("text", class: "row-label")
        #expect(!rows.contains { $0.text.contains("…") })
        // Consecutive row-label lines of one condition join to its name.
        var joined: [String] = []
        var previousY = -1.0
        for row in rows {
            let y = row.number("y")!
            if !joined.isEmpty, y - previousY < 14 { joined[joined.count - 1] += row.text } else { joined.append(row.text) }
            previousY = y
        }
        #expect(joined == labels)
        // An interval narrower than the dot still shows: its caps reach beyond the marker.
        let r = try #require(doc.all("circle", class: "point").first?.number("r"))
        let caps = doc.all("line", class: "ci").filter { $0.number("x1") == $0.number("x2") }
        #expect(caps.count == 2 * labels.count && caps.allSatisfy { abs($0.number("y2")! - $0.number("y1")!) > 2 * r })
    }

    @Test("the heatmap numbers its columns when names are wider than a column, and cuts no row name")
    func heatmapNumbers() throws {
        let labels = Array(LongNameStore.labels.prefix(4))
        let k = labels.count
        let chart = DifferenceHeatmap(
            title: "m", labels: labels, differences: (0..<k).map { i in (0..<k).map { Double($0 - i) } },
            pValues: (0..<k).map { _ in (0..<k).map { _ in 0.5 } })
        let doc = try #require(XMLInspector.parse(chart.svg()))
        #expect(doc.all("text", class: "column-label").map(\.text) == ["1", "2", "3", "4"])
        let rows = doc.all("text", class: "row-label").map(\.text)
        #expect(!rows.contains { $0.contains("…") })
        #expect(rows.first?.hasPrefix("1  none/") == true)
        // Short names stay as column labels.
        let short = DifferenceHeatmap(title: "m", labels: ["none", "minimal"], differences: [[nil, 1], [-1, nil]], pValues: [[nil, 0.5], [0.5, nil]])
        #expect(try #require(XMLInspector.parse(short.svg())).all("text", class: "column-label").map(\.text) == ["none", "minimal"])
    }

    @Test("by-turn lines carry a 95% band; more than three conditions become small multiples")
    func turnBands() throws {
        let points = (1...4).map { TurnSeriesChart.Point(x: $0, mean: 3, n: 5, lower: 2.5, upper: 3.5) }
        func chart(_ k: Int) -> TurnSeriesChart {
            let labels = Array(LongNameStore.labels.prefix(k))
            return TurnSeriesChart(title: "t", xTitle: "user turn", yTitle: "y", scaleMin: 1, scaleMax: 5, categories: labels,
                series: labels.map { .init(label: $0, points: points) })
        }
        let overlaid = try #require(XMLInspector.parse(chart(3).svg()))
        #expect(overlaid.all("polygon", class: "band").count == 3)
        #expect(Set(overlaid.elements.compactMap(\.panel)).count == 1)
        let faceted = try #require(XMLInspector.parse(chart(8).svg()))
        #expect(Set(faceted.elements.compactMap(\.panel)).count == 8)
        #expect(faceted.all("polygon", class: "band").count == 8)
        #expect(!faceted.all("text", class: "panel-title").contains { $0.text.contains("…") })
        // The band spans lower…upper: its points' y run from y(3.5) to y(2.5) of the panel's plot.
        let plot = try #require(faceted.all("rect", class: "plot-area").first)
        let band = try #require(faceted.all("polygon", class: "band").first)
        let ys = (band.attributes["points"] ?? "").split(separator: " ").compactMap { Double($0.split(separator: ",")[1]) }
        let (top, h) = (plot.number("y")!, plot.number("height")!)
        #expect(abs(ys.min()! - (top + h * 0.375)) < 0.01 && abs(ys.max()! - (top + h * 0.625)) < 0.01)
        for svg in [chart(3).svg(), chart(8).svg()] {
            try expectInsidePlotAreas(svg, "turn bands")
            try expectMonotonicTicks(svg, "turn bands")
        }
    }

    @Test("the by-turn interval is the Student-t 95% interval of the comments at that turn")
    func turnInterval() throws {
        var samples = DimensionSection.Samples()
        samples.byTurn["a"] = [1: [1, 2, 3, 4], 2: [5]]
        let means = DimensionSection.turnMeans(samples, order: ["a"])
        let first = try #require(means.first?.points.first)
        // scipy.stats.t.ppf(0.975, 3) * std([1,2,3,4], ddof=1) / 2 = 3.182446305284263 * 1.2909944487358056 / 2
        let half = 3.182446305284263 * 1.2909944487358056 / 2
        #expect(abs(first.lower! - (2.5 - half)) < 1e-9 && abs(first.upper! - (2.5 + half)) < 1e-9)
        #expect(means.first?.points.last?.lower == nil, "no interval from one comment")
    }

    @Test("a report of long names: no cut names, narrow design table, a summary of at most three pairs, scrolling tables")
    func longNameReport() async throws {
        let store = try await LongNameStore.make()
        let html = try await ReportBuilder.html(store: store, options: AnalysisOptions(bootstrapResamples: 200))
        let doc = try #require(XMLInspector.parse(html))
        for svg in doc.all("text") where svg.classes.contains("row-label") || svg.classes.contains("panel-title") {
            #expect(!svg.text.contains("…"), "\(svg.text)")
        }
        // Every table sits in a scrolling box.
        #expect(html.components(separatedBy: "<table>").count - 1 == html.components(separatedBy: "<div class=\"table-scroll\">").count - 1)
        // The design table does not repeat strategy and model when the label spells them.
        let designHeaders = html.components(separatedBy: "<section id=\"design\">")[1].components(separatedBy: "</section>")[0]
        #expect(!designHeaders.contains("<th>strategy</th>") && designHeaders.contains("<th>condition</th>"))
        // Long names may break after their separators.
        #expect(html.contains("constructive_<wbr/>communication_<wbr/>principles/<wbr/>"))
        // The summary names at most three pairs per dimension.
        let summary = try #require(html.components(separatedBy: "<ul class=\"summary\">").dropFirst().first?.components(separatedBy: "</ul>").first)
        for item in summary.components(separatedBy: "<li>").dropFirst() {
            #expect(item.components(separatedBy: " is lower than ").count - 1 <= 3, "\(item.prefix(200))")
        }
        #expect(html.contains("<title>SDF report: long-names</title>"))
    }

    @Test("the title: the experiment's name, --title when given, never the store's file name for an import")
    func titles() async throws {
        var b = RecordBuilder()
        b.discussion("none", replicate: 0, users: ["ada"], moderator: false)
        let store = try await b.store()
        let imported = try await ExperimentAnalysis.build(store: store, options: AnalysisOptions(bootstrapResamples: 10))
        #expect(imported.runs.isEmpty && imported.title == "Imported discussions")
        let html = ReportBuilder.html(imported)
        #expect(html.contains("<h1>Imported discussions</h1>") && html.contains("<title>SDF report: Imported discussions</title>"))
        let titled = try await ExperimentAnalysis.build(store: store, options: AnalysisOptions(bootstrapResamples: 10, title: "Pilot A & B"))
        #expect(ReportBuilder.html(titled).contains("<h1>Pilot A &amp; B</h1>"))
    }
}
