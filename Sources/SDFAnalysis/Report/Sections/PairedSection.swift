import SDFCore
import SDFStore

/// One replicate of a branched pair: the mean score after the branch point in the trunk and in the branch.
public struct PairedReplicate: Sendable, Hashable, Codable {
    /// The replicate index.
    public var replicate: Int
    /// Mean score of the trunk's comments after the branch point (each comment: the mean over its annotators).
    public var trunk: Double
    /// Mean score of the branched discussion's comments after the branch point.
    public var branched: Double
}

/// The paired analysis of one branched condition against its trunk on one rubric dimension.
///
/// Unit: the replicate. For replicate *r*, the trunk discussion and the branched discussion share their first *K* user
/// turns exactly; only comments after the branch point (turn index greater than that of the *K*-th user turn) count.
/// A comment's score is the mean of its usable annotations on the dimension; a discussion's score is the mean over its
/// scored comments after the branch point; replicates where either side has none are left out.
public struct BranchedPairAnalysis: Sendable, Hashable, Codable {
    /// The trunk condition's label.
    public var trunk: String
    /// The branched condition's label.
    public var branched: String
    /// The branch point *K*.
    public var branchTurn: Int
    /// The rubric dimension.
    public var dimension: String
    /// The replicates with a score on both sides, by replicate.
    public var replicates: [PairedReplicate]
    /// Branched (a) against trunk (b): the difference is branched − trunk; `nil` without a replicate.
    public var comparison: Stats.PairedComparison?
}

/// The paired-analysis section (branched designs only).
enum PairedSection {
    /// One entry per (trunk condition, branched condition, dimension), in condition order then rubric order; `nil`
    /// when the store holds no branched discussion (the section and its JSON key are then absent).
    static func analysis(_ input: AnalysisInput) -> [BranchedPairAnalysis]? {
        guard !input.branchLinks.isEmpty else { return nil }
        let byId = Dictionary(input.discussions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let analysedIds = Set(input.analysed.map(\.id))
        /// Mean score per discussion of its analysed comments after turn index `cutoff`.
        func score(_ discussion: String, after cutoff: Int, _ dimension: String) -> Double? {
            var perComment: [Double] = []
            for t in input.turns(of: discussion) where t.turnIndex > cutoff && analysedIds.contains(t.id) {
                let values = (input.usableValues[t.id] ?? [:]).values.compactMap { $0[dimension] }.map(Double.init)
                if let m = Stats.mean(values) { perComment.append(m) }
            }
            return Stats.mean(perComment)
        }
        struct PairKey: Hashable { var trunk: String; var branched: String; var k: Int }
        var pairs: [PairKey: [(replicate: Int, trunk: String, branched: String, cutoff: Int)]] = [:]
        for link in input.branchLinks.values {
            guard let branched = byId[link.discussionId], let trunk = byId[link.branchedFromDiscussion] else { continue }
            let userTurns = input.turns(of: trunk.id).filter(\.hasDecision).sorted { $0.turnIndex < $1.turnIndex }
            // A branch point outside the trunk's user turns (possible only in an edited store) pairs nothing.
            guard link.branchTurn >= 1, userTurns.count >= link.branchTurn else { continue }
            let key = PairKey(trunk: trunk.conditionLabel, branched: branched.conditionLabel, k: link.branchTurn)
            pairs[key, default: []].append(
                (replicate: branched.replicate, trunk: trunk.id, branched: branched.id, cutoff: userTurns[link.branchTurn - 1].turnIndex))
        }
        let order = input.conditionOrder
        let keys = pairs.keys.sorted {
            let (a, b) = (order.firstIndex(of: $0.branched) ?? 0, order.firstIndex(of: $1.branched) ?? 0)
            return a != b ? a < b : ($0.trunk, $0.k) < ($1.trunk, $1.k)
        }
        var result: [BranchedPairAnalysis] = []
        for key in keys {
            let members = pairs[key]!.sorted { $0.replicate < $1.replicate }
            for dimension in input.rubric.map(\.name) {
                var replicates: [PairedReplicate] = []
                for m in members {
                    guard let a = score(m.branched, after: m.cutoff, dimension), let b = score(m.trunk, after: m.cutoff, dimension) else { continue }
                    replicates.append(PairedReplicate(replicate: m.replicate, trunk: b, branched: a))
                }
                result.append(
                    BranchedPairAnalysis(
                        trunk: key.trunk, branched: key.branched, branchTurn: key.k, dimension: dimension, replicates: replicates,
                        comparison: Stats.pairedComparison(replicates.map(\.branched), replicates.map(\.trunk))))
            }
        }
        return result
    }
}
