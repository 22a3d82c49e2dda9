import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

/// The cases written by `scripts/reference-fidelity.py` (SciPy 1.17).
enum FidelityReference {
    struct Generator: Decodable {
        var count: Int
        var multiplier: Int
        var scale: Double
        /// ((i · multiplier) mod count) / count · scale, exactly as the script computes it.
        var values: [Double] { (0..<count).map { Double(($0 * multiplier) % count) / Double(count) * scale } }
    }

    struct Case: Decodable {
        var name: String
        var a: [Double]
        var b: [Double]
        var edges: [Edge]
        var histogramA: [Int]
        var histogramB: [Int]
        var jsDistance: Double
        var jsDivergence: Double
        var wasserstein: Double
        var ksStatistic: Double
        var ksP: Double
        var ksMethod: String
        var ksPKolmogorovLimit: Double?
        var generators: [Generator]?

        var samples: ([Double], [Double]) {
            guard let g = generators, g.count == 2 else { return (a, b) }
            return (g[0].values, g[1].values)
        }
    }

    /// A bin edge: a number or "Infinity"/"-Infinity".
    struct Edge: Decodable {
        var value: Double
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) {
                value = d
            } else {
                let s = try c.decode(String.self)
                value = s == "Infinity" ? .infinity : -.infinity
            }
        }
    }

    struct File: Decodable {
        var scipy: String
        var cases: [Case]
    }

    static func load() throws -> File {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fidelity.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }
}

/// |a − b| ≤ tolerance · max(1, |b|).
private func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

@Suite("Fidelity distances against SciPy")
struct FidelityDistanceTests {
    @Test("histograms, Jensen–Shannon, Wasserstein-1 and KS match SciPy on every case to 1e-9 (p relative to p)")
    func reference() throws {
        let file = try FidelityReference.load()
        #expect(file.cases.count == 10)
        var largest = 0.0
        var largestP = 0.0
        for c in file.cases {
            let (a, b) = c.samples
            let edges = c.edges.map(\.value)
            let ha = Stats.histogram(a, edges: edges)
            let hb = Stats.histogram(b, edges: edges)
            #expect(ha == c.histogramA, "\(c.name)")
            #expect(hb == c.histogramB, "\(c.name)")
            let js = Stats.jensenShannonDistance(ha.map(Double.init), hb.map(Double.init))
            let jsd = Stats.jensenShannonDivergence(ha.map(Double.init), hb.map(Double.init))
            let w = Stats.wasserstein1(a, b)
            let ks = try #require(Stats.ks2Sample(a, b))
            #expect(close(js, c.jsDistance), "\(c.name): JS \(js ?? .nan) vs \(c.jsDistance)")
            #expect(close(jsd, c.jsDivergence), "\(c.name): JSD \(jsd ?? .nan) vs \(c.jsDivergence)")
            #expect(close(w, c.wasserstein), "\(c.name): W1 \(w ?? .nan) vs \(c.wasserstein)")
            #expect(close(ks.statistic, c.ksStatistic), "\(c.name): D \(ks.statistic) vs \(c.ksStatistic)")
            #expect(ks.method.rawValue == c.ksMethod, "\(c.name)")
            // The exact p equals SciPy's; the asymptotic one equals kstwobign.sf, not SciPy's kstwo.sf (documented).
            let referenceP = c.ksPKolmogorovLimit ?? c.ksP
            // p-values relative to p (the tiny-p case has p = 1.3e−36).
            let pDifference = abs(ks.p - referenceP) / referenceP
            #expect(pDifference <= 1e-9, "\(c.name): p \(ks.p) vs \(referenceP)")
            for (x, y) in [(js, c.jsDistance), (jsd, c.jsDivergence), (w, c.wasserstein), (ks.statistic, c.ksStatistic)] {
                largest = max(largest, abs((x ?? .nan) - y) / max(1, abs(y)))
            }
            largestP = max(largestP, pDifference)
            if let limit = c.ksPKolmogorovLimit {
                // The documented gap between the limiting distribution and SciPy's finite-n asymptotic p.
                #expect(abs(limit - c.ksP) < 0.001, "\(c.name): kstwobign \(limit) vs kstwo \(c.ksP)")
            }
        }
        print("fidelity reference: largest scaled difference \(largest), largest relative p difference \(largestP)")
        #expect(largest <= 1e-9)
        #expect(largestP <= 1e-9)
    }

    @Test("degenerate inputs: empty samples and empty histograms have no distance")
    func degenerate() {
        #expect(Stats.wasserstein1([], [1]) == nil)
        #expect(Stats.ks2Sample([1], []) == nil)
        #expect(Stats.ks2Sample([.nan], [1]) == nil)
        #expect(Stats.jensenShannonDistance([0, 0], [1, 2]) == nil)
        #expect(Stats.jensenShannonDistance([1, 2], [1]) == nil)
        #expect(Stats.histogram([-3, 0, 4.99, 5, 1e9], edges: [0, 5, .infinity]) == [3, 2])
    }

    @Test("the Kolmogorov survival function agrees across its two series at x = 1")
    func kolmogorovBranches() {
        let below = Stats.kolmogorovSF(1 - 1e-12)
        let at = Stats.kolmogorovSF(1)
        #expect(abs(below - at) < 1e-11)
        // scipy.stats.kstwobign.sf(1.0) = 0.26999967167735456
        #expect(abs(at - 0.26999967167735456) < 1e-12)
    }
}

@Suite("Fidelity comparison")
struct FidelityComparisonTests {
    /// A small human corpus built in code: two conversations, depths 1–3, toxicity on three comments.
    static func human() -> HumanCorpus {
        let comments = [
            HumanCorpus.Comment(id: "h1", conversation: "x", text: "Cars make the centre loud and dirty every single day.", depth: 1, scores: ["toxicity": 2]),
            HumanCorpus.Comment(id: "h2", conversation: "x", text: "Buses work fine here.", depth: 2, scores: ["toxicity": 1]),
            HumanCorpus.Comment(id: "h3", conversation: "x", text: "You clearly never drive anywhere, genius.", depth: 3, scores: ["toxicity": 4]),
            HumanCorpus.Comment(id: "h4", conversation: "y", text: "Homework teaches discipline.", depth: 1),
            HumanCorpus.Comment(id: "h5", conversation: "y", text: "It teaches copying from friends mostly.", depth: 2),
            HumanCorpus.Comment(id: "h6", conversation: "y", text: "Teachers could grade less and teach more, honestly.", depth: 1),
        ]
        var counts = HumanCorpus.Counts()
        counts.read = 8
        counts.used = 6
        counts.roots = 2
        counts.conversations = 2
        return HumanCorpus(path: "human.csv", format: .csv, comments: comments, threadLengths: [3, 3], hasReplyStructure: true, counts: counts)
    }

    @Test("per condition: lengths, depths and threads come from non-moderator comments after the seed")
    func handStore() async throws {
        let store = try await HandStore.records().store()
        let f = try await FidelityComparison.build(store: store, human: Self.human(), options: FidelityOptions(diversitySampleSize: 2))
        #expect(f.conditions == ["none", "guidelines"])
        #expect(f.measures.map(\.kind) == [.commentLength, .lexicalDiversity, .threadLength, .replyDepth, .score, .score])
        let length = try #require(f.measures.first { $0.kind == .commentLength })
        #expect(length.human?.n == 6)
        let none = try #require(length.conditions.first { $0.condition == "none" })
        let guidelines = try #require(length.conditions.first { $0.condition == "guidelines" })
        // none: n0 has 4 comments, the failed n1 has 3; guidelines: user comments only (moderator excluded).
        #expect(none.sample.n == 7)
        #expect(guidelines.sample.n == 5)
        let words = [5.0, 5, 5, 5, 3, 6, 4]  // "Cars pollute the centre badly." … "Winter is short here."
        #expect(none.sample.mean == Stats.mean(words))
        #expect(none.wasserstein == Stats.wasserstein1(words, [10, 4, 6, 3, 6, 8]))
        let threads = try #require(f.measures.first { $0.kind == .threadLength })
        // Thread length counts done discussions only: n0 (4 comments) in none, g0 and g1 in guidelines.
        #expect(threads.conditions.map(\.sample.n) == [1, 2])
        #expect(threads.conditions[0].sample.mean == 4)
        let depth = try #require(f.measures.first { $0.kind == .replyDepth })
        // g0: alice 1, moderator 2, bob 3, alice 4 (moderator abstention takes no place), moderator 5.
        // g1: carol 1, moderator 2, moderator 3, bob 4. So guidelines' user depths are 1, 3, 4, 1, 4.
        #expect(depth.conditions[1].sample.histogram.prefix(5) == [2, 0, 1, 2, 0])
        #expect(depth.conditions[1].sample.mean == 13.0 / 5)
        let toxicity = try #require(f.measures.first { $0.dimension == "toxicity" })
        #expect(toxicity.unavailable == nil)
        #expect(toxicity.bins == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        #expect(toxicity.human?.histogram == [1, 1, 0, 1, 0])
        let quality = try #require(f.measures.first { $0.dimension == "argument_quality" })
        #expect(quality.unavailable != nil)
        #expect(quality.conditions.isEmpty)
    }

    @Test("lexical diversity uses equal-size disjoint samples, seeded: same seed same values, other seed other order")
    func diversitySamples() {
        let texts = (0..<25).map { "comment number \($0) says " + String(repeating: "word\($0 % 7) ", count: 1 + $0 % 4) }
        let options = FidelityOptions(diversitySampleSize: 5, diversityMaxSamples: 3)
        let a = FidelityComparison.diversitySamples(texts, options: options, stream: "human")
        let b = FidelityComparison.diversitySamples(texts, options: options, stream: "human")
        #expect(a.count == 3)
        #expect(a == b)
        let all = FidelityComparison.diversitySamples(texts, options: FidelityOptions(diversitySampleSize: 5), stream: "human")
        #expect(all.count == 5)
        #expect(FidelityComparison.diversitySamples(Array(texts.prefix(4)), options: options, stream: "human").isEmpty)
        var other = options
        other.seed = 7
        #expect(FidelityComparison.diversitySamples(texts, options: other, stream: "human") != a)
    }

    @Test("without conversations or reply structure the measures say why they are not compared")
    func unavailable() async throws {
        var human = Self.human()
        human.threadLengths = nil
        human.hasReplyStructure = false
        human.comments = human.comments.map { var c = $0; c.depth = nil; c.scores = [:]; return c }
        let f = try await FidelityComparison.build(store: try await HandStore.records().store(), human: human)
        #expect(f.measures.first { $0.kind == .threadLength }?.unavailable == "the human corpus has no conversation ids (give --conversation-column)")
        #expect(f.measures.first { $0.kind == .replyDepth }?.unavailable == "the human corpus has no reply structure (give --reply-to-column)")
        #expect(f.text.contains("not compared: the human corpus has no reply structure"))
        // Six human comments cannot fill one diversity sample of the default 10.
        #expect(
            f.measures.first { $0.kind == .lexicalDiversity }?.unavailable
                == "the human corpus has 6 comments, fewer than one sample of 10 (give a smaller --diversity-sample-size)")
    }

    @Test("the text table and the report section of a scripted store match their golden files")
    func golden() async throws {
        let store = try await ScriptedStore.make()
        let f = try await FidelityComparison.build(store: store, human: Self.human(), options: FidelityOptions(diversitySampleSize: 3))
        try Golden.check(f.text, named: "fidelity-compare.txt")
        var analysis = try await ScriptedStore.normalisedAnalysis(store)
        analysis.fidelity = f
        let html = ReportBuilder.html(analysis)
        let start = try #require(html.range(of: "<section id=\"fidelity\">"))
        let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
        try Golden.check(String(html[start.lowerBound..<end.upperBound]) + "\n", named: "fidelity-section.html")
        #expect(XMLInspector.parse(html) != nil)
        let json = try ReportJSON.text(analysis)
        #expect(json.contains("\"fidelity\" : {"))
        #expect(json.contains("\"Infinity\""))
        let compareJSON = try f.json()
        #expect(compareJSON.hasPrefix("{\n  \"comparison\" : {"))
        let plain = ReportBuilder.html(try await ScriptedStore.normalisedAnalysis(store))
        #expect(!plain.contains("id=\"fidelity\""))
        #expect(!(try ReportJSON.text(try await ScriptedStore.normalisedAnalysis(store))).contains("\"fidelity\""))
    }
}
