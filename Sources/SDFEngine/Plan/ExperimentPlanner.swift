import Foundation
import SDFCore
import SDFStore

/// What an experiment will cost before it runs (`sdf plan`): conditions, discussions, LLM calls, token estimates, the
/// replicate assignment and, given a previous store or prices, wall time and cost. No model is called.
///
/// Call counts are those of the engine's schedule (``DiscussionRunner``): one call per user turn; a moderator call
/// after each user *comment* the schedule selects (`afterEveryComment`: every one, `everyKComments(k)`: every k-th);
/// one annotation call per annotator per comment (moderator comments too when `annotateModerator`). They are exact
/// when no agent abstains; each user abstention removes its moderator call (and, with the moderator's answer,
/// the annotation calls of both), each moderator abstention its annotation calls. With `--from STORE`, the expected
/// counts use the abstention rates measured there.
///
/// Conditional moderator schedules add a decision before each moderator turn: `decideFirst` one decision call per
/// user comment (``ConditionPlan/decisionCalls``), `onTrigger` one inline annotation per user comment
/// (``ConditionPlan/inlineAnnotationCalls``, part of ``ConditionPlan/annotationCalls``: the annotation stage does not
/// repeat them). Whether the moderator then speaks is up to the decision, so its calls — and the annotation calls of
/// its comments — lie between ``ConditionPlan/minModeratorCalls`` (never) and ``ConditionPlan/moderatorCalls``
/// (always): ``minCalls`` and ``maxCalls`` bound the run. For fixed schedules both are the same count.
public struct ExperimentPlan: Sendable, Hashable {
    /// One condition's share of the plan.
    public struct ConditionPlan: Sendable, Hashable {
        /// The condition.
        public var condition: Condition
        /// Its discussions (replicates).
        public var discussions: Int
        /// User turn calls (exact).
        public var userCalls: Int
        /// Moderator calls if no user abstains (the most there can be).
        public var moderatorCalls: Int
        /// Annotation calls if nobody abstains (the most there can be).
        public var annotationCalls: Int
        /// The part of ``annotationCalls`` that scores moderator comments (`annotateModerator`).
        public var moderatorAnnotationCalls: Int = 0
        /// `decideFirst` decision calls if no user abstains (one per user comment); 0 for other schedules.
        public var decisionCalls: Int = 0
        /// `onTrigger` inline annotations if no user abstains (one per user comment, part of ``annotationCalls``); 0
        /// for other schedules.
        public var inlineAnnotationCalls: Int = 0
        /// Moderator calls if its decisions never let it speak: 0 for conditional schedules, ``moderatorCalls`` otherwise.
        public var minModeratorCalls: Int = 0
        /// Annotation calls if the moderator never speaks (conditional schedules), else ``annotationCalls``.
        public var minAnnotationCalls: Int = 0
        /// The moderator schedule's name (`afterEveryComment`, `everyKComments`, `decideFirst`, `onTrigger`); empty
        /// for strategy `none`.
        public var schedule: String = ""
        /// Estimated prompt tokens of all the condition's calls (upper bound, see ``ExperimentPlan/tokenMethod``).
        public var promptTokens: Int
        /// Completion tokens if every answer reaches `maxTokens` (upper bound).
        public var completionTokens: Int
        /// The turn model's name.
        public var model: String
        /// Prompt and completion tokens of the annotation calls (included in the totals above), for pricing.
        public var annotationPromptTokens: Int
        /// Completion tokens of the annotation calls (included in ``completionTokens``).
        public var annotationCompletionTokens: Int
    }

    /// What a previous store of the experiment measured.
    public struct Measured: Sendable, Hashable {
        /// The store's path.
        public var store: String
        /// Calls recorded (turns, annotations and `decideFirst` decision calls, failed ones included).
        public var calls: Int
        /// Wall seconds of its finished runs (start to end, summed).
        public var wallSeconds: Double
        /// Share of user turns that were abstentions, in [0, 1].
        public var userAbstentionRate: Double
        /// Share of moderator turns that were abstentions, in [0, 1].
        public var moderatorAbstentionRate: Double
        /// Calls per second over its runs.
        public var callsPerSecond: Double { wallSeconds > 0 ? Double(calls) / wallSeconds : 0 }
    }

    /// The experiment's name.
    public var experiment: String
    /// The factors, in file order.
    public var factors: [Factor]
    /// Per condition, in design order.
    public var conditions: [ConditionPlan]
    /// Replicates per condition.
    public var replicates: Int
    /// Replicate → seed comment and users (of the first condition; the same in every condition with the same pools).
    public var assignment: [ReplicateAssignment]
    /// The usernames of the persona pool of the first condition, by index (for printing ``assignment``).
    public var personaNames: [String]
    /// The seed comments' first words, by index.
    public var seedCommentHeads: [String]
    /// How prompt tokens are estimated, in words.
    public static let tokenMethod =
        "prompt tokens: the rendered prompts (system message, context window, cue) at UTF-8 bytes/3 + 8 per message "
        + "(the engine's own context-budget estimate), every earlier comment taken as maxTokens × 4 characters long; "
        + "completion tokens: maxTokens per call. Both are upper bounds."
    /// The previous store's measurements, with `--from`.
    public var measured: Measured?
    /// Price per million tokens by discussion model name, from the file's `price:`.
    public var prices: [String: ModelPrice]
    /// Price per million tokens of the annotation model (`annotation.model.price`), kept apart from ``prices``: a
    /// discussion model may have any name, "annotation" too.
    public var annotationPrice: ModelPrice? = nil
    /// What `--probe` measured on the live servers, if it ran.
    public var probe: Probe? = nil

    /// Discussions in the design.
    public var discussions: Int { conditions.map(\.discussions).reduce(0, +) }
    /// User turn calls (exact).
    public var userCalls: Int { conditions.map(\.userCalls).reduce(0, +) }
    /// Moderator calls if no user abstains.
    public var moderatorCalls: Int { conditions.map(\.moderatorCalls).reduce(0, +) }
    /// Annotation calls if nobody abstains.
    public var annotationCalls: Int { conditions.map(\.annotationCalls).reduce(0, +) }
    /// `decideFirst` decision calls if no user abstains.
    public var decisionCalls: Int { conditions.map(\.decisionCalls).reduce(0, +) }
    /// `onTrigger` inline annotations if no user abstains (counted in ``annotationCalls``).
    public var inlineAnnotationCalls: Int { conditions.map(\.inlineAnnotationCalls).reduce(0, +) }
    /// Whether a condition's moderator decides before it speaks (`decideFirst`, `onTrigger`).
    public var hasConditionalModerator: Bool { conditions.contains { $0.schedule == "decideFirst" || $0.schedule == "onTrigger" } }
    /// All calls if nobody abstains and every decision lets the moderator speak: the most the run makes (failed
    /// calls' retries aside).
    public var maxCalls: Int { userCalls + decisionCalls + moderatorCalls + annotationCalls }
    /// All calls if nobody abstains and no decision lets the moderator speak; equal to ``maxCalls`` when every
    /// schedule is fixed.
    public var minCalls: Int {
        userCalls + decisionCalls + conditions.map(\.minModeratorCalls).reduce(0, +) + conditions.map(\.minAnnotationCalls).reduce(0, +)
    }
    /// Prompt tokens (upper bound).
    public var promptTokens: Int { conditions.map(\.promptTokens).reduce(0, +) }
    /// Completion tokens (upper bound).
    public var completionTokens: Int { conditions.map(\.completionTokens).reduce(0, +) }

    /// Expected calls: the maximum with the measured abstention rates *u* (users) and *m* (moderator) applied —
    /// moderator calls × (1 − u), annotation calls of user comments × (1 − u), of moderator comments
    /// × (1 − u)(1 − m) — or the maximum without a store.
    public var expectedCalls: Double {
        guard let m = measured else { return Double(maxCalls) }
        let user = 1 - m.userAbstentionRate
        let moderator = 1 - m.moderatorAbstentionRate
        let moderatorAnnotations = conditions.map(\.moderatorAnnotationCalls).reduce(0, +)
        return Double(userCalls) + Double(decisionCalls) * user + Double(moderatorCalls) * user
            + Double(annotationCalls - moderatorAnnotations) * user + Double(moderatorAnnotations) * user * moderator
    }

    /// Expected wall time in seconds at the store's measured throughput, with `--from`.
    public var expectedWallSeconds: Double? {
        guard let m = measured, m.callsPerSecond > 0 else { return nil }
        return expectedCalls / m.callsPerSecond
    }

    /// Upper-bound cost (every call at the token bounds) over the models with a `price:`; `nil` when none has one.
    public var cost: Double? {
        var total = 0.0
        var any = false
        for c in conditions {
            if let p = prices[c.model] {
                any = true
                total += Double(c.promptTokens - c.annotationPromptTokens) * p.input / 1e6
                total += Double(c.completionTokens - c.annotationCompletionTokens) * p.output / 1e6
            }
            if let p = annotationPrice {
                any = true
                total += Double(c.annotationPromptTokens) * p.input / 1e6 + Double(c.annotationCompletionTokens) * p.output / 1e6
            }
        }
        return any ? total : nil
    }
}

/// Builds ``ExperimentPlan``s.
public enum ExperimentPlanner {
    /// Plans `experiment` without calling any model.
    ///
    /// - Parameters:
    ///   - experiment: the loaded experiment.
    ///   - measured: what a previous store measured (``measure(store:)``), for expected counts and wall time.
    /// - Throws: the prompt renderer's error for a malformed template.
    public static func plan(_ experiment: Experiment, measured: ExperimentPlan.Measured? = nil) throws -> ExperimentPlan {
        let design = Design(experiment: experiment)
        var conditions: [ExperimentPlan.ConditionPlan] = []
        var prices: [String: ModelPrice] = [:]
        for m in experiment.spec.models { if let p = m.price { prices[m.name] = p } }
        for condition in design.conditions {
            let variant = experiment.experiment(for: condition)
            let renderer = try PromptRenderer(templates: variant.templates)
            let model = variant.spec.models.first { $0.name == condition.model } ?? ModelSettings()
            let table = ReplicateAssignment.table(for: variant)
            var c = ExperimentPlan.ConditionPlan(
                condition: condition, discussions: 0, userCalls: 0, moderatorCalls: 0, annotationCalls: 0, promptTokens: 0,
                completionTokens: 0, model: condition.model, annotationPromptTokens: 0, annotationCompletionTokens: 0)
            for cell in design.cells where cell.condition == condition {
                let plan = try DiscussionPlan(experiment: variant, cell: cell, renderer: renderer, assignment: table[cell.replicate])
                c.discussions += 1
                add(plan: plan, experiment: variant, model: model, renderer: renderer, branchTurn: condition.branchTurn ?? 0, to: &c)
            }
            let conditional = variant.spec.moderator.schedule.isConditional
            c.minModeratorCalls = conditional ? 0 : c.moderatorCalls
            c.minAnnotationCalls = conditional ? c.annotationCalls - c.moderatorAnnotationCalls : c.annotationCalls
            if variant.strategies.first(where: { $0.name == condition.strategy })?.hasModerator ?? false {
                c.schedule = variant.spec.moderator.schedule.name
            }
            conditions.append(c)
        }
        let first = design.conditions.first.map { experiment.experiment(for: $0) } ?? experiment
        return ExperimentPlan(
            experiment: experiment.name, factors: experiment.factors, conditions: conditions, replicates: experiment.spec.replicates,
            assignment: ReplicateAssignment.table(for: first), personaNames: first.personas.map(\.username),
            seedCommentHeads: first.seedComments.indices.map { seedHead(first.seedThread(at: $0)) }, measured: measured, prices: prices,
            annotationPrice: experiment.annotation?.model.price)
    }

    /// A seed in the assignment table: a one-comment seed's first words; a thread's id, comment count and authors.
    static func seedHead(_ seed: SeedThread) -> String {
        if seed.isSingleOP { return head(seed.firstText) }
        let authors = seed.comments.map(\.author).joined(separator: ", ")
        return "thread \(seed.id ?? head(seed.firstText)) (\(seed.comments.count) comment\(seed.comments.count == 1 ? "" : "s") by \(authors))"
    }

    static func head(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).prefix(6).joined(separator: " ")
        return words.count < text.count ? words + "…" : words
    }

    /// Adds one discussion's calls and token estimates, simulating its schedule with no abstentions.
    ///
    /// A branched discussion (`branchTurn` *K* > 0) makes no call for its copied prefix: user turns 1…*K* and the
    /// moderator turns and decisions before user turn *K* are the trunk's, made once per replicate and counted with
    /// the trunk. Its comments are annotated in the branched discussion too, so annotation counts include the copied
    /// user comments (not the trunk's moderator comments a moderated trunk's prefix may hold).
    static func add(
        plan: DiscussionPlan, experiment: Experiment, model: ModelSettings, renderer: PromptRenderer, branchTurn: Int = 0,
        to c: inout ExperimentPlan.ConditionPlan
    ) {
        let spec = experiment.spec
        let filler = String(repeating: "x", count: model.maxTokens * 4)
        func tokens(_ p: RenderedPrompt) -> Int { ContextWindow.estimatedTokens(p.system) + ContextWindow.estimatedTokens(p.user) }
        var thread: [ContextComment] = []
        var userComments = 0
        var commentsToAnnotate = 0
        var moderatorCommentsToAnnotate = 0
        for turn in 0..<spec.discussion.turns {
            let speaker = plan.users[turn % max(plan.users.count, 1)]
            let window = ContextWindow.select(thread, historyLength: spec.discussion.historyLength, tokenBudget: nil)
            if turn + 1 > branchTurn {
                c.userCalls += 1
                c.promptTokens += tokens(
                    renderer.prompt(system: speaker.systemPrompt, username: speaker.username, window: window, truncated: thread.count > window.count))
                c.completionTokens += model.maxTokens
            }
            thread.append(ContextComment(speaker: speaker.username, text: filler))
            userComments += 1
            commentsToAnnotate += 1
            if turn + 1 < branchTurn { continue }
            if let moderator = plan.moderator, spec.moderator.schedule.moderatorSpeaks(afterUserComment: userComments) {
                let window = ContextWindow.select(thread, historyLength: spec.discussion.historyLength, tokenBudget: nil)
                switch spec.moderator.schedule {
                case .decideFirst:
                    c.decisionCalls += 1
                    c.promptTokens += tokens(
                        renderer.decisionPrompt(
                            system: moderator.systemPrompt, username: moderator.username, window: window, truncated: thread.count > window.count))
                    c.completionTokens += model.maxTokens
                case .onTrigger:
                    c.inlineAnnotationCalls += 1  // its tokens are counted with the annotation calls below
                case .afterEveryComment, .everyKComments:
                    break
                }
                c.moderatorCalls += 1
                c.promptTokens += tokens(
                    renderer.prompt(
                        system: moderator.systemPrompt, username: moderator.username, window: window, truncated: thread.count > window.count))
                c.completionTokens += model.maxTokens
                thread.append(ContextComment(speaker: moderator.username, text: filler))
                if experiment.annotation?.annotateModerator ?? false {
                    commentsToAnnotate += 1
                    moderatorCommentsToAnnotate += 1
                }
            }
        }
        guard let setup = experiment.annotation else { return }
        let annotationFiller = String(repeating: "x", count: model.maxTokens * 4)
        for annotator in setup.annotators {
            let system = renderer.annotatorSystem(annotator: annotator, instructions: setup.instructions, rubric: setup.rubric)
            for i in 0..<commentsToAnnotate {
                let context = Array(repeating: ContextComment(speaker: "user", text: annotationFiller), count: min(i, setup.historyLength - 1))
                let prompt = renderer.annotationPrompt(
                    system: system, seed: plan.seedThread, context: context,
                    target: ContextComment(speaker: "user", text: annotationFiller))
                c.annotationCalls += 1
                let t = tokens(prompt)
                c.promptTokens += t
                c.annotationPromptTokens += t
                c.completionTokens += setup.model.maxTokens
                c.annotationCompletionTokens += setup.model.maxTokens
            }
            c.moderatorAnnotationCalls += moderatorCommentsToAnnotate
        }
    }

    /// Measures a previous store: its calls, its runs' wall time and its abstention rates.
    ///
    /// - Throws: ``StoreError`` when the store cannot be opened.
    public static func measure(storePath: String) async throws -> ExperimentPlan.Measured {
        let store = try Store.openExisting(path: storePath)
        let turns = try await store.allTurns()
        let annotations = try await store.annotations()
        let decisionCalls = try await store.moderatorDecisions().filter { $0.kind == .decision }.count
        let runs = try await store.runs()
        let wall = runs.compactMap { run in run.finishedAt.map { $0.timeIntervalSince(run.startedAt) } }.filter { $0 > 0 }.reduce(0, +)
        let users = turns.filter { $0.role != .moderator && $0.outcome != .failed }
        let moderators = turns.filter { $0.role == .moderator && $0.outcome != .failed }
        func rate(_ list: [TurnRecord]) -> Double {
            list.isEmpty ? 0 : Double(list.filter { $0.outcome == .abstention }.count) / Double(list.count)
        }
        return .init(
            store: storePath, calls: turns.count + annotations.count + decisionCalls, wallSeconds: wall, userAbstentionRate: rate(users),
            moderatorAbstentionRate: rate(moderators))
    }
}

extension ExperimentPlan {
    /// The plan as text for people: conditions with their levels and counts, totals, the token method, the replicate
    /// assignment, and wall time and cost where known.
    public var text: String {
        var out = "Plan of experiment '\(experiment)' (\(probe == nil ? "no model was called" : "models called only by the probe"))\n\n"
        out += "\(conditions.count) conditions × \(replicates) replicates = \(discussions) discussions\n\n"
        var header = ["condition", "strategy", "model"] + factors.map(\.name)
        header += ["discussions", "user calls", "moderator calls", "annotation calls", "prompt tokens", "completion tokens"]
        var rows: [[String]] = [header]
        for c in conditions {
            rows.append(
                [c.condition.label, c.condition.strategy, c.condition.model] + factors.map { c.condition.level(of: $0.name) ?? "" }
                    + [c.discussions, c.userCalls, c.moderatorCalls, c.annotationCalls, c.promptTokens, c.completionTokens].map(String.init))
        }
        rows.append(
            ["total", "", ""] + factors.map { _ in "" }
                + [discussions, userCalls, moderatorCalls, annotationCalls, promptTokens, completionTokens].map(String.init))
        out += Self.table(rows, numericFrom: 3 + factors.count)
        out += "\nLLM calls: \(maxCalls) if no agent abstains (user turns \(userCalls), moderator \(moderatorCalls), "
            + "annotations \(annotationCalls)).\n"
        out += "User turn calls are exact. Moderator and annotation calls are the most there can be: each user abstention "
            + "removes a moderator call, and abstentions leave fewer comments to annotate"
        if let m = measured {
            out += String(
                format: "; at the abstention rates of %@ (users %.1f%%, moderator %.1f%%) expect %.0f calls (margin: %d–%d).\n",
                m.store, m.userAbstentionRate * 100, m.moderatorAbstentionRate * 100, expectedCalls, userCalls, maxCalls)
        } else {
            out += " (margin: \(userCalls)–\(maxCalls) calls; give --from STORE for the expected count).\n"
        }
        if hasConditionalModerator {
            out += "Moderator decisions: \(decisionCalls) decision calls (decideFirst) and \(inlineAnnotationCalls) inline annotations "
                + "(onTrigger; counted among the annotation calls, the annotation stage does not repeat them). Where decisions "
                + "or triggers decide whether the moderator speaks, the run makes between \(minCalls) and \(maxCalls) calls "
                + "if no agent abstains.\n"
        }
        out += "Tokens: \(Self.tokenMethod)\n"
        if let seconds = expectedWallSeconds, let m = measured {
            out += String(
                format: "Wall time: about %@ at %.2f calls/s (measured in %@ over %.0f s of runs).\n", Self.duration(seconds),
                m.callsPerSecond, m.store, m.wallSeconds)
        } else if measured != nil {
            out += "Wall time: unknown (the store has no finished run to measure).\n"
        }
        if let probe {
            out += "Probe (real calls to the servers; first-turn prompts, the shortest of a discussion, so later turns are slower):\n"
            var rows: [[String]] = [["model", "request", "calls", "failed", "in flight", "wall s", "calls/s", "completion tokens"]]
            for r in probe.rates {
                rows.append(
                    [r.model, r.kind, String(r.calls), String(r.failures), String(r.inFlight), String(format: "%.1f", r.wallSeconds),
                        String(format: "%.2f", r.callsPerSecond), String(r.completionTokens)])
            }
            out += Self.table(rows, numericFrom: 2)
            if let seconds = probedWallSeconds {
                out += "Wall time at the probed rates: about \(Self.duration(seconds)) (each condition's calls at its model's rate, "
                    + "annotations at the annotation model's, one after the other).\n"
            } else {
                out += "Wall time at the probed rates: unknown (a model answered no probe call).\n"
            }
        }
        if let cost {
            out += String(format: "Cost: at most %.2f (price per million input/output tokens × the token bounds).\n", cost)
        }
        out += "\nReplicate assignment (the same in every condition):\n"
        var assignmentRows: [[String]] = [["replicate", "seed comment", "users"]]
        for a in assignment {
            let seed = a.seedCommentIndex < seedCommentHeads.count ? "#\(a.seedCommentIndex) \(seedCommentHeads[a.seedCommentIndex])" : "#\(a.seedCommentIndex)"
            let users = a.personaIndices.map { $0 < personaNames.count ? personaNames[$0] : "#\($0)" }.joined(separator: ", ")
            assignmentRows.append([String(a.replicate), seed, users])
        }
        out += Self.table(assignmentRows, numericFrom: nil)
        return out
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }

    /// Columns padded to their widest cell; columns from `numericFrom` on are right-aligned.
    static func table(_ rows: [[String]], numericFrom: Int?) -> String {
        guard let width = rows.first?.count else { return "" }
        let widths = (0..<width).map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return (numericFrom.map { i >= $0 } ?? false) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}
