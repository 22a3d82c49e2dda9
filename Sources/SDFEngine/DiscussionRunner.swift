import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// Runs one discussion turn by turn, committing each turn to the store as soon as it exists.
///
/// Turn rules: the seed comment is the non-participant `OP`'s; users speak by the turn-taking policy;
/// the moderator gets a turn after user comments per its schedule; abstentions are recorded as turns with
/// outcome `abstention`, never shown to anyone and never taking a context slot; each call passes the other
/// speakers' cues as stop sequences, and the cleaner cuts there too. A call that fails after its retries is
/// recorded as a `failed` turn and ends the discussion with status `failed`.
struct DiscussionRunner: Sendable {
    let experiment: Experiment
    let plan: DiscussionPlan
    let binding: ModelBinding
    let renderer: PromptRenderer
    let store: Store
    let events: @Sendable (RunEvent) -> Void

    /// Runs the discussion, or continues it from its last committed turn; returns its final status.
    ///
    /// - Parameter resume: whether the store already holds this discussion (status `running` or `failed`). Its
    ///   committed turns are replayed — the turn taker is advanced through the same decisions (checked against
    ///   the stored ones), the thread rebuilt from the stored comments — trailing failed turns are removed, and
    ///   the discussion continues from there. With a deterministic backend the result equals an uninterrupted run.
    /// - Throws: ``EngineError`` (``EngineError/Kind/storeMismatch``) when the stored turns do not match the replayed
    ///   decisions; ``StoreError``.
    func run(resume: Bool = false) async throws -> DiscussionStatus {
        let cell = plan.cell
        let spec = experiment.spec
        var committed: [Int: TurnRecord] = [:]
        if resume {
            try await store.prepareResume(discussionId: cell.discussionId)
            for turn in try await store.turns(of: cell.discussionId) { committed[turn.turnIndex] = turn }
        } else {
            let record = DiscussionRecord(
                id: cell.discussionId, conditionId: cell.condition.id, conditionLabel: cell.condition.label,
                strategy: cell.condition.strategy, modelName: cell.condition.model, replicate: cell.replicate,
                seed: String(cell.seed), seedCommentId: plan.seedCommentId, seedComment: plan.seedComment,
                seedCommentIndex: plan.seedCommentIndex, userTurns: spec.discussion.turns,
                historyLength: spec.discussion.historyLength, turnTaking: .policy(spec.discussion.turnTaking),
                status: .running, startedAt: Date(), factorLevels: cell.condition.levels)
            let everyone = plan.users + (plan.moderator.map { [$0] } ?? [])
            let participants = everyone.enumerated().map { i, p in
                ParticipantRecord(
                    id: p.id, discussionId: cell.discussionId, position: i, username: p.username, role: p.role,
                    persona: p.persona, instructions: p.instructions, systemPrompt: p.systemPrompt)
            }
            try await store.startDiscussion(record, participants: participants)
        }

        var turnTaker = plan.turnTaker
        var thread: [ContextComment] = []
        var turnIndex = 0
        var userComments = 0
        var moderatorTurns = 0
        /// The committed turn at `index`, checked to be `speaker`'s; or a new turn taken now.
        func turn(
            _ index: Int, _ speaker: PlannedParticipant, _ decision: TurnDecision?, _ label: String
        ) async throws -> TurnRecord {
            if let stored = committed[index] {
                guard stored.speaker == speaker.username, stored.decision == decision else {
                    throw EngineError(
                        .storeMismatch,
                        "discussion \(cell.discussionId): stored turn \(index) is \(stored.speaker)'s, but replaying the design gives "
                            + "\(speaker.username)'s; the store does not match this experiment")
                }
                return stored
            }
            return try await take(turnIndex: index, speaker: speaker, decision: decision, thread: thread, label: label)
        }
        for userTurn in 1...spec.discussion.turns {
            let decision = turnTaker.next()
            turnIndex += 1
            let speaker = plan.users[decision.speaker]
            let userRecord = try await turn(turnIndex, speaker, decision, "user-\(userTurn)")
            if userRecord.outcome == .failed { return try await finish(.failed) }
            guard userRecord.outcome == .comment, let text = userRecord.text else { continue }
            thread.append(ContextComment(speaker: speaker.username, text: text))
            userComments += 1
            if let moderator = plan.moderator, spec.moderator.schedule.moderatorSpeaks(afterUserComment: userComments) {
                turnIndex += 1
                moderatorTurns += 1
                let modRecord = try await turn(turnIndex, moderator, nil, "moderator-\(moderatorTurns)")
                if modRecord.outcome == .failed { return try await finish(.failed) }
                if modRecord.outcome == .comment, let text = modRecord.text {
                    thread.append(ContextComment(speaker: moderator.username, text: text))
                }
            }
        }
        return try await finish(.done)
    }

    func finish(_ status: DiscussionStatus) async throws -> DiscussionStatus {
        try await store.finishDiscussion(id: plan.cell.discussionId, status: status)
        events(.discussionFinished(discussionId: plan.cell.discussionId, status: status, label: plan.cell.condition.label, replicate: plan.cell.replicate))
        return status
    }

    /// Takes one turn: renders the prompt, calls the model, cleans the output, commits the turn.
    func take(
        turnIndex: Int, speaker: PlannedParticipant, decision: TurnDecision?, thread: [ContextComment], label: String
    ) async throws -> TurnRecord {
        // With the whole thread asked for, a local engine's context per slot bounds it: the answer and the
        // system message come first, the most recent comments that fit after them.
        let settings = binding.settings
        let budget = settings.isLocal
            ? settings.contextPerSlot - settings.maxTokens - ContextWindow.estimatedTokens(speaker.systemPrompt) - 64 : nil
        let window = ContextWindow.select(thread, historyLength: experiment.spec.discussion.historyLength, tokenBudget: budget)
        let prompt = renderer.prompt(
            system: speaker.systemPrompt, username: speaker.username, window: window, truncated: thread.count > window.count)
        let others = plan.allUsernames.filter { $0 != speaker.username } + ["OP"]
        // OpenAI accepts at most 4 stop sequences; the cleaner cuts at every other speaker anyway.
        // Decided by the configured endpoints (not the client's), so that a replayed run sends the same stops.
        let stopCap = settings.endpoints.contains { $0.contains("api.openai.com") } ? 4 : Int.max
        let stop = Array(others.map { "\n\($0):" }.prefix(stopCap))
        let sampling = SamplingParameters(
            temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens,
            seed: settings.samplingSeed(derived: plan.samplingSeed(label: label)), stop: stop,
            frequencyPenalty: settings.frequencyPenalty, presencePenalty: settings.presencePenalty, extraBody: settings.extraBody)
        let request = ChatRequest(
            model: binding.requestModel,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens, seed: sampling.seed,
            stop: stop, frequencyPenalty: sampling.frequencyPenalty, presencePenalty: sampling.presencePenalty,
            extraBody: sampling.extraBody)
        let started = Date()
        let id = SeedDerivation.uuid(plan.cell.seed, "turn", plan.cell.discussionId, String(turnIndex))
        var turn = TurnRecord(
            id: id, discussionId: plan.cell.discussionId, turnIndex: turnIndex, speaker: speaker.username, role: speaker.role,
            outcome: .failed, decision: decision,
            call: CallProvenance(
                modelName: binding.name, endpoint: binding.client.endpoint, sampling: sampling, promptHash: prompt.hash,
                templateId: prompt.templateId),
            startedAt: started, finishedAt: started)
        let site = CallSite.turn(discussionId: plan.cell.discussionId, turnIndex: turnIndex, speaker: speaker.username)
        let outcome = try await CallSite.$current.withValue(site) { try await ModelCall.perform(binding.client, request) }
        turn.call.callKey = request.callKey(form: nil)
        switch outcome {
        case .success(let response):
            let cleaner = OutputCleaner(speaker: speaker.username, others: others)
            let cleaned = cleaner.clean(response.text, finishReason: response.finishReason, earlier: thread.map(\.text))
            turn.outcome = cleaned.isAbstention ? .abstention : .comment
            turn.text = cleaned.text
            turn.rawText = response.text
            turn.cleaning = cleaned.changes
            turn.flags = cleaned.flags
            turn.call.record(response)
        case .failure(let error):
            turn.call.record(error)
        }
        turn.finishedAt = Date()
        try await store.commitTurn(turn, prompt: PromptRecord(prompt))
        events(.turn(discussionId: plan.cell.discussionId, outcome: turn.outcome, role: turn.role, completionTokens: turn.call.completionTokens ?? 0))
        return turn
    }
}
