import Foundation
import Logging
import SDFCore
import SDFLLM

extension ExperimentPlan {
    /// Throughput measured by `sdf plan --probe`: a few real calls per model, sent as the run would send them.
    public struct Probe: Sendable, Hashable {
        /// What one model's probe measured.
        public struct Rate: Sendable, Hashable {
            /// The model's name in the experiment file.
            public var model: String
            /// What was sent: `user turn` (the first user's first turn of a discussion of the model) or
            /// `annotation` (the first annotator's prompt for the seed comment).
            public var kind: String
            /// Calls sent.
            public var calls: Int
            /// Calls that failed after their retries (not counted in ``callsPerSecond``).
            public var failures: Int
            /// Calls in flight at once: the server's slots where it reports them (llama-server), else 4.
            public var inFlight: Int
            /// Wall time of all the calls, in seconds.
            public var wallSeconds: Double
            /// Completion tokens the server reported over the successful calls (0 when it reports none).
            public var completionTokens: Int

            /// Successful calls per second at ``inFlight`` calls at once; 0 when none succeeded.
            public var callsPerSecond: Double { wallSeconds > 0 ? Double(calls - failures) / wallSeconds : 0 }

            /// Creates a rate.
            public init(model: String, kind: String, calls: Int, failures: Int, inFlight: Int, wallSeconds: Double, completionTokens: Int) {
                self.model = model
                self.kind = kind
                self.calls = calls
                self.failures = failures
                self.inFlight = inFlight
                self.wallSeconds = wallSeconds
                self.completionTokens = completionTokens
            }
        }

        /// One rate per discussion model, and one for the annotation model when the experiment annotates.
        public var rates: [Rate]

        /// Creates a probe result.
        public init(rates: [Rate]) { self.rates = rates }
    }

    /// Expected wall time in seconds at the probe's rates: each condition's user, decision and moderator calls at
    /// its model's rate, every annotation call at the annotation model's rate, summed (servers used one after the
    /// other, as when they are one server); `nil` without a probe or when a needed rate is 0. Calls are the
    /// ``maxCalls`` bound unless a store was measured (``expectedCalls``' abstention rates, applied per kind).
    public var probedWallSeconds: Double? {
        guard let probe else { return nil }
        // Discussion models by name; the annotation model's rate apart (a discussion model may be named "annotation").
        var rates: [String: Double] = [:]
        var annotationRate: Double?
        for r in probe.rates {
            if r.kind == "annotation" { annotationRate = r.callsPerSecond } else { rates[r.model] = r.callsPerSecond }
        }
        let user = 1 - (measured?.userAbstentionRate ?? 0)
        var seconds = 0.0
        for c in conditions {
            guard let rate = rates[c.model], rate > 0 else { return nil }
            seconds += (Double(c.userCalls) + Double(c.decisionCalls + c.moderatorCalls) * user) / rate
            if c.annotationCalls > 0 {
                guard let annotationRate, annotationRate > 0 else { return nil }
                seconds += Double(c.annotationCalls) * user / annotationRate
            }
        }
        return seconds
    }
}

extension ExperimentPlanner {
    /// Measures the experiment's servers: brings every model up as a run would (starting the local engine), then
    /// sends each discussion model `callsPerModel` copies of a real user-turn request (the first user's first turn of
    /// the model's first discussion, with the model's sampling parameters and stop sequences) and the annotation
    /// model the same number of its first annotation request (the first annotator on the seed comment, without a
    /// `response_format`), ``ExperimentPlan/Probe/Rate/inFlight`` at a time.
    ///
    /// First-turn prompts are the shortest of a discussion, so the rate is an optimistic bound for later turns, and
    /// a server that caches prompts answers repeated requests faster; the text of ``ExperimentPlan/text`` says so.
    ///
    /// - Parameters:
    ///   - experiment: the loaded experiment.
    ///   - experimentFile: its path (relative `gguf` paths, messages).
    ///   - callsPerModel: calls per model, ≥ 1 (default 8).
    ///   - logger: for the engine's start-up.
    /// - Returns: one rate per model.
    /// - Throws: ``LLMError`` when a server cannot be reached or started; the renderer's error for a malformed
    ///   template. A failing call is counted, not thrown.
    public static func probe(
        _ experiment: Experiment, experimentFile: String, callsPerModel: Int = 8, logger: Logger = Logger(label: "sdf")
    ) async throws -> ExperimentPlan.Probe {
        let requests = try probeRequests(experiment)
        let calls = max(1, callsPerModel)
        return try await ModelSession.withBindings(experiment, experimentFile: experimentFile, logger: logger, notice: { _ in }) {
            bindings, _ in
            var rates: [ExperimentPlan.Probe.Rate] = []
            for (model, kind, make) in requests {
                guard let binding = bindings[model] else { continue }
                let request = make(binding.requestModel)
                let inFlight = min(calls, binding.gate?.permits ?? 4)
                let started = Date()
                let outcomes = try await withThrowingTaskGroup(of: Result<ChatResponse, LLMError>.self) { group in
                    var sent = 0
                    var results: [Result<ChatResponse, LLMError>] = []
                    func send() {
                        group.addTask { try await ModelCall.perform(binding.client, request) }
                        sent += 1
                    }
                    while sent < inFlight { send() }
                    while let next = try await group.next() {
                        results.append(next)
                        if sent < calls { send() }
                    }
                    return results
                }
                let wall = Date().timeIntervalSince(started)
                var failures = 0
                var tokens = 0
                for outcome in outcomes {
                    switch outcome {
                    case .success(let response): tokens += response.usage.completionTokens ?? 0
                    case .failure: failures += 1
                    }
                }
                rates.append(
                    .init(
                        model: model, kind: kind, calls: calls, failures: failures,
                        inFlight: inFlight, wallSeconds: wall, completionTokens: tokens))
            }
            return ExperimentPlan.Probe(rates: rates)
        }
    }

    /// One request maker per discussion model (by the model's name) and one for the annotation model (bound
    /// under its own name), each taking the model name to send.
    static func probeRequests(_ experiment: Experiment) throws -> [(String, String, @Sendable (String) -> ChatRequest)] {
        let design = Design(experiment: experiment)
        var result: [(String, String, @Sendable (String) -> ChatRequest)] = []
        var seen: Set<String> = []
        var firstPlan: DiscussionPlan?
        var firstRenderer: PromptRenderer?
        for cell in design.cells where !seen.contains(cell.condition.model) {
            let variant = experiment.experiment(for: cell.condition)
            let renderer = try PromptRenderer(templates: variant.templates)
            let plan = try DiscussionPlan(experiment: variant, cell: cell, renderer: renderer)
            if firstPlan == nil { (firstPlan, firstRenderer) = (plan, renderer) }
            guard let speaker = plan.users.first,
                let settings = variant.spec.models.first(where: { $0.name == cell.condition.model })
            else { continue }
            seen.insert(cell.condition.model)
            let prompt = renderer.prompt(system: speaker.systemPrompt, username: speaker.username, window: [], truncated: false)
            // Exactly the run's request for this turn (stops, sampling, seed).
            result.append(
                (
                    settings.name, "user turn",
                    { model in
                        DiscussionRunner.turnRequest(
                            prompt: prompt, speaker: speaker.username, label: "user-0", plan: plan, settings: settings, requestModel: model
                        ).request
                    }
                ))
        }
        if let setup = experiment.annotation, let plan = firstPlan, let renderer = firstRenderer, let annotator = setup.annotators.first {
            let system = renderer.annotatorSystem(annotator: annotator, instructions: setup.instructions, rubric: setup.rubric)
            let prompt = renderer.annotationPrompt(
                system: system, seedComment: plan.seedComment, context: [],
                target: ContextComment(speaker: "OP", text: plan.seedComment))
            let settings = setup.model
            result.append(
                (
                    settings.name, "annotation",
                    { model in
                        ChatRequest(
                            model: model,
                            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
                            temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens, seed: 1,
                            frequencyPenalty: settings.frequencyPenalty, presencePenalty: settings.presencePenalty,
                            extraBody: settings.extraBody)
                    }
                ))
        }
        return result
    }
}
