import Foundation
import SDFCore
import SDFStore

/// Choices that change the numbers of a ``FidelityComparison``.
public struct FidelityOptions: Sendable, Hashable, Codable {
    /// Comments per lexical-diversity sample (≥ 2; default 10): both sides are measured on samples of exactly
    /// this size, because the mean pairwise ROUGE-L of a set depends on how many texts it holds.
    public var diversitySampleSize: Int
    /// At most this many diversity samples per side (default 200), to bound the O(m²) ROUGE-L work.
    public var diversityMaxSamples: Int
    /// Seed of the diversity sampling; each side (condition or human corpus) has its own named stream.
    public var seed: UInt64

    /// Creates options; every argument has the documented default.
    public init(diversitySampleSize: Int = 10, diversityMaxSamples: Int = 200, seed: UInt64 = 20_250_101) {
        self.diversitySampleSize = diversitySampleSize
        self.diversityMaxSamples = diversityMaxSamples
        self.seed = seed
    }
}

/// One sample's summary for one measure.
public struct FidelitySample: Sendable, Hashable, Codable {
    /// Observations.
    public var n: Int
    /// Mean; `nil` when n = 0.
    public var mean: Double?
    /// Median; `nil` when n = 0.
    public var median: Double?
    /// Counts in the measure's fixed bins (``FidelityMeasure/bins``).
    public var histogram: [Int]

    /// The summary of `values` in the bins `edges`.
    public init(_ values: [Double], edges: [Double]) {
        n = values.count
        mean = Stats.mean(values)
        median = Stats.median(values)
        histogram = Stats.histogram(values, edges: edges)
    }
}

/// The distances between one condition's distribution of a measure and the human corpus's.
public struct FidelityRow: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// The condition's sample.
    public var sample: FidelitySample
    /// Jensen–Shannon distance (base 2, √divergence, in [0, 1]) of the two binned distributions; `nil` when
    /// either side is empty.
    public var jensenShannonDistance: Double?
    /// Jensen–Shannon divergence in bits (the distance squared), in [0, 1].
    public var jensenShannonDivergence: Double?
    /// Wasserstein-1 distance of the raw values, in the measure's unit.
    public var wasserstein: Double?
    /// Two-sample Kolmogorov–Smirnov test of the raw values (``Stats/ks2Sample(_:_:)``).
    public var ks: Stats.KSResult?
}

/// One measure compared between every condition and the human corpus.
public struct FidelityMeasure: Sendable, Hashable, Codable {
    /// What is measured.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Words per comment (``Stats/tokens(_:)``: runs of letters and digits).
        case commentLength
        /// 1 − mean pairwise ROUGE-L F1 of disjoint random samples of ``FidelityOptions/diversitySampleSize``
        /// comments (``Stats/lexicalDiversity(_:)``), one value per sample.
        case lexicalDiversity
        /// Comments per discussion / conversation.
        case threadLength
        /// Depth of each comment in its reply tree (seed / root = 0).
        case replyDepth
        /// An annotation dimension: each comment's mean `ok` rating.
        case score
    }

    /// The kind of measure.
    public var kind: Kind
    /// The rubric dimension (``Kind/score`` only).
    public var dimension: String?
    /// A human-readable name with its unit, e.g. `comment length (words)`.
    public var name: String
    /// The fixed bin edges of the Jensen–Shannon histograms: bin i = [bins[i], bins[i + 1]); the last edge may be
    /// +∞ (written `"Infinity"` in JSON); values below the first edge count in the first bin.
    public var bins: [Double]
    /// The human corpus's sample; `nil` when the corpus lacks what the measure needs (see ``unavailable``).
    public var human: FidelitySample?
    /// Why the measure is not compared, e.g. `the CSV has no reply-to column`; `nil` when it is.
    public var unavailable: String?
    /// One row per condition, in analysis order (empty when ``unavailable``).
    public var conditions: [FidelityRow]
}

/// How the comments of a store's conditions compare with a corpus of human discussions (`sdf compare`, and the
/// report's fidelity section with `sdf report --human`).
///
/// Synthetic side, per condition: the **non-moderator comments after the seed** — user and troll turns with
/// outcome `comment` (seed comments, moderator comments, abstentions and failed turns excluded), of every
/// discussion whatever its status; thread length only over discussions with status `done` (an interrupted
/// discussion's length says nothing about the condition), counting its non-moderator comments; reply depth as
/// ``StoreThreads`` defines it (the k-th comment after the seed has depth k, moderator comments included in the
/// count, the same depth as in the store's ConvoKit export). Human side: ``HumanCorpus``'s comments, thread
/// lengths and depths.
///
/// Distances per measure and condition: Jensen–Shannon on the fixed bins of ``bins(for:scale:)``, Wasserstein-1
/// and the two-sample Kolmogorov–Smirnov statistic and p on the raw values. Scores are compared for every rubric
/// dimension that both sides have; the human side has scores only when it was annotated (a store, or a ConvoKit
/// corpus with SDF-shaped `meta.annotations`).
public struct FidelityComparison: Sendable, Hashable, Codable {
    /// The human corpus: where and what was read, and what was used.
    public struct Human: Sendable, Hashable, Codable {
        /// The path as given.
        public var path: String
        /// Its format.
        public var format: HumanCorpus.Format
        /// Records read and used.
        public var counts: HumanCorpus.Counts
        /// Whether thread lengths are available (conversation ids).
        public var hasConversations: Bool
        /// Whether reply depths are available (reply structure).
        public var hasReplyStructure: Bool
    }

    /// The human corpus.
    public var human: Human
    /// The options used.
    public var options: FidelityOptions
    /// The condition labels, in analysis order.
    public var conditions: [String]
    /// The measures: comment length, lexical diversity, thread length, reply depth, then one per shared rubric
    /// dimension.
    public var measures: [FidelityMeasure]

    // MARK: bins

    /// Comment length edges (words): 0, 5, 10, 20, 40, 80, 160, 320, 640, +∞.
    public static let lengthBins: [Double] = [0, 5, 10, 20, 40, 80, 160, 320, 640, .infinity]
    /// Lexical diversity edges: 0, 0.1, …, 0.9, +∞ (ten bins of width 0.1; 1.0 falls in the last).
    public static let diversityBins: [Double] = (0..<10).map { Double($0) / 10 } + [.infinity]
    /// Thread length edges (comments): 0, 1, 2, 5, 10, 20, 50, 100, +∞.
    public static let threadBins: [Double] = [0, 1, 2, 5, 10, 20, 50, 100, .infinity]
    /// Reply depth edges: 1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, +∞ (single depths up to 5, then widening).
    public static let depthBins: [Double] = [1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, .infinity]

    /// The fixed bin edges of a measure; for scores, one bin per scale point: min − ½, min + ½, …, max + ½
    /// (a comment's mean rating falls in the bin of its nearest scale point; halves go up).
    public static func bins(for kind: FidelityMeasure.Kind, scale: ClosedRange<Int> = 1...5) -> [Double] {
        switch kind {
        case .commentLength: return lengthBins
        case .lexicalDiversity: return diversityBins
        case .threadLength: return threadBins
        case .replyDepth: return depthBins
        case .score: return (scale.lowerBound...(scale.upperBound + 1)).map { Double($0) - 0.5 }
        }
    }

    // MARK: building

    /// The values of one side (a condition or the human corpus) before comparison.
    struct Side {
        var texts: [String] = []
        var depths: [Double] = []
        var threadLengths: [Double] = []
        var scores: [String: [Double]] = [:]
    }

    /// Reads the store and compares each condition with `human`.
    ///
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func build(store: Store, human: HumanCorpus, options: FidelityOptions = FidelityOptions()) async throws -> FidelityComparison {
        let discussions = try await store.discussions()
        var seeds: [String: Int] = [:]
        for d in discussions { seeds[d.id] = try await store.seedComments(of: d).count }
        let allTurns = try await store.allTurns()
        let turns = Dictionary(grouping: allTurns, by: \.discussionId)
        let annotations = try await store.annotationScores()
        let annotators = try await store.annotatorRecords()
        let rubric = ExperimentAnalysis.rubric(annotators: annotators, annotations: annotations)
        return compare(
            discussions: discussions, turnsByDiscussion: turns, seedCounts: seeds, annotations: annotations, rubric: rubric, human: human,
            options: options)
    }

    /// The comparison from records (see ``build(store:human:options:)``).
    static func compare(
        discussions: [DiscussionRecord], turnsByDiscussion: [String: [TurnRecord]], seedCounts: [String: Int],
        annotations: [AnnotationScore], rubric: [RubricDimension], human: HumanCorpus, options: FidelityOptions
    ) -> FidelityComparison {
        var ratings: [String: [String: [Int]]] = [:]
        for a in annotations where a.status == .ok {
            for (dimension, value) in a.values { ratings[a.commentId, default: [:]][dimension, default: []].append(value) }
        }
        let order = ExperimentAnalysis.conditionOrder(discussions)
        var sides: [String: Side] = [:]
        for d in discussions {
            var side = sides[d.conditionLabel] ?? Side()
            var length = 0
            for c in StoreThreads.comments(turnsByDiscussion[d.id] ?? [], seedCount: seedCounts[d.id] ?? 1) where !c.isModerator {
                length += 1
                side.texts.append(c.turn.text ?? "")
                side.depths.append(Double(c.depth))
                for (dimension, values) in ratings[c.turn.id] ?? [:] {
                    side.scores[dimension, default: []].append(Double(values.reduce(0, +)) / Double(values.count))
                }
            }
            if d.status == .done { side.threadLengths.append(Double(length)) }
            sides[d.conditionLabel] = side
        }
        var humanSide = Side()
        humanSide.texts = human.comments.map(\.text)
        humanSide.depths = human.comments.compactMap { $0.depth.map(Double.init) }
        humanSide.threadLengths = (human.threadLengths ?? []).map(Double.init)
        for c in human.comments {
            for (dimension, value) in c.scores { humanSide.scores[dimension, default: []].append(value) }
        }

        func measure(
            _ kind: FidelityMeasure.Kind, name: String, dimension: String? = nil, bins: [Double], unavailable: String?,
            values: (Side, String) -> [Double]
        ) -> FidelityMeasure {
            guard unavailable == nil else {
                return FidelityMeasure(kind: kind, dimension: dimension, name: name, bins: bins, human: nil, unavailable: unavailable, conditions: [])
            }
            let h = values(humanSide, "human")
            let rows = order.map { label -> FidelityRow in
                let s = values(sides[label] ?? Side(), "condition/" + label)
                let hs = Stats.histogram(s, edges: bins).map(Double.init)
                let hh = Stats.histogram(h, edges: bins).map(Double.init)
                return FidelityRow(
                    condition: label, sample: FidelitySample(s, edges: bins), jensenShannonDistance: Stats.jensenShannonDistance(hs, hh),
                    jensenShannonDivergence: Stats.jensenShannonDivergence(hs, hh), wasserstein: Stats.wasserstein1(s, h),
                    ks: Stats.ks2Sample(s, h))
            }
            return FidelityMeasure(kind: kind, dimension: dimension, name: name, bins: bins, human: FidelitySample(h, edges: bins), unavailable: nil, conditions: rows)
        }

        var measures: [FidelityMeasure] = []
        measures.append(
            measure(.commentLength, name: "comment length (words)", bins: lengthBins, unavailable: nil) { side, _ in
                side.texts.map { Double(Stats.tokens($0).count) }
            })
        measures.append(
            measure(
                .lexicalDiversity, name: "lexical diversity (1 − mean pairwise ROUGE-L, samples of \(options.diversitySampleSize) comments)",
                bins: diversityBins,
                unavailable: humanSide.texts.count < max(2, options.diversitySampleSize)
                    ? "the human corpus has \(humanSide.texts.count) comments, fewer than one sample of \(max(2, options.diversitySampleSize)) (give a smaller --diversity-sample-size)"
                    : nil
            ) { side, stream in
                diversitySamples(side.texts, options: options, stream: stream)
            })
        measures.append(
            measure(
                .threadLength, name: "thread length (comments per discussion)", bins: threadBins,
                unavailable: human.threadLengths == nil ? "the human corpus has no conversation ids (give --conversation-column)" : nil
            ) { side, _ in side.threadLengths })
        measures.append(
            measure(
                .replyDepth, name: "reply depth (seed / root = 0)", bins: depthBins,
                unavailable: human.hasReplyStructure ? nil : "the human corpus has no reply structure (give --reply-to-column)"
            ) { side, _ in side.depths })
        let humanDimensions = Set(humanSide.scores.keys)
        for dimension in rubric {
            let scale = dimension.min...max(dimension.max, dimension.min)
            let missing = humanDimensions.contains(dimension.name)
                ? nil : "the human comments have no \(dimension.name) annotations (import them into a store with sdf import and annotate, or give a ConvoKit corpus with meta.annotations)"
            measures.append(
                measure(.score, name: "\(dimension.name) (mean rating, \(dimension.min)–\(dimension.max))", dimension: dimension.name,
                    bins: bins(for: .score, scale: scale), unavailable: missing
                ) { side, _ in side.scores[dimension.name] ?? [] })
        }
        return FidelityComparison(
            human: Human(
                path: human.path, format: human.format, counts: human.counts, hasConversations: human.threadLengths != nil,
                hasReplyStructure: human.hasReplyStructure),
            options: options, conditions: order, measures: measures)
    }

    /// Lexical diversity of disjoint random samples of exactly ``FidelityOptions/diversitySampleSize`` texts:
    /// the texts are shuffled with the seeded stream `fidelity-diversity/<stream>` and cut into consecutive
    /// groups (the remainder is dropped), at most ``FidelityOptions/diversityMaxSamples`` groups.
    ///
    /// - Returns: one value per group, in group order; empty when there are fewer texts than one group.
    public static func diversitySamples(_ texts: [String], options: FidelityOptions, stream: String) -> [Double] {
        let m = max(2, options.diversitySampleSize)
        guard texts.count >= m else { return [] }
        var generator = SeededGenerator(seed: options.seed, stream: "fidelity-diversity/" + stream)
        let shuffled = generator.shuffled(texts)
        let groups = min(shuffled.count / m, max(0, options.diversityMaxSamples))
        return (0..<groups).compactMap { g in Stats.lexicalDiversity(Array(shuffled[(g * m)..<((g + 1) * m)])) }
    }
}
