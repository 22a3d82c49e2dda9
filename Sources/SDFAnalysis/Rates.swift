import SDFCore

extension Stats {
    // MARK: Intervention and participation

    /// The moderator's intervention rate: comments written / turns the moderator was given.
    ///
    /// - Parameters:
    ///   - moderatorComments: comments the moderator posted, in 0…`moderatorTurns`.
    ///   - moderatorTurns: turns offered to the moderator, > 0.
    /// - Returns: a rate in [0, 1]; `nil` when `moderatorTurns ≤ 0` or `moderatorComments` is outside
    ///   0…`moderatorTurns`.
    public static func interventionRate(moderatorComments: Int, moderatorTurns: Int) -> Double? {
        guard moderatorTurns > 0, moderatorComments >= 0, moderatorComments <= moderatorTurns else { return nil }
        return Double(moderatorComments) / Double(moderatorTurns)
    }

    /// The moderator's intervention rate from one flag per moderator turn (`true` = commented).
    ///
    /// - Returns: the share of `true`, in [0, 1]; `nil` for an empty array.
    public static func interventionRate(_ moderatorCommented: [Bool]) -> Double? {
        interventionRate(moderatorComments: moderatorCommented.filter { $0 }.count, moderatorTurns: moderatorCommented.count)
    }

    /// Per-user participation in one discussion.
    public struct Participation<User: Hashable>: Hashable {
        /// Turns each user was given (users with no turn are absent).
        public var turns: [User: Int]
        /// Comments each user wrote (0 for users who always stayed silent; absent for users without turns).
        public var comments: [User: Int]
        /// comments / turns for each user with at least one turn, in [0, 1].
        public var rates: [User: Double]
        /// The share of users who commented at least once, in [0, 1], over all users considered (those with
        /// turns plus any extra users listed by the caller).
        public var shareWhoCommented: Double
    }

    /// Participation rates: for each user, that user's comments / that user's turns, and the share of users
    /// who commented at least once.
    ///
    /// - Parameters:
    ///   - speakers: the user given each turn, in order.
    ///   - commented: for each turn, whether that user wrote a comment (`false` = skipped the turn).
    ///   - users: optionally every user of the discussion; users who never got a turn then count as not having
    ///     commented in ``Participation/shareWhoCommented`` (they have no rate).
    /// - Returns: the participation summary; `nil` when the arrays' lengths differ or there is no user at all.
    public static func participation<User: Hashable>(
        speakers: [User], commented: [Bool], users: [User] = []
    ) -> Participation<User>? {
        guard speakers.count == commented.count else { return nil }
        var turns = [User: Int]()
        var comments = [User: Int]()
        for (speaker, wrote) in zip(speakers, commented) {
            turns[speaker, default: 0] += 1
            comments[speaker, default: 0] += wrote ? 1 : 0
        }
        let everyone = Set(turns.keys).union(users)
        guard !everyone.isEmpty else { return nil }
        let rates = turns.reduce(into: [User: Double]()) { result, entry in
            result[entry.key] = Double(comments[entry.key] ?? 0) / Double(entry.value)
        }
        let active = everyone.filter { (comments[$0] ?? 0) > 0 }.count
        return Participation(
            turns: turns, comments: comments, rates: rates, shareWhoCommented: Double(active) / Double(everyone.count))
    }

    // MARK: Turn-taking manipulation check

    /// The result of the turn-taking manipulation check.
    public struct TurnTakingCheck: Sendable, Hashable, Codable {
        /// Eligible triples: consecutive (s_t, s_{t+1}, s_{t+2}) with s_t ≠ s_{t+1}.
        public var triples: Int
        /// Eligible triples of the form A, B, A (s_{t+2} = s_t).
        public var replyBacks: Int
        /// replyBacks / triples, in [0, 1].
        public var observed: Double
        /// p + (1 − p)/(n − 1), the share expected under the `respond(p)` policy with n users.
        public var expected: Double
        /// (observed − expected) / √(expected(1 − expected)/triples).
        public var z: Double
        /// Two-sided p-value 2·(1 − Φ(|z|)), in [0, 1].
        public var p: Double
    }

    /// Checks that a speaker sequence shows the A, B, A share that the `respond(p)` turn-taking policy
    /// implies, with a binomial (one-proportion) z-test.
    ///
    /// Under `respond(p)` with n users, after A then B the next speaker is A with probability
    /// p + (1 − p)/(n − 1) (`TurnTaker.expectedReplyBackShare`). Triples whose first two speakers are the
    /// same are not eligible (no policy in SDF produces them, but a hand-edited log might). With x A, B, A
    /// triples among m eligible ones and p₀ the expected share, z = (x/m − p₀)/√(p₀(1 − p₀)/m). Triples
    /// overlap, so the test is approximate (consecutive triples are not independent).
    ///
    /// - Parameters:
    ///   - speakers: who spoke at each user turn, in order (moderator turns left out).
    ///   - p: the policy's reply-back probability, in [0, 1] (0 for the `random` policy).
    ///   - users: the number of users n, ≥ 2.
    /// - Returns: the counts, shares, z and p; `nil` when there is no eligible triple, `users < 2` or `p` is
    ///   outside [0, 1]. When p₀ is 0 or 1 (e.g. n = 2) the variance is 0: z = 0 and p = 1 if the observed
    ///   share equals p₀, otherwise z = ±∞ and p = 0.
    ///
    /// Matches `statsmodels.stats.proportion.proportions_ztest(x, m, value=p0, prop_var=p0)`.
    public static func turnTakingCheck<User: Equatable>(speakers: [User], p: Double, users: Int) -> TurnTakingCheck? {
        guard users >= 2, p >= 0, p <= 1, speakers.count >= 3 else { return nil }
        var triples = 0
        var replyBacks = 0
        for t in 0..<(speakers.count - 2) where speakers[t] != speakers[t + 1] {
            triples += 1
            if speakers[t + 2] == speakers[t] { replyBacks += 1 }
        }
        guard triples > 0 else { return nil }
        let expected = TurnTaker.expectedReplyBackShare(p: p, users: users)
        let observed = Double(replyBacks) / Double(triples)
        let variance = expected * (1 - expected) / Double(triples)
        let z: Double
        if variance > 0 {
            z = (observed - expected) / variance.squareRoot()
        } else {
            z = observed == expected ? 0 : (observed > expected ? .infinity : -.infinity)
        }
        let pValue = min(1, 2 * normalSF(abs(z)))
        return TurnTakingCheck(
            triples: triples, replyBacks: replyBacks, observed: observed, expected: expected, z: z, p: pValue)
    }
}

/// A participation summary is `Sendable` when its user identifiers are.
extension Stats.Participation: Sendable where User: Sendable {}
