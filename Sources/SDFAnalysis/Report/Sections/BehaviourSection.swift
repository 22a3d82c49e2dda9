import SDFCore
import SDFStore

/// The behaviour section: moderation, participation, abstentions, failures, flags and lexical diversity per
/// condition.
enum BehaviourSection {
    /// What one discussion contributes beyond the counts: its user turns in order and the texts it compares.
    struct DiscussionTally: Sendable, Hashable {
        /// Speakers of the user and troll turns that produced a comment or an abstention, in order.
        var speakers: [String] = []
        /// Whether each of those turns produced a comment.
        var commented: [Bool] = []
        /// Texts of the analysed comments (user and troll, plus moderator when the options include them).
        var texts: [String] = []
    }

    /// One entry per condition, in the input's condition order.
    static func behaviour(_ input: AnalysisInput) -> [ConditionBehaviour] {
        input.conditionOrder.map { behaviour(of: $0, input) }
    }

    /// The behaviour of one condition, pooled over its discussions.
    static func behaviour(of label: String, _ input: AnalysisInput) -> ConditionBehaviour {
        var b = ConditionBehaviour(
            condition: label, moderatorTurns: 0, moderatorComments: 0, interventionRate: nil, userTurns: 0, userComments: 0,
            participationRate: nil, shareWhoCommented: nil, abstentions: [:], failedCalls: 0, flags: [:], comments: 0,
            lexicalDiversity: nil, lexicalDiscussions: 0)
        var shares: [Double] = []
        var diversities: [Double] = []
        for d in input.discussionsByCondition[label] ?? [] {
            let tally = count(input.turns(of: d.id), into: &b, includeModeratorComments: input.options.includeModeratorComments)
            let users = input.users(of: d.id).map(\.username)
            if let participation = Stats.participation(speakers: tally.speakers, commented: tally.commented, users: users) {
                shares.append(participation.shareWhoCommented)
            }
            if let diversity = Stats.lexicalDiversity(tally.texts) { diversities.append(diversity) }
        }
        b.interventionRate = Stats.interventionRate(moderatorComments: b.moderatorComments, moderatorTurns: b.moderatorTurns)
        b.participationRate = b.userTurns > 0 ? Double(b.userComments) / Double(b.userTurns) : nil
        b.shareWhoCommented = Stats.mean(shares)
        b.lexicalDiversity = Stats.mean(diversities)
        b.lexicalDiscussions = diversities.count
        return b
    }

    /// Adds one discussion's turns to the counts of `b` (failed calls count only as failures) and returns the
    /// discussion's own tally.
    static func count(_ turns: [TurnFacts], into b: inout ConditionBehaviour, includeModeratorComments: Bool) -> DiscussionTally {
        var tally = DiscussionTally()
        for t in turns {
            let moderator = ExperimentAnalysis.isModerator(t)
            switch t.outcome {
            case .failed:
                b.failedCalls += 1
                continue
            case .abstention:
                b.abstentions[t.role.rawValue, default: 0] += 1
            case .comment:
                b.comments += 1
                for flag in t.flags { b.flags[flag.rawValue, default: 0] += 1 }
                if includeModeratorComments || !moderator { tally.texts.append(t.text ?? "") }
            }
            if moderator {
                b.moderatorTurns += 1
                if t.outcome == .comment { b.moderatorComments += 1 }
            } else {
                b.userTurns += 1
                if t.outcome == .comment { b.userComments += 1 }
                tally.speakers.append(t.speaker)
                tally.commented.append(t.outcome == .comment)
            }
        }
        return tally
    }
}
