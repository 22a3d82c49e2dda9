import SDFCore
import SDFStore

/// The turn-taking section: the manipulation check of every `respond(p)` policy, pooled per condition ×
/// policy × number of users and never across discussions.
enum TurnTakingSection {
    /// Counts pooled over the discussions of one condition under one policy and one number of users.
    struct Pool: Sendable, Hashable {
        /// The policy as shown in the report.
        var policy: String
        /// The reply-back probability of the policy.
        var p: Double
        /// Users per discussion.
        var users: Int
        /// Discussions pooled.
        var discussions = 0
        /// Eligible triples, summed.
        var triples = 0
        /// A, B, A triples, summed.
        var replyBacks = 0
    }

    /// The checks, condition by condition in the input's order, then by policy and user count.
    static func summaries(_ input: AnalysisInput) -> [TurnTakingSummary] {
        input.conditionOrder.flatMap { summaries(of: $0, input) }
    }

    /// The checks of one condition; discussions without a `respond(p)` policy or with fewer than two users are
    /// left out.
    static func summaries(of label: String, _ input: AnalysisInput) -> [TurnTakingSummary] {
        var pools: [String: Pool] = [:]
        for d in input.discussionsByCondition[label] ?? [] {
            guard let p = d.turnTaking.respondProbability else { continue }
            let users = input.users(of: d.id).count
            guard users >= 2 else { continue }
            let policy = d.turnTaking.description
            let key = "\(policy)|\(users)"
            var pool = pools[key] ?? Pool(policy: policy, p: p, users: users)
            pool.discussions += 1
            let speakers = input.turns(of: d.id).filter { !ExperimentAnalysis.isModerator($0) }.map(\.speaker)
            if let check = Stats.turnTakingCheck(speakers: speakers, p: p, users: users) {
                pool.triples += check.triples
                pool.replyBacks += check.replyBacks
            }
            pools[key] = pool
        }
        return pools.keys.sorted().map { key in
            let pool = pools[key]!
            return TurnTakingSummary(
                condition: label, policy: pool.policy, p: pool.p, users: pool.users, discussions: pool.discussions,
                check: ExperimentAnalysis.pooledTurnTakingCheck(triples: pool.triples, replyBacks: pool.replyBacks, p: pool.p, users: pool.users))
        }
    }
}
