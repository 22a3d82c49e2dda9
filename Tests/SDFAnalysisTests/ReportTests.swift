import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

@testable import SDFAnalysis

/// A small experiment run with the scripted model and annotated by a scripted panel: deterministic for a
/// given seed (ids, texts, decisions, annotation values), so its report can be a golden file.
enum ScriptedStore {
    static let yaml = """
        version: 1
        name: report-fixture
        seed: 11
        replicates: 3
        personas:
          - {username: ada, age: 31, occupation: nurse, personality: [calm]}
          - {username: ben, age: 45, occupation: baker, personality: [blunt]}
          - {username: cleo, age: 23, occupation: student, personality: [curious]}
          - {username: dev, age: 52, occupation: driver, personality: [grumpy]}
          - {username: eli, age: 38, occupation: teacher, personality: [patient]}
          - {username: fay, age: 27, occupation: coder, personality: [sarcastic]}
        seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
        discussion:
          users: 3
          turns: 6
          historyLength: 3
          turnTaking: {policy: respond, p: 0.4}
        trolls: {share: 0.34}
        strategies: [none, guidelines]
        models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
        annotation:
          annotators:
            - {username: ann_a, age: 30, occupation: researcher}
            - {username: ann_b, age: 41, occupation: moderator}
            - {username: ann_c, age: 57, occupation: librarian}
          historyLength: 3
          annotateModerator: true
          structuredOutput: false
          model: {name: annotator, endpoint: "http://127.0.0.1:9/v1", maxTokens: 32}
          concurrency: 2
        """

    /// The scripted annotator: comments near a moderator comment get toxicity 1–2, others 2–4; argument
    /// quality 2–4; about one answer in 17 is a refusal to rate and one in 23 is out of range.
    @Sendable static func annotate(_ request: ChatRequest) -> String {
        let user = request.messages.last?.content ?? ""
        let h = SeedDerivation.derive(7, request.messages.map(\.content).joined(separator: "|"))
        if h % 17 == 0 { return "I would rather not rate this comment." }
        if h % 23 == 0 { return "{\"toxicity\": 9, \"argument_quality\": 3}" }
        let nearModerator = user.contains("\nmoderator: ") || user.contains("by moderator:")
        let toxicity = nearModerator ? 1 + Int(h % 2) : 2 + Int(h % 3)
        let quality = 2 + Int((h >> 8) % 3)
        return "{\"toxicity\": \(toxicity), \"argument_quality\": \(quality)}"
    }

    static func make() async throws -> Store {
        let experiment = try ExperimentLoader.load(yaml: yaml, file: "report.yaml", baseDirectory: "/tmp")
        let store = try Store.inMemory()
        let settings = experiment.spec.models[0]
        let binding = ModelBinding(name: settings.name, client: ScriptedChatModel(), requestModel: "scripted-model", settings: settings)
        let runner = ExperimentRunner(experiment: experiment, store: store, models: [settings.name: binding], concurrency: 2, specText: "spec")
        _ = try await runner.run(modelFingerprints: ["scripted": "scripted-model @ scripted"])
        let setup = try #require(experiment.annotation)
        let annotator = ModelBinding(
            name: setup.model.name, client: ScriptedChatModel(script: annotate), requestModel: "scripted-annotator", settings: setup.model)
        _ = try await AnnotationRunner(setup: setup, store: store, binding: annotator, templates: experiment.templates).run()
        return store
    }

    /// The analysis with the run manifest's machine- and time-dependent fields fixed.
    static func normalisedAnalysis(_ store: Store) async throws -> ExperimentAnalysis {
        var analysis = try await ExperimentAnalysis.build(store: store, options: AnalysisOptions(bootstrapResamples: 1000))
        analysis.runs = analysis.runs.map { run in
            var r = run
            r.id = "00000000-run"
            r.host = "test-host"
            r.toolVersion = "0.0.0-test"
            r.specHash = String(repeating: "a", count: 64)
            r.designHash = String(repeating: "b", count: 64)
            r.startedAt = Date(timeIntervalSince1970: 1_750_000_000)
            r.finishedAt = Date(timeIntervalSince1970: 1_750_000_185)
            return r
        }
        return analysis
    }
}

@Suite("HTML report")
struct ReportTests {
    @Test("the report of a scripted, annotated store matches its golden file")
    func golden() async throws {
        let store = try await ScriptedStore.make()
        let analysis = try await ScriptedStore.normalisedAnalysis(store)
        // The fixture must exercise the interesting paths: two conditions, a moderator, unusable annotations.
        #expect(analysis.conditionLabels == ["none", "guidelines"])
        #expect(analysis.quality.annotationStatus.keys.contains { $0 != "ok" })
        #expect(analysis.behaviour.contains { $0.interventionRate != nil })
        let html = ReportBuilder.html(analysis)
        try Golden.check(html, named: "report-scripted.html")
        // A second run of the same experiment gives the same bytes.
        let again = ReportBuilder.html(try await ScriptedStore.normalisedAnalysis(try await ScriptedStore.make()))
        #expect(again == html)
    }

    @Test("the JSON of the scripted store matches its golden file and carries the report's figures at full precision")
    func json() async throws {
        let store = try await ScriptedStore.make()
        let analysis = try await ScriptedStore.normalisedAnalysis(store)
        let text = try ReportJSON.text(analysis)
        try Golden.check(text, named: "report-scripted.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "sdf-report" && object["version"] as? Int == 1)
        #expect((object["summary"] as? [String]) == analysis.summarySentences())
        let body = try #require(object["analysis"] as? [String: Any])
        let dimensions = try #require(body["dimensions"] as? [[String: Any]])
        #expect(dimensions.count == analysis.dimensions.count)
        // Full precision: the means read back as the same Doubles; the models are there.
        // (Read with JSONDecoder: JSONSerialization on Linux may round a 17-digit number such as 3.0000000000000004.)
        struct Probe: Decodable {
            struct Body: Decodable { var dimensions: [Dimension] }
            struct Dimension: Decodable { var conditions: [Condition] }
            struct Condition: Decodable { var mean: Double? }
            var analysis: Body
        }
        let probe = try JSONDecoder().decode(Probe.self, from: Data(text.utf8))
        let mean = probe.analysis.dimensions.first?.conditions.first?.mean
        #expect(mean == analysis.dimensions[0].conditions[0].mean)
        #expect(dimensions[0]["regression"] != nil && dimensions[0]["mixedModel"] != nil)
        // Sorted keys: the top level reads analysis, format, summary, version.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["analysis", "format", "summary", "version"])
        // The same analysis round-trips through the writer.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-json-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ReportJSON.write(analysis, to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test("the report is self-contained, well-formed XHTML with every section and chart")
    func selfContained() async throws {
        let store = try await HandStore.records().store()
        let html = try await ReportBuilder.html(store: store, options: AnalysisOptions(bootstrapResamples: 500))
        let doc = try #require(XMLInspector.parse(html), "the report is not well-formed XML")
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        for forbidden in ["<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "@font-face", "javascript:"] {
            #expect(!html.lowercased().contains(forbidden), "the report contains \(forbidden)")
        }
        let httpMentions = html.components(separatedBy: "http").count - 1
        let namespaceMentions = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(httpMentions == namespaceMentions, "the report refers to the network")
        let sections = doc.all("section").compactMap { $0.attributes["id"] }
        #expect(sections == ["summary", "design", "runs", "quality", "scores", "agreement", "roles", "behaviour", "turn-taking", "power", "methods"])
        let expectedCharts = 9  // (a) once, (b)(c)(d) for each of two dimensions, (e) once, (f) moderator comments per discussion
        #expect(doc.all("svg").count == expectedCharts)
        #expect(doc.all("figcaption").count == doc.all("svg").count)
        #expect(doc.all("style").count == 1)
        let titles = doc.all("svg").count
        #expect(doc.all("text", class: "chart-title").count == titles)
    }

    @Test("the report shows the design, manifest, data quality, tables and summary of the store")
    func contents() async throws {
        let html = try await ReportBuilder.html(store: try await HandStore.records().store(), options: AnalysisOptions(bootstrapResamples: 500))
        let doc = try #require(XMLInspector.parse(html))
        let cells = doc.all("td").map(\.text) + doc.all("code").map(\.text)
        let text = doc.elements.map(\.text).joined(separator: " ")
        #expect(doc.all("h1").first?.text == "hand")
        // Run manifest: id prefix, version, times in UTC, duration, fingerprints.
        #expect(cells.contains("run-1") && cells.contains("9.9.9") && cells.contains("2025-06-15T15:06:40Z"))
        #expect(cells.contains("2 min 05 s") && cells.contains("model-id @ scripted"))
        // Data quality.
        #expect(cells.contains("ok 28, outOfRange 1, refusal 1, unparseable 2"))
        #expect(cells.contains("user 2, moderator 2") || cells.contains("moderator 2, user 2"))
        #expect(cells.contains("repetition 1, truncated 1"))
        #expect(cells.contains("1 of 12"))
        // Scores table and tests.
        #expect(cells.contains("4.08") && cells.contains("1.80") && cells.contains("4.25"))
        #expect(cells.contains("H = 7.60") && cells.contains("p = .006") && cells.contains("F = 23.23"))
        #expect(doc.all("th").map(\.text).contains("a − b (difference of means)"))
        #expect(cells.contains("none") && cells.contains("guidelines") && cells.contains("2.28") && cells.contains("**"))
        // Agreement, behaviour, turn-taking.
        #expect(cells.contains("0.605") && cells.contains("0.589"))
        #expect(cells.contains("4 / 6") && cells.contains("67%") && cells.contains("7 / 8") && cells.contains("88%"))
        #expect(cells.contains("respond(p=0.5)") && cells.contains("0.400") && cells.contains("0.750"))
        // Summary.
        #expect(text.contains("guidelines is lower than none (mean 1.80 vs 4.08; Dunn–Holm p = .006)."))
    }

    @Test("an empty store still gives a valid report that says there is nothing to show")
    func emptyStore() async throws {
        let html = try await ReportBuilder.html(store: try Store.inMemory())
        let doc = try #require(XMLInspector.parse(html))
        #expect(html.contains("No discussions stored."))
        #expect(html.contains("No run manifest in this store."))
        #expect(doc.all("text", class: "no-data").count == doc.all("svg").count)
        #expect(doc.all("svg").count == 2)
    }

    @Test("write() creates the folder and the file; default paths follow the CLI's rules")
    func write() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = ReportBuilder.defaultPath(storePath: "/x/y/study.sqlite", outDirectory: folder.appendingPathComponent("out").path)
        #expect(path == folder.appendingPathComponent("out/report.html").path)
        #expect(ReportBuilder.defaultPath(storePath: "/x/y/study.sqlite") == "/x/y/study-report.html")
        let store = try await HandStore.records().store()
        let options = AnalysisOptions(bootstrapResamples: 200)
        try await ReportBuilder.write(store: store, to: path, options: options)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == (try await ReportBuilder.html(store: store, options: options)))
    }
}
