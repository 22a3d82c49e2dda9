/// One participant as planned for a discussion.
public struct PlannedParticipant: Codable, Sendable, Hashable {
    /// Stable participant id (UUID derived from the discussion and position).
    public var id: String
    /// The persona.
    public var persona: Persona
    /// `user`, `troll` or `moderator`.
    public var role: Role
    /// Role instructions or moderation strategy.
    public var instructions: String
    /// The rendered system message, stable for the whole discussion.
    public var systemPrompt: String

    /// The username.
    public var username: String { persona.username }
}

/// Everything decided about a discussion before its first turn: who takes part, in which role, which seed
/// comment opens it, and the turn taker's initial state. Pure and deterministic given the experiment and cell.
public struct DiscussionPlan: Sendable, Hashable {
    /// The design cell.
    public var cell: DesignCell
    /// The strategy of the cell's condition.
    public var strategy: Strategy
    /// The users (and trolls), in turn-taking index order.
    public var users: [PlannedParticipant]
    /// The moderator, unless the strategy is `none`.
    public var moderator: PlannedParticipant?
    /// The seed comment's index in the experiment's list.
    public var seedCommentIndex: Int
    /// The seed comment's text.
    public var seedComment: String
    /// The seed comment's id (the first comment's, for a thread).
    public var seedCommentId: String
    /// The whole seed: one comment by `OP`, or a thread whose comments are all shown, in order, to every participant.
    public var seedThread: SeedThread
    /// The ids of the seed's comments, in thread order: the first is ``seedCommentId``, comment *k* > 0 gets
    /// `uuid(cell seed, "seed-comment", discussion id, k)`.
    public var seedCommentIds: [String]
    /// The turn taker, before the first turn.
    public var turnTaker: TurnTaker

    /// Plans the discussion of `cell`.
    ///
    /// The users and the seed comment come from the replicate's ``ReplicateAssignment`` (by the experiment's
    /// ``Experiment/replicateAssignment``; balanced by default, the same in every condition). Other random choices
    /// use named streams of the cell's ``DesignCell/replicateSeed``: `trolls` (which users get troll instructions:
    /// `round(share × users)` of them), `turn-taking`.
    ///
    /// - Parameters:
    ///   - experiment: the experiment of the cell's condition (``Experiment/experiment(for:)``).
    ///   - assignment: the replicate's assignment when the caller has the table
    ///     (``ReplicateAssignment/table(for:)``); computed when `nil`.
    /// - Throws: the Mustache renderer's error for a malformed template.
    public init(experiment: Experiment, cell: DesignCell, renderer: PromptRenderer, assignment: ReplicateAssignment? = nil) throws {
        let spec = experiment.spec
        let seed = cell.replicateSeed
        self.cell = cell
        self.strategy = experiment.strategies.first { $0.name == cell.condition.strategy } ?? Strategy(name: "none", instructions: "")
        let assigned: ReplicateAssignment
        if let assignment {
            assigned = assignment
        } else if experiment.replicateAssignment == .independentDraws {
            assigned = ReplicateAssignment.independent(experiment: experiment, replicate: cell.replicate)
        } else {
            assigned = ReplicateAssignment.table(for: experiment)[cell.replicate]
        }
        let chosen = assigned.personaIndices.map { experiment.personas[$0] }
        seedCommentIndex = assigned.seedCommentIndex
        seedThread = experiment.seedThread(at: seedCommentIndex)
        seedComment = seedThread.firstText
        seedCommentId = SeedDerivation.uuid(cell.seed, "seed-comment", cell.discussionId)
        seedCommentIds = [seedCommentId] + seedThread.comments.indices.dropFirst().map {
            SeedDerivation.uuid(cell.seed, "seed-comment", cell.discussionId, String($0))
        }
        var trolls = Set<Int>()
        if let share = spec.trolls?.share, share > 0 {
            let count = min(chosen.count, Int((share * Double(chosen.count)).rounded()))
            var trollRNG = SeededGenerator(seed: seed, stream: "trolls")
            trolls = Set(trollRNG.shuffled(Array(chosen.indices)).prefix(count))
        }
        var users: [PlannedParticipant] = []
        for (i, persona) in chosen.enumerated() {
            let role: Role = trolls.contains(i) ? .troll : .user
            let instructions = role == .troll ? experiment.trollInstructions : experiment.userInstructions
            let system = renderer.system(
                username: persona.username, persona: persona, role: role, instructions: instructions, seed: seedThread)
            users.append(
                PlannedParticipant(
                    id: SeedDerivation.uuid(cell.seed, "participant", cell.discussionId, String(i)), persona: persona,
                    role: role, instructions: instructions, systemPrompt: system))
        }
        self.users = users
        if strategy.hasModerator {
            var persona = spec.moderator.persona ?? Persona(username: spec.moderator.username)
            persona.username = spec.moderator.username
            let system = renderer.system(
                username: persona.username, persona: spec.moderator.persona == nil ? nil : persona, role: .moderator,
                instructions: strategy.instructions, seed: seedThread)
            moderator = PlannedParticipant(
                id: SeedDerivation.uuid(cell.seed, "participant", cell.discussionId, "moderator"), persona: persona,
                role: .moderator, instructions: strategy.instructions, systemPrompt: system)
        } else {
            moderator = nil
        }
        turnTaker = TurnTaker(
            policy: spec.discussion.turnTaking, userCount: users.count,
            seed: SeedDerivation.derive(seed, "turn-taking"))
    }

    /// The seed's comments as stored: one ``SeedCommentRecord`` per comment with its author and position, ids from
    /// ``seedCommentIds``. Empty for a one-comment seed by `OP`, which lives on the discussion record alone (as
    /// before threads existed).
    public var seedCommentRecords: [SeedCommentRecord] {
        if seedThread.isSingleOP { return [] }
        return seedThread.comments.enumerated().map { k, c in
            SeedCommentRecord(id: seedCommentIds[k], discussionId: cell.discussionId, position: k, author: c.author, text: c.text)
        }
    }

    /// Everybody's usernames: users, then the moderator.
    public var allUsernames: [String] { users.map(\.username) + (moderator.map { [$0.username] } ?? []) }

    /// The sampling seed sent with a call: derived from the replicate seed and the speaker's turn label
    /// (`user-3`, `moderator-2`), as a non-negative 31-bit integer (servers differ in the range they accept).
    public func samplingSeed(label: String) -> Int {
        Int(SeedDerivation.derive(cell.replicateSeed, "sampling", label) & 0x7FFF_FFFF)
    }
}
