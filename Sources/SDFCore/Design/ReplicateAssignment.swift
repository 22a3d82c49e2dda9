import Foundation

/// How replicates get their seed comment and their users.
public enum ReplicateAssignmentMethod: String, Codable, Sendable, Hashable, CaseIterable {
    /// Each replicate draws independently from its own seed (stores written before balancing): a seed comment
    /// uniformly, users by a shuffle of the pool. With few seeds, replicates often repeat one
    /// (seed 42: replicates 0, 1 and 2 all drew seed comment 0 of 3).
    case independentDraws = "independent"
    /// Dealt from shuffled decks (``ReplicateAssignment/balanced(replicates:seedComments:personas:usersPerDiscussion:runSeed:)``):
    /// after *r* replicates every seed comment has been used ⌊r/n⌋ or ⌈r/n⌉ times, every persona within one use of
    /// every other.
    case balanced
}

/// The seed comment and users of one replicate (the same in every condition with the same pool sizes).
public struct ReplicateAssignment: Codable, Sendable, Hashable {
    /// 0-based replicate index.
    public var replicate: Int
    /// Index of the seed comment in the experiment's list.
    public var seedCommentIndex: Int
    /// Indices into the persona pool of the discussion's users, in turn-taking index order.
    public var personaIndices: [Int]

    /// Creates an assignment.
    public init(replicate: Int, seedCommentIndex: Int, personaIndices: [Int]) {
        self.replicate = replicate
        self.seedCommentIndex = seedCommentIndex
        self.personaIndices = personaIndices
    }

    /// Balanced assignments of `replicates` replicates, dealt from shuffled decks.
    ///
    /// Seed comments: replicate *r* gets entry `r mod n` of deck ⌊r/n⌋, each deck a shuffle of `0..<n` (streams
    /// `seed-deck-<b>` of `runSeed`), so each seed comment is used ⌊R/n⌋ or ⌈R/n⌉ times by R replicates. Users:
    /// the persona pool is dealt from decks (shuffles of `0..<personas`, streams `persona-deck-<b>`),
    /// `usersPerDiscussion` cards per replicate; when a new deck starts within a replicate, cards already in that
    /// replicate are passed over and dealt next (so a discussion never gets one persona twice). Every persona is dealt
    /// once per deck, so after any replicate the use counts differ by at most 1.
    ///
    /// - Parameters:
    ///   - replicates: replicates per condition (≥ 0).
    ///   - seedComments: seed comments in the experiment (≥ 1).
    ///   - personas: personas in the pool (≥ `usersPerDiscussion`).
    ///   - usersPerDiscussion: users per discussion.
    ///   - runSeed: the experiment's seed.
    /// - Returns: one assignment per replicate, in order.
    public static func balanced(
        replicates: Int, seedComments: Int, personas: Int, usersPerDiscussion: Int, runSeed: UInt64
    ) -> [ReplicateAssignment] {
        guard replicates > 0 else { return [] }
        var result: [ReplicateAssignment] = []
        result.reserveCapacity(replicates)
        var seedDeck: [Int] = []
        var personaDeck: [Int] = []
        var personaDeckNumber = 0
        let k = min(usersPerDiscussion, personas)
        for r in 0..<replicates {
            let seedIndex: Int
            if seedComments > 0 {
                if r % seedComments == 0 {
                    var rng = SeededGenerator(seed: runSeed, stream: "seed-deck-\(r / seedComments)")
                    seedDeck = rng.shuffled(Array(0..<seedComments))
                }
                seedIndex = seedDeck[r % seedComments]
            } else {
                seedIndex = 0
            }
            var chosen: [Int] = []
            while chosen.count < k {
                if personaDeck.isEmpty {
                    var rng = SeededGenerator(seed: runSeed, stream: "persona-deck-\(personaDeckNumber)")
                    personaDeck = rng.shuffled(Array(0..<personas))
                    personaDeckNumber += 1
                }
                guard let position = personaDeck.firstIndex(where: { !chosen.contains($0) }) else { break }
                chosen.append(personaDeck.remove(at: position))
            }
            result.append(ReplicateAssignment(replicate: r, seedCommentIndex: seedIndex, personaIndices: chosen))
        }
        return result
    }

    /// The assignments of `experiment`'s replicates by its ``Experiment/replicateAssignment`` method.
    ///
    /// For ``ReplicateAssignmentMethod/independentDraws`` these are the draws ``DiscussionPlan`` made before
    /// balancing: streams `personas` and `seed-comment` of each replicate's seed.
    public static func table(for experiment: Experiment) -> [ReplicateAssignment] {
        let spec = experiment.spec
        switch experiment.replicateAssignment {
        case .balanced:
            return balanced(
                replicates: spec.replicates, seedComments: experiment.seedComments.count, personas: experiment.personas.count,
                usersPerDiscussion: spec.discussion.users, runSeed: spec.seed)
        case .independentDraws:
            return (0..<max(spec.replicates, 0)).map { independent(experiment: experiment, replicate: $0) }
        }
    }

    /// One replicate's independent draws (the assignment before balancing).
    public static func independent(experiment: Experiment, replicate: Int) -> ReplicateAssignment {
        let seed = SeedDerivation.derive(experiment.spec.seed, "replicate-\(replicate)")
        var personaRNG = SeededGenerator(seed: seed, stream: "personas")
        let order = Array(personaRNG.shuffled(Array(experiment.personas.indices)).prefix(experiment.spec.discussion.users))
        var seedRNG = SeededGenerator(seed: seed, stream: "seed-comment")
        let seedIndex = experiment.seedComments.isEmpty ? 0 : seedRNG.index(below: experiment.seedComments.count)
        return ReplicateAssignment(replicate: replicate, seedCommentIndex: seedIndex, personaIndices: order)
    }
}
