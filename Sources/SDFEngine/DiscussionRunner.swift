import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// Runs one discussion turn by turn, committing each turn to the store as soon as it exists.
///
/// Turn rules: the seed (one comment by the non-participant `OP`, or a thread by named non-participants, every
/// comment stored with its author and position) is in every participant's system message; users speak by the turn-taking policy;
/// the moderator gets a turn after user comments per its schedule; abstentions are recorded as turns with
/// outcome `abstention`, never shown to anyone and never taking a context slot; each call passes the other
/// speakers' cues as stop sequences, and the cleaner cuts there too. A call that fails after its retries is
/// recorded as a `failed` turn and ends the discussion with status `failed`.
///
/// Conditional schedules decide before each moderator turn and commit the decision as a
/// ``ModeratorDecisionRecord`` before the turn: `decideFirst` asks the moderator (``decide(slot:afterTurnIndex:moderator:thread:)``),
/// `onTrigger` annotates the last user comment inline (``check(slot:afterTurnIndex:comments:discussion:)``). A
/// resumed discussion reads its committed decisions instead of asking again, so a run stopped after a decision but
/// before the moderator's comment continues with that comment. A decision call or inline annotation that fails
/// ends the discussion `failed`; a resume asks again.
struct DiscussionRunner: Sendable {
    let experiment: Experiment
    let plan: DiscussionPlan
    let binding: ModelBinding
    let renderer: PromptRenderer
    let store: Store
    let events: @Sendable (RunEvent) -> Void
    /// For `onTrigger`: the annotation runner used inline (its binding passes the gate as a discussion turn).
    var inlineAnnotation: InlineAnnotation? = nil
    /// For a branched discussion: where its prefix comes from.
    var branch: Branch? = nil
    /// Told the number of user turns committed (or replayed) so far, after each user turn that did not fail: a trunk
    /// reports to the ``PrefixBoard`` its branches wait on.
    var progress: (@Sendable (Int) async -> Void)? = nil

    /// Where a branched discussion's prefix comes from.
    struct Branch: Sendable {
        /// The trunk discussion's id.
        var trunkId: String
        /// The branch point *K*.
        var atTurn: Int
        /// The store holding the trunk: the run's own store, or `--branch-from`'s.
        var source: Store
        /// When the trunk runs in the same run: the board to wait on for its first *K* user turns.
        var board: PrefixBoard?
        /// Whether ``source`` is another store than the run's (its prompts are copied too).
        var external = false
    }

    /// What an `onTrigger` check needs: the annotation stage's runner and renderer, and the named annotator.
    struct InlineAnnotation: Sendable {
        var runner: AnnotationRunner
        var renderer: PromptRenderer
        var annotator: Persona
        var system: String
    }

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
        var decided: [Int: ModeratorDecisionRecord] = [:]
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
        // A branched discussion copies its prefix once, with its start (a resume finds the copy stored).
        var branchTurn = 0
        var needsPrefix = false
        if let branch {
            branchTurn = branch.atTurn
            if resume {
                needsPrefix = try await store.turnOrigins(of: cell.discussionId).isEmpty
            } else {
                needsPrefix = true
            }
        }
        if let branch, needsPrefix {
            if let board = branch.board { await board.wait(branch.trunkId, userTurns: branch.atTurn) }
            try Task.checkCancellation()
            let trunkTurns = try await branch.source.turns(of: branch.trunkId)
            let trunkDecisions = try await branch.source.moderatorDecisions(of: branch.trunkId)
            let prefix = BranchPrefix.cut(turns: trunkTurns, decisions: trunkDecisions, atTurn: branch.atTurn)
            guard let prefix else {
                // The trunk ended before turn K: this discussion fails with it; a re-run retries both.
                try await store.startDiscussion(record, participants: participants, seeds: plan.seedCommentRecords)
                return try await finish(.failed)
            }
            let copy = prefix.copied(into: cell)
            var prompts: [PromptRecord] = []
            if branch.external {
                for hash in Set(prefix.turns.map(\.call.promptHash) + prefix.decisions.map(\.call.promptHash)) {
                    if let prompt = try await branch.source.prompt(hash: hash) { prompts.append(prompt) }
                }
            }
            try await store.startBranchedDiscussion(
                record, participants: participants,
                link: BranchLink(discussionId: cell.discussionId, branchedFromDiscussion: branch.trunkId, branchTurn: branch.atTurn),
                turns: copy.turns, decisions: copy.decisions, prompts: prompts, seeds: plan.seedCommentRecords)
        }
        if resume || needsPrefix {
            if resume { try await store.prepareResume(discussionId: cell.discussionId) }
            for turn in try await store.turns(of: cell.discussionId) { committed[turn.turnIndex] = turn }
            // A failed decision is asked again (its row is replaced, the failure kept in failure_log).
            for d in try await store.moderatorDecisions(of: cell.discussionId) where d.status != .failed { decided[d.slot] = d }
        } else {
            try await store.startDiscussion(record, participants: participants, seeds: plan.seedCommentRecords)
        }

        var turnTaker = plan.turnTaker
        var thread: [ContextComment] = []
        // The thread's comments as the cleaner's repetition flags compare them, prepared once per comment.
        var earlier = EarlierComments()
        var turnIndex = 0
        var userComments = 0
        var moderatorTurns = 0
        var decisionSlots = 0
        var comments: [TurnRecord] = []
        let schedule = spec.moderator.schedule
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
            return try await take(turnIndex: index, speaker: speaker, decision: decision, thread: thread, earlier: earlier, label: label)
        }
        for userTurn in 1...spec.discussion.turns {
            let decision = turnTaker.next()
            turnIndex += 1
            let speaker = plan.users[decision.speaker]
            let userRecord = try await turn(turnIndex, speaker, decision, "user-\(userTurn)")
            if userRecord.outcome == .failed { return try await finish(.failed) }
            await progress?(userTurn)
            guard userRecord.outcome == .comment, let text = userRecord.text else { continue }
            thread.append(ContextComment(speaker: speaker.username, text: text))
            earlier.append(text)
            comments.append(userRecord)
            userComments += 1
            if userTurn < branchTurn {
                // Inside the copied prefix: the trunk's moderator decisions and turns, as they were.
                decisionSlots += decided.values.filter { $0.afterTurnIndex == turnIndex }.count
                if let next = committed[turnIndex + 1], next.decision == nil {
                    turnIndex += 1
                    moderatorTurns += 1
                    if next.outcome == .comment, let text = next.text {
                        thread.append(ContextComment(speaker: next.speaker, text: text))
                        earlier.append(text)
                        comments.append(next)
                    }
                }
                continue
            }
            if let moderator = plan.moderator, schedule.moderatorSpeaks(afterUserComment: userComments) {
                if schedule.isConditional {
                    decisionSlots += 1
                    let decision: ModeratorDecisionRecord
                    if let stored = decided[decisionSlots] {
                        guard stored.afterTurnIndex == turnIndex else {
                            throw EngineError(
                                .storeMismatch,
                                "discussion \(cell.discussionId): stored moderator decision \(decisionSlots) follows turn \(stored.afterTurnIndex), "
                                    + "but replaying the design gives turn \(turnIndex); the store does not match this experiment")
                        }
                        decision = stored
                    } else if case .onTrigger = schedule {
                        decision = try await check(
                            slot: decisionSlots, afterTurnIndex: turnIndex, comments: comments, discussion: record)
                    } else {
                        decision = try await decide(slot: decisionSlots, afterTurnIndex: turnIndex, moderator: moderator, thread: thread)
                    }
                    if decision.status == .failed { return try await finish(.failed) }
                    if !decision.intervene { continue }
                }
                turnIndex += 1
                moderatorTurns += 1
                let modRecord = try await turn(turnIndex, moderator, nil, "moderator-\(moderatorTurns)")
                if modRecord.outcome == .failed { return try await finish(.failed) }
                if modRecord.outcome == .comment, let text = modRecord.text {
                    thread.append(ContextComment(speaker: moderator.username, text: text))
                    earlier.append(text)
                    comments.append(modRecord)
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

    /// The context window a speaker sees: the last `historyLength` comments, bounded for a local engine by its
    /// context per slot (the answer and the system message come first, then the most recent comments that fit).
    func window(for speaker: PlannedParticipant, thread: [ContextComment]) -> [ContextComment] {
        let settings = binding.settings
        let budget = settings.isLocal
            ? settings.contextPerSlot - settings.maxTokens - ContextWindow.estimatedTokens(speaker.systemPrompt) - 64 : nil
        return ContextWindow.select(thread, historyLength: experiment.spec.discussion.historyLength, tokenBudget: budget)
    }

    /// Asks a `decideFirst` moderator whether to intervene and commits the decision.
    ///
    /// The call sends the moderator's system message and the decision template's user message (its context window
    /// and the question), with the decision's JSON schema as `response_format` under `structuredOutput: auto`
    /// (falling back per endpoint as annotation calls do). The answer goes through ``ModeratorDecisionParser``; an
    /// answer it cannot read is recorded `unparseable` with `intervene = false, defaulted = true` (the documented
    /// default: no intervention). The sampling seed derives from the label `decision-<slot>`.
    func decide(slot: Int, afterTurnIndex: Int, moderator: PlannedParticipant, thread: [ContextComment]) async throws -> ModeratorDecisionRecord {
        let settings = binding.settings
        let window = window(for: moderator, thread: thread)
        let prompt = renderer.decisionPrompt(
            system: moderator.systemPrompt, username: moderator.username, window: window, truncated: thread.count > window.count)
        let sampling = SamplingParameters(
            temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens,
            seed: settings.samplingSeed(derived: plan.samplingSeed(label: "decision-\(slot)")), stop: [],
            frequencyPenalty: settings.frequencyPenalty, presencePenalty: settings.presencePenalty, extraBody: settings.extraBody)
        let mode = StructuredOutputMode.auto
        let request = ChatRequest(
            model: binding.requestModel,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens, seed: sampling.seed,
            frequencyPenalty: sampling.frequencyPenalty, presencePenalty: sampling.presencePenalty, extraBody: sampling.extraBody,
            jsonSchema: PromptTemplates.moderatorDecisionSchema, structuredOutput: mode)
        let started = Date()
        var decision = ModeratorDecisionRecord(
            id: SeedDerivation.uuid(plan.cell.seed, "moderator-decision", plan.cell.discussionId, String(slot)),
            discussionId: plan.cell.discussionId, slot: slot, afterTurnIndex: afterTurnIndex, kind: .decision, status: .failed,
            intervene: false, defaulted: false, structuredOutput: mode.firstForm,
            call: CallProvenance(
                modelName: binding.name, endpoint: binding.client.endpoint, sampling: sampling, promptHash: prompt.hash,
                templateId: prompt.templateId),
            startedAt: started, finishedAt: started)
        let site = CallSite.decision(discussionId: plan.cell.discussionId, slot: slot)
        let outcome = try await CallSite.$current.withValue(site) { try await ModelCall.perform(binding.client, request) }
        switch outcome {
        case .success(let response):
            let parsed = ModeratorDecisionParser.parse(response.text)
            decision.rawText = response.text
            decision.method = parsed.method.rawValue
            decision.reason = parsed.reason
            decision.detail = parsed.detail
            decision.status = parsed.intervene == nil ? .unparseable : .ok
            decision.intervene = parsed.intervene ?? false
            decision.defaulted = parsed.intervene == nil
            decision.call.record(response)
            if let form = response.structuredOutput { decision.structuredOutput = form }
        case .failure(let error):
            decision.call.record(error)
            decision.detail = error.message
            if let form = error.structuredOutput { decision.structuredOutput = form }
        }
        decision.call.callKey = request.callKey(form: decision.structuredOutput)
        decision.finishedAt = Date()
        try await store.commitModeratorDecision(decision, prompt: PromptRecord(prompt))
        return decision
    }

    /// Checks an `onTrigger` schedule after the last comment of `comments` (a user's): annotates it inline with the
    /// trigger's annotator (the annotation stage's own job: same id, context and prompt, committed as that comment's
    /// annotation, so the stage skips it), reads the score on the trigger's dimension, and commits the decision. A
    /// score that cannot be read is recorded `unparseable`, `intervene = false, defaulted = true`; a failed
    /// annotation call is a `failed` decision (the discussion fails; a resume retries).
    func check(slot: Int, afterTurnIndex: Int, comments: [TurnRecord], discussion: DiscussionRecord) async throws -> ModeratorDecisionRecord {
        guard let inline = inlineAnnotation, case .onTrigger(let trigger) = experiment.spec.moderator.schedule else {
            throw EngineError(.noModelBound, "schedule onTrigger needs the annotation model bound for its inline annotations")
        }
        let job = AnnotationRunner.job(
            discussion: discussion, comments: comments, index: comments.count - 1, annotator: inline.annotator, system: inline.system,
            historyLength: inline.runner.setup.historyLength)
        let started = Date()
        // Committed before a stop that came before the decision: read, not asked again.
        let annotation: AnnotationRecord
        if let stored = try await store.finishedAnnotation(id: job.id) {
            annotation = stored
        } else {
            annotation = try await inline.runner.annotate(job, renderer: inline.renderer)
        }
        let score = annotation.status == .ok ? annotation.values[trigger.dimension] : nil
        let status: ModeratorDecisionStatus = annotation.status == .failed ? .failed : (score == nil ? .unparseable : .ok)
        let decision = ModeratorDecisionRecord(
            id: SeedDerivation.uuid(plan.cell.seed, "moderator-decision", plan.cell.discussionId, String(slot)),
            discussionId: plan.cell.discussionId, slot: slot, afterTurnIndex: afterTurnIndex, kind: .trigger, status: status,
            intervene: trigger.fires(score), defaulted: status == .unparseable, method: annotation.method.rawValue,
            detail: annotation.detail ?? annotation.call.error?.description, annotator: trigger.annotator, dimension: trigger.dimension,
            score: score, threshold: trigger.atLeast, annotationId: annotation.id, call: annotation.call, startedAt: started,
            finishedAt: Date())
        try await store.commitModeratorDecision(decision, prompt: nil)
        return decision
    }

    /// Everyone a turn's speaker must not write for: the discussion's other participants and `OP` (the seed comment's
    /// author); their cues are stop sequences and the cleaner cuts at them.
    static func otherSpeakers(than speaker: String, in plan: DiscussionPlan) -> [String] {
        plan.allUsernames.filter { $0 != speaker } + ["OP"]
    }

    /// The request of one user or moderator turn and its sampling parameters, as the run sends them (and `sdf plan
    /// --probe` too): the model's sampling settings, the seed derived from the discussion and `label` (`user-N`,
    /// `moderator-N`), and every other speaker's cue (`\nname:`, `OP` included) after the model's own stop sequences
    /// as stop sequences — at most 4 for OpenAI's own API (decided by the configured endpoints, not the client's, so
    /// that a replayed run sends the same stops); the cleaner cuts at every other speaker anyway.
    static func turnRequest(
        prompt: RenderedPrompt, speaker: String, label: String, plan: DiscussionPlan, settings: ModelSettings, requestModel: String
    ) -> (request: ChatRequest, sampling: SamplingParameters) {
        let others = otherSpeakers(than: speaker, in: plan)
        let stopCap = settings.endpoints.contains { $0.contains("api.openai.com") } ? 4 : Int.max
        let stop = Array(((settings.stop ?? []) + others.map { "\n\($0):" }).prefix(stopCap))
        let sampling = SamplingParameters(
            temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens,
            seed: settings.samplingSeed(derived: plan.samplingSeed(label: label)), stop: stop,
            frequencyPenalty: settings.frequencyPenalty, presencePenalty: settings.presencePenalty, extraBody: settings.extraBody)
        let request = ChatRequest(
            model: requestModel,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens, seed: sampling.seed,
            stop: stop, frequencyPenalty: sampling.frequencyPenalty, presencePenalty: sampling.presencePenalty,
            extraBody: sampling.extraBody)
        return (request, sampling)
    }

    /// Takes one turn: renders the prompt, calls the model, cleans the output, commits the turn.
    func take(
        turnIndex: Int, speaker: PlannedParticipant, decision: TurnDecision?, thread: [ContextComment], earlier: EarlierComments,
        label: String
    ) async throws -> TurnRecord {
        let settings = binding.settings
        let window = window(for: speaker, thread: thread)
        let prompt = renderer.prompt(
            system: speaker.systemPrompt, username: speaker.username, window: window, truncated: thread.count > window.count)
        let (request, sampling) = Self.turnRequest(
            prompt: prompt, speaker: speaker.username, label: label, plan: plan, settings: settings, requestModel: binding.requestModel)
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
            let cleaner = OutputCleaner(speaker: speaker.username, others: Self.otherSpeakers(than: speaker.username, in: plan))
            let cleaned = cleaner.clean(
                response.text, finishReason: response.finishReason, earlier: earlier, prompt: prompt.system)
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
