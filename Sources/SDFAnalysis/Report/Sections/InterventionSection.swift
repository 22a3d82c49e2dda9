import SDFCore
import SDFStore

/// The intervention section: the moderator's intervention rate pooled over the conditions of each strategy.
enum InterventionSection {
    /// One entry per strategy, in order of first appearance in `conditions`; `behaviour` is parallel to
    /// `conditions` (as ``BehaviourSection/behaviour(_:)`` returns it).
    static func byStrategy(conditions: [ConditionDesign], behaviour: [ConditionBehaviour]) -> [StrategyIntervention] {
        var strategies: [String] = []
        for c in conditions where !strategies.contains(c.strategy) { strategies.append(c.strategy) }
        return strategies.map { strategy in
            let members = zip(conditions, behaviour).filter { $0.0.strategy == strategy }.map(\.1)
            let turns = members.map(\.moderatorTurns).reduce(0, +)
            let comments = members.map(\.moderatorComments).reduce(0, +)
            return StrategyIntervention(
                strategy: strategy, moderatorTurns: turns, moderatorComments: comments,
                rate: Stats.interventionRate(moderatorComments: comments, moderatorTurns: turns))
        }
    }
}

/// The distribution of the moderator's comment count per discussion in one condition.
public struct InterventionCounts: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// The condition's moderation strategy.
    public var strategy: String
    /// Moderator comments in each discussion of the condition (every stored discussion, whatever its status),
    /// in stored order.
    public var counts: [Int]
    /// Mean of ``counts``.
    public var mean: Double
    /// Median of ``counts`` (R-7, as ``Stats/median(_:)``).
    public var median: Double
    /// Smallest count.
    public var min: Int
    /// Largest count.
    public var max: Int
}

extension InterventionSection {
    /// Moderator comments per discussion, one entry per condition in which a moderator takes part (a moderator
    /// participant or turn in any of its discussions), in condition order; conditions without a moderator
    /// (strategy `none`) are absent.
    static func perDiscussion(_ input: AnalysisInput) -> [InterventionCounts] {
        input.conditionOrder.compactMap { label in
            let discussions = input.discussionsByCondition[label] ?? []
            let moderated = discussions.contains { d in
                (input.participants[d.id] ?? []).contains { $0.role == .moderator } || input.turns(of: d.id).contains { $0.role == .moderator }
            }
            guard moderated, !discussions.isEmpty else { return nil }
            let counts = discussions.map { d in input.turns(of: d.id).filter { $0.role == .moderator && $0.outcome == .comment }.count }
            let values = counts.map(Double.init)
            return InterventionCounts(
                condition: label, strategy: discussions[0].strategy, counts: counts, mean: Stats.mean(values) ?? 0,
                median: Stats.median(values) ?? 0, min: counts.min() ?? 0, max: counts.max() ?? 0)
        }
    }
}
