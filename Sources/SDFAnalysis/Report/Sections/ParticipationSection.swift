import SDFCore
import SDFStore

/// How much one persona (a user or troll, by username) took part in one condition, over its discussions.
public struct PersonaParticipation: Sendable, Hashable, Codable {
    /// The persona's username (the turn's speaker).
    public var persona: String
    /// The persona's role (`user` or `troll`).
    public var role: String
    /// Discussions of the condition the persona takes part in.
    public var discussions: Int
    /// Turns the persona was given that produced a comment or an abstention (failed calls excluded).
    public var turns: Int
    /// Comments written.
    public var comments: Int
    /// Abstentions (turns the persona chose not to post in).
    public var abstentions: Int
    /// comments ÷ all user and troll comments of the condition, in [0, 1]; `nil` when the condition has none.
    public var share: Double?
}

/// Participation per persona in one condition, and how unequal it is within discussions.
public struct ConditionParticipation: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// One entry per persona (users and trolls), most comments first, then by name.
    public var personas: [PersonaParticipation]
    /// Mean over the condition's discussions of the Gini coefficient of comments per participant (every user
    /// and troll of the discussion, silent ones with 0; ``Stats/gini(_:)``); `nil` when no discussion has a
    /// comment.
    public var meanGini: Double?
    /// Mean over the same discussions of the top speaker's share of the discussion's user and troll comments,
    /// in [0, 1]; `nil` when no discussion has a comment.
    public var meanTopShare: Double?
    /// Discussions behind ``meanGini`` and ``meanTopShare`` (those with at least one user or troll comment).
    public var discussions: Int
}

/// The participation section: comments and abstentions per persona, Gini and top-speaker share per condition.
enum ParticipationSection {
    /// One entry per condition, in the input's condition order.
    static func participation(_ input: AnalysisInput) -> [ConditionParticipation] {
        input.conditionOrder.map { participation(of: $0, input) }
    }

    /// The participation of one condition, pooled over its discussions.
    static func participation(of label: String, _ input: AnalysisInput) -> ConditionParticipation {
        var personas: [String: PersonaParticipation] = [:]
        var ginis: [Double] = []
        var topShares: [Double] = []
        for d in input.discussionsByCondition[label] ?? [] {
            let users = input.users(of: d.id)
            var comments: [String: Int] = [:]
            for u in users {
                personas[u.username, default: PersonaParticipation(
                    persona: u.username, role: u.role.rawValue, discussions: 0, turns: 0, comments: 0, abstentions: 0, share: nil)].discussions += 1
                comments[u.username] = 0
            }
            for t in input.turns(of: d.id) where t.role != .moderator && t.role != .op && t.outcome != .failed {
                var p = personas[t.speaker] ?? PersonaParticipation(
                    persona: t.speaker, role: t.role.rawValue, discussions: 1, turns: 0, comments: 0, abstentions: 0, share: nil)
                p.turns += 1
                if t.outcome == .comment {
                    p.comments += 1
                    comments[t.speaker, default: 0] += 1
                } else {
                    p.abstentions += 1
                }
                personas[t.speaker] = p
            }
            let counts = comments.values.map(Double.init)
            let total = counts.reduce(0, +)
            if total > 0, let g = Stats.gini(counts) {
                ginis.append(g)
                topShares.append((counts.max() ?? 0) / total)
            }
        }
        let total = personas.values.map(\.comments).reduce(0, +)
        let rows = personas.values.map { p -> PersonaParticipation in
            var p = p
            p.share = total > 0 ? Double(p.comments) / Double(total) : nil
            return p
        }.sorted { a, b in a.comments != b.comments ? a.comments > b.comments : a.persona < b.persona }
        return ConditionParticipation(
            condition: label, personas: rows, meanGini: Stats.mean(ginis), meanTopShare: Stats.mean(topShares), discussions: ginis.count)
    }
}
