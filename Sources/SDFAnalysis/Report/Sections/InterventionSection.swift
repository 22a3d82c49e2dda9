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
