import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// What an annotation stage did.
public struct AnnotationReport: Sendable, Hashable {
    /// Jobs (annotator × comment) in the stores' finished discussions.
    public var jobs: Int
    /// Jobs already done before this stage (skipped).
    public var skipped: Int
    /// Jobs by parse status in the whole store after this stage (`ok`, `outOfRange`, …, `failed`).
    public var statusCounts: [AnnotationStatus: Int]

    /// Share of stored jobs that parsed (`ok`), in [0, 1]; `nil` when there are none.
    public var parseRate: Double? {
        let total = statusCounts.values.reduce(0, +)
        return total == 0 ? nil : Double(statusCounts[.ok, default: 0]) / Double(total)
    }

    /// The counts as `status n` pairs in alphabetical order of status, e.g. `failed 1, ok 57`.
    public var statusSummary: String {
        statusCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }
}

/// Runs the annotation panel over every comment of the store's finished discussions, skipping jobs already
/// done, committing each job in its own transaction.
///
/// Each annotator sees its persona, the instructions and the rubric (system message, stable per annotator),
/// then the seed comment and the last h comments of the thread ending with the target (abstentions are not
/// comments and never appear). Unless ``AnnotationSetup/structuredOutput`` is `off`, the rubric's JSON schema is sent
/// as `response_format`, in the richest form the endpoint accepts under `auto` (each record says which form its call
/// used); either way the answer goes through ``AnnotationParser``.
public struct AnnotationRunner: Sendable {
    /// The annotation stage.
    public var setup: AnnotationSetup
    /// The store read and written.
    public var store: Store
    /// The annotation model (its calls queue behind discussion turns at a shared server's ``CallGate``).
    public var binding: ModelBinding
    /// Prompt templates.
    public var templates: PromptTemplates
    /// Progress events (`.annotation`).
    public var events: @Sendable (RunEvent) -> Void

    /// Creates a runner.
    public init(
        setup: AnnotationSetup, store: Store, binding: ModelBinding, templates: PromptTemplates,
        events: @escaping @Sendable (RunEvent) -> Void = { _ in }
    ) {
        self.setup = setup
        self.store = store
        self.binding = binding.gated(.annotation)
        self.templates = templates
        self.events = events
    }

    struct Job: Sendable {
        var id: String
        var discussion: DiscussionRecord
        var target: TurnRecord
        var context: [ContextComment]
        var annotator: Persona
        var system: String
    }

    /// Annotates everything not yet annotated in the store's finished discussions.
    ///
    /// - Throws: ``StoreError``; ``EngineError`` when an annotator already rated comments under another rubric or
    ///   instructions; `CancellationError` when cancelled. Failed calls are recorded, not thrown.
    public func run() async throws -> AnnotationReport {
        try await run(feed: nil)
    }

    /// Annotates the store's finished discussions, then each discussion whose id arrives on `feed` (as
    /// discussions finish during a run), until the feed ends; up to ``AnnotationSetup/concurrency`` jobs in flight.
    ///
    /// Jobs of one discussion go out annotator by annotator: jobs in flight together share the annotator's
    /// system message and the seed comment, so the server's prefix cache serves them (llama.cpp slot/RAM cache,
    /// vLLM automatic prefix caching). Only one discussion's jobs are held in memory at a time.
    ///
    /// - Parameter feed: ids of discussions finished after this call began, or `nil` for a stage on its own.
    /// - Throws: ``StoreError``; ``EngineError`` when an annotator already rated comments under another rubric or
    ///   instructions; `CancellationError` when cancelled. Failed calls are recorded, not thrown.
    public func run(feed: AsyncStream<String>?) async throws -> AnnotationReport {
        let renderer = try PromptRenderer(templates: templates)
        let systems = try await prepareAnnotators(renderer: renderer)
        let done = try await store.finishedAnnotationIds()
        let prompts = systems
        // A producer counts the jobs of each finished discussion as soon as it arrives (so progress shows every
        // job due at once) and passes the discussion on; the consumer below builds its jobs when it gets to it
        // (only one discussion's jobs are held at a time) and keeps up to `concurrency` of them in flight.
        let (pending, sink) = AsyncStream.makeStream(of: DiscussionRecord.self)
        async let counts: (total: Int, skipped: Int) = {
            defer { sink.finish() }
            var seen: Set<String> = []
            var total = 0
            var skipped = 0
            func submit(_ discussion: DiscussionRecord) async throws {
                guard seen.insert(discussion.id).inserted else { return }
                let (jobs, already) = try await self.jobs(for: discussion, done: done, systems: prompts)
                total += jobs.count + already
                skipped += already
                events(.annotationQueued(jobs: jobs.count, alreadyDone: already))
                if !jobs.isEmpty { sink.yield(discussion) }
            }
            for discussion in try await store.discussions() where discussion.status == .done { try await submit(discussion) }
            if let feed {
                for await id in feed {
                    if let discussion = try await store.discussion(id: id), discussion.status == .done { try await submit(discussion) }
                }
            }
            return (total, skipped)
        }()
        let limit = max(1, setup.concurrency)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await discussion in pending {
                for job in try await jobs(for: discussion, done: done, systems: prompts).0 {
                    if inFlight >= limit {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask { try await self.annotate(job, renderer: renderer) }
                    inFlight += 1
                }
            }
            try await group.waitForAll()
        }
        let (total, skipped) = try await counts
        return AnnotationReport(jobs: total, skipped: skipped, statusCounts: try await store.annotationStatusCounts())
    }

    /// Renders each annotator's system message, refuses a store whose annotators rated comments under another
    /// rubric, instructions or persona, and saves the panel; returns the system messages by username.
    ///
    /// - Throws: ``EngineError`` (``EngineError/Kind/storeMismatch``); ``StoreError``.
    func prepareAnnotators(renderer: PromptRenderer) async throws -> [String: String] {
        var systems: [String: String] = [:]
        var annotatorRecords: [AnnotatorRecord] = []
        for a in setup.annotators {
            let system = renderer.annotatorSystem(annotator: a, instructions: setup.instructions, rubric: setup.rubric)
            systems[a.username] = system
            annotatorRecords.append(AnnotatorRecord(username: a.username, persona: a, systemPrompt: system, rubric: setup.rubric))
        }
        // Annotations made under another rubric, instructions or persona must not be mixed with new ones.
        let stored = try await store.annotatorRecords()
        let annotated = try await store.annotatorsWithAnnotations()
        for record in annotatorRecords {
            if let old = stored[record.username], annotated.contains(record.username),
                old.systemPrompt != record.systemPrompt || old.rubric != record.rubric
            {
                let what = old.rubric != record.rubric ? "rubric" : "instructions or persona"
                throw EngineError(
                    .storeMismatch,
                    "\(store.path): annotator '\(record.username)' already rated comments with a different \(what); "
                        + "annotate into another --store (e.g. a copy of this one without its annotations)")
            }
        }
        try await store.saveAnnotators(annotatorRecords)
        return systems
    }

    /// The job "`annotator` rates `comments[index]`" of `discussion`: the same id, context and prompt whether it
    /// runs in the annotation stage or inline during the discussion (an `onTrigger` moderator's check).
    ///
    /// - Parameters:
    ///   - comments: the discussion's comments (turns with outcome `comment`) in turn order, at least up to the target.
    ///   - index: the target's position in `comments`.
    static func job(
        discussion: DiscussionRecord, comments: [TurnRecord], index: Int, annotator: Persona, system: String, historyLength: Int
    ) -> Job {
        let target = comments[index]
        let context = comments[max(0, index - (historyLength - 1))..<index].map { ContextComment(speaker: $0.speaker, text: $0.text ?? "") }
        return Job(
            id: jobId(commentId: target.id, annotator: annotator.username), discussion: discussion, target: target, context: context,
            annotator: annotator, system: system)
    }

    /// The jobs of one finished discussion not yet done, annotator by annotator, and how many were already done.
    ///
    /// `done` is the stage's set at its start; the discussion's own finished annotations are read again here, so
    /// annotations made inline while it ran (an `onTrigger` moderator's checks) are skipped, not repeated.
    func jobs(for discussion: DiscussionRecord, done stageDone: Set<String>, systems: [String: String]) async throws -> ([Job], Int) {
        let done = stageDone.union(try await store.finishedAnnotationIds(discussionId: discussion.id))
        let comments = try await store.turns(of: discussion.id).filter { $0.outcome == .comment }
        var jobs: [Job] = []
        var skipped = 0
        for annotator in setup.annotators {
            for (i, target) in comments.enumerated() where setup.annotateModerator || target.role != .moderator {
                let id = Self.jobId(commentId: target.id, annotator: annotator.username)
                if done.contains(id) {
                    skipped += 1
                    continue
                }
                jobs.append(
                    Self.job(
                        discussion: discussion, comments: comments, index: i, annotator: annotator,
                        system: systems[annotator.username]!, historyLength: setup.historyLength))
            }
        }
        return (jobs, skipped)
    }

    /// The seed a discussion's annotation prompts show: its stored seed comments with their authors (a thread, or
    /// imported hard-coded comments), else its one seed comment by `OP`.
    func seed(of discussion: DiscussionRecord) async throws -> SeedThread {
        let stored = try await store.seedComments(of: discussion)
        if stored.count <= 1 && stored.allSatisfy({ $0.author == "OP" }) { return .single(discussion.seedComment) }
        return SeedThread(id: nil, comments: stored.map { SeedThreadComment(author: $0.author, text: $0.text) })
    }

    /// The stable id of the job "annotator rates comment".
    public static func jobId(commentId: String, annotator: String) -> String {
        SeedDerivation.uuid(0, "annotation", commentId, annotator)
    }

    /// Runs one job and commits its annotation; returns the record committed.
    @discardableResult
    func annotate(_ job: Job, renderer: PromptRenderer) async throws -> AnnotationRecord {
        let prompt = renderer.annotationPrompt(
            system: job.system, seed: try await seed(of: job.discussion), context: job.context,
            target: ContextComment(speaker: job.target.speaker, text: job.target.text ?? ""))
        let settings = binding.settings
        let sampling = SamplingParameters(
            temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens,
            seed: settings.samplingSeed(derived: Int(SeedDerivation.derive(0, "annotation-sampling", job.id) & 0x7FFF_FFFF)),
            stop: [], frequencyPenalty: settings.frequencyPenalty, presencePenalty: settings.presencePenalty,
            extraBody: settings.extraBody)
        let request = ChatRequest(
            model: binding.requestModel,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens, seed: sampling.seed,
            frequencyPenalty: sampling.frequencyPenalty, presencePenalty: sampling.presencePenalty, extraBody: sampling.extraBody,
            jsonSchema: setup.structuredOutput == .off ? nil : setup.rubric.jsonSchema, structuredOutput: setup.structuredOutput)
        let started = Date()
        var record = AnnotationRecord(
            id: job.id, commentId: job.target.id, discussionId: job.discussion.id, annotator: job.annotator.username,
            status: .failed, structuredOutput: setup.structuredOutput.firstForm,
            call: CallProvenance(
                modelName: binding.name, endpoint: binding.client.endpoint, sampling: sampling, promptHash: prompt.hash,
                templateId: prompt.templateId),
            startedAt: started, finishedAt: started)
        let site = CallSite.annotation(discussionId: job.discussion.id, commentId: job.target.id, annotator: job.annotator.username)
        switch try await CallSite.$current.withValue(site, operation: { try await ModelCall.perform(binding.client, request) }) {
        case .success(let response):
            let parsed = AnnotationParser.parse(response.text, rubric: setup.rubric)
            record.values = parsed.status == .ok ? parsed.values : [:]
            record.status = AnnotationStatus(parsed.status)
            record.method = parsed.method
            record.detail = parsed.detail
            record.rawText = response.text
            record.call.record(response)
            if let form = response.structuredOutput { record.structuredOutput = form }
        case .failure(let error):
            record.call.record(error)
            if let form = error.structuredOutput { record.structuredOutput = form }
        }
        // The key of the request as sent: with the `response_format` form the call used.
        record.call.callKey = request.callKey(form: record.structuredOutput)
        record.finishedAt = Date()
        try await store.commitAnnotation(record, prompt: PromptRecord(prompt))
        events(.annotation(status: record.status))
        return record
    }
}
