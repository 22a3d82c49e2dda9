/// Decides which user speaks next. The moderator is scheduled separately (``ModeratorSchedule``).
///
/// YAML: `{policy: roundRobin, randomStart: true}`, `{policy: random}`, `{policy: respond, p: 0.4}`.
public enum TurnTakingPolicy: Codable, Sendable, Hashable {
    /// A fixed cyclic order over the users; optionally starting at a random user.
    case roundRobin(randomStart: Bool)
    /// Uniform over the users other than the previous speaker.
    case random
    /// "Random weighted" of earlier SDF versions: with probability `p` the speaker before the last one
    /// replies (A, B, A); otherwise uniform over users other than the last speaker.
    case respond(p: Double)

    enum CodingKeys: String, CodingKey, CaseIterable { case policy, randomStart, p }

    /// The policy's name as written in experiment files.
    public var name: String {
        switch self {
        case .roundRobin: return "roundRobin"
        case .random: return "random"
        case .respond: return "respond"
        }
    }

    /// Decodes strictly; `respond` needs `p`.
    ///
    /// - Throws: `DecodingError` for unknown policies, unknown keys, or a missing `p`.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .policy)
        switch name {
        case "roundRobin", "round_robin":
            self = .roundRobin(randomStart: try c.decodeIfPresent(Bool.self, forKey: .randomStart) ?? false)
        case "random":
            self = .random
        case "respond", "random_weighted":
            guard let p = try c.decodeIfPresent(Double.self, forKey: .p) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.p, .init(codingPath: c.codingPath, debugDescription: "policy respond needs 'p', a probability in [0, 1]"))
            }
            self = .respond(p: p)
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: c.codingPath + [CodingKeys.policy],
                    debugDescription: "unknown turn-taking policy '\(name)'; expected roundRobin, random or respond"))
        }
    }

    /// Encodes in the shape the decoder reads.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .policy)
        switch self {
        case .roundRobin(let randomStart): try c.encode(randomStart, forKey: .randomStart)
        case .random: break
        case .respond(let p): try c.encode(p, forKey: .p)
        }
    }
}

/// One logged turn-taking decision: who could speak, the random draws, and the rule that decided.
public struct TurnDecision: Codable, Sendable, Hashable {
    /// Index of the chosen user in the discussion's user list.
    public var speaker: Int
    /// Indices of the users that could have been chosen by the rule applied.
    public var candidates: [Int]
    /// The uniform draw in [0, 1) that chose between reply-back and uniform (`respond` only).
    public var draw: Double?
    /// Which rule decided: `first`, `uniform`, `uniformExcludingLast`, `replyBack`, `cyclic`.
    public var rule: String

    /// Creates a decision record.
    public init(speaker: Int, candidates: [Int], draw: Double?, rule: String) {
        self.speaker = speaker
        self.candidates = candidates
        self.draw = draw
        self.rule = rule
    }
}

/// Runs a ``TurnTakingPolicy`` over `userCount` users with its own seeded generator.
///
/// A value type whose whole state (generator and speaker history) is `Codable`, so it can be saved after
/// every turn and restored to continue a partial discussion with the same decisions.
public struct TurnTaker: Codable, Sendable, Hashable {
    /// The policy applied.
    public let policy: TurnTakingPolicy
    /// Number of users (≥ 2).
    public let userCount: Int
    /// The generator all draws come from.
    public private(set) var generator: SeededGenerator
    /// The last two speakers, most recent last.
    public private(set) var recent: [Int]
    /// Round-robin position of the next speaker.
    public private(set) var cursor: Int?

    /// Creates a turn taker; `seed` should be a named stream of the discussion's seed.
    ///
    /// - Precondition: `userCount >= 2`.
    public init(policy: TurnTakingPolicy, userCount: Int, seed: UInt64) {
        precondition(userCount >= 2, "turn-taking needs at least two users")
        self.policy = policy
        self.userCount = userCount
        self.generator = SeededGenerator(seed: seed)
        self.recent = []
        self.cursor = nil
    }

    /// Chooses the next speaker and returns the decision with its inputs.
    public mutating func next() -> TurnDecision {
        let all = Array(0..<userCount)
        let decision: TurnDecision
        switch policy {
        case .roundRobin(let randomStart):
            let start = cursor ?? (randomStart ? generator.index(below: userCount) : 0)
            decision = TurnDecision(speaker: start, candidates: [start], draw: nil, rule: cursor == nil ? "first" : "cyclic")
            cursor = (start + 1) % userCount
        case .random:
            if let last = recent.last {
                let candidates = all.filter { $0 != last }
                decision = TurnDecision(
                    speaker: candidates[generator.index(below: candidates.count)], candidates: candidates, draw: nil,
                    rule: "uniformExcludingLast")
            } else {
                decision = TurnDecision(speaker: generator.index(below: userCount), candidates: all, draw: nil, rule: "first")
            }
        case .respond(let p):
            if recent.isEmpty {
                decision = TurnDecision(speaker: generator.index(below: userCount), candidates: all, draw: nil, rule: "first")
            } else if recent.count == 1 {
                let candidates = all.filter { $0 != recent[0] }
                decision = TurnDecision(
                    speaker: candidates[generator.index(below: candidates.count)], candidates: candidates, draw: nil,
                    rule: "uniformExcludingLast")
            } else {
                let draw = generator.nextUnit()
                let last = recent[recent.count - 1]
                if draw < p {
                    let back = recent[recent.count - 2]
                    decision = TurnDecision(speaker: back, candidates: [back], draw: draw, rule: "replyBack")
                } else {
                    let candidates = all.filter { $0 != last }
                    decision = TurnDecision(
                        speaker: candidates[generator.index(below: candidates.count)], candidates: candidates, draw: draw,
                        rule: "uniformExcludingLast")
                }
            }
        }
        recent.append(decision.speaker)
        if recent.count > 2 { recent.removeFirst(recent.count - 2) }
        return decision
    }

    /// The share of A, B, A triples that `respond(p)` yields with `n` users: p + (1 − p)/(n − 1) (with probability p
    /// the speaker before the last replies; otherwise the pick is uniform over the n − 1 users other than B, one of
    /// whom is A).
    public static func expectedReplyBackShare(p: Double, users n: Int) -> Double {
        p + (1 - p) / Double(n - 1)
    }
}
