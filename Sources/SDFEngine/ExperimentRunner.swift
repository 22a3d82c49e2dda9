import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// What a run did.
public struct RunReport: Sendable, Hashable {
    /// The run manifest's id.
    public var runId: String
    /// Discussions in the design.
    public var planned: Int
    /// Discussions already done in the store before this run (skipped).
    public var skipped: Int
    /// Discussions finished by this run.
    public var finished: Int
    /// Discussions that failed in this run.
    public var failed: Int
    /// Wall time of this run, seconds.
    public var wallSeconds: Double
    /// The failed calls that ended the failed discussions in the store, grouped by error kind (`server`,
    /// `timeout`, `badRequest`…): the count and the first message of each kind.
    public var failureKinds: [String: FailureGroup] = [:]

    /// Failed discussions of one error kind.
    public struct FailureGroup: Sendable, Hashable {
        /// How many.
        public var count: Int
        /// The first stored error message (`kind: message`).
        public var example: String
    }

    /// Failed discussions whose failure may pass on a retry (connection, timeout, rate limit, server error…).
    public var transientFailures: Int { failureKinds.filter { !Self.deterministic($0.key) }.values.map(\.count).reduce(0, +) }
    /// Failed discussions whose request fails the same way on every retry (the server rejected the request).
    public var deterministicFailures: Int { failureKinds.filter { Self.deterministic($0.key) }.values.map(\.count).reduce(0, +) }

    /// Whether failures of the error kind named `kind` (a ``CallErrorKind`` raw value) repeat on every retry.
    public static func deterministic(_ kind: String) -> Bool {
        CallErrorKind(rawValue: kind)?.isDeterministic ?? false
    }
}

/// Runs an experiment into a store: expands the design, skips finished discussions, runs the rest with up to
/// ``concurrency`` in flight (each discussion sequential), and records the run manifest.
public struct ExperimentRunner: Sendable {
    /// The resolved experiment.
    public var experiment: Experiment
    /// The store written to.
    public var store: Store
    /// Bound models, by ``ModelSettings/name`` (their calls pass a shared server's ``CallGate`` first in line).
    public var models: [String: ModelBinding]
    /// Discussions in flight at once: the argument, else the file's `concurrency`, else
    /// ``ModelSession/derivedConcurrency(_:bindings:)``.
    public var concurrency: Int
    /// The experiment file's text, for the manifest.
    public var specText: String
    /// Receives progress events (from several tasks at once).
    public var events: @Sendable (RunEvent) -> Void
    /// The shard of the design this run holds (`sdf run --shard`): only its discussions run, each exactly as in the
    /// unsharded run; the store records the shard (``Store/claimShard(_:)``). `nil`: the whole design.
    public var shard: ShardSpec?
    /// Whether ``run(modelFingerprints:)`` records the run's end; the pipelined run records it after annotation.
    var recordsEnd = true
    /// For a design with `branching:`: the finished store the branched discussions take their prefixes from
    /// (`sdf run --branch-from`); `nil`: from the trunks of this run's own store (run first, in the same run).
    public var branchSource: Store?
    /// Told the ids of the trunks copied from ``branchSource``: the pipelined run feeds them to annotation (they are
    /// done without a `discussionFinished` event).
    var trunksCopied: (@Sendable ([String]) -> Void)? = nil

    /// Creates a runner.
    public init(
        experiment: Experiment, store: Store, models: [String: ModelBinding], concurrency: Int? = nil, specText: String,
        events: @escaping @Sendable (RunEvent) -> Void = { _ in }
    ) {
        self.experiment = experiment
        self.store = store
        self.models = models.mapValues { $0.gated(.turn) }
        self.concurrency = max(1, concurrency ?? experiment.spec.concurrency ?? ModelSession.derivedConcurrency(experiment, bindings: models))
        self.specText = specText
        self.events = events
    }

    /// Runs every discussion not yet done.
    ///
    /// - Parameter modelFingerprints: model name → what the server reported (id, endpoint, GGUF hash), for the manifest.
    /// - Returns: the run's report. Failed discussions are counted, not thrown.
    /// - Throws: ``StoreError`` (e.g. the store holds a different design), ``EngineError`` (a model without a binding,
    ///   a store whose turns do not match the design), `CancellationError` when cancelled.
    public func run(modelFingerprints: [String: String] = [:]) async throws -> RunReport {
        let start = Date()
        let experiment = try await Self.matchingStore(experiment, store: store)
        let renderer = try PromptRenderer(templates: experiment.templates)
        let design = Design(experiment: experiment)
        // Per condition: its experiment (factor levels merged in), renderer and replicate assignment table. Tables
        // depend only on pool sizes and the seed, so conditions with the same pools share one.
        var conditionSetups: [String: (Experiment, PromptRenderer)] = [:]
        var tables: [String: [ReplicateAssignment]] = [:]
        for condition in design.conditions {
            let variant = experiment.experiment(for: condition)
            let variantRenderer = variant.templates == experiment.templates ? renderer : try PromptRenderer(templates: variant.templates)
            conditionSetups[condition.id] = (variant, variantRenderer)
            let key = Self.tableKey(variant)
            if tables[key] == nil { tables[key] = ReplicateAssignment.table(for: variant) }
        }
        let setups = conditionSetups
        let assignmentTables = tables
        // `onTrigger` conditions annotate inline: their annotators are checked and saved before any discussion runs.
        var inlineAnnotations: [String: DiscussionRunner.InlineAnnotation] = [:]
        for condition in design.conditions {
            guard let variant = setups[condition.id]?.0, case .onTrigger(let trigger) = variant.spec.moderator.schedule,
                let annotation = variant.annotation, let annotator = annotation.annotators.first(where: { $0.username == trigger.annotator })
            else { continue }
            guard let binding = models[annotation.model.name] else {
                throw EngineError(
                    .noModelBound, "no model bound for '\(annotation.model.name)' (the annotation model the onTrigger moderator needs)")
            }
            var runner = AnnotationRunner(setup: annotation, store: store, binding: binding, templates: variant.templates)
            runner.binding = binding  // inline annotations are discussion turns at a shared server's gate
            let annotationRenderer = try PromptRenderer(templates: variant.templates)
            let systems = try await runner.prepareAnnotators(renderer: annotationRenderer)
            inlineAnnotations[condition.id] = .init(
                runner: runner, renderer: annotationRenderer, annotator: annotator, system: systems[annotator.username] ?? "")
        }
        let inline = inlineAnnotations
        // The shard selects discussions; it changes nothing about any of them.
        var cells = design.cells
        var shardRecord: ShardRecord?
        if let shard {
            if experiment.spec.branching != nil {
                throw EngineError(
                    .storeMismatch,
                    "--shard \(shard.index)/\(shard.count): a design with 'branching' cannot be sharded yet (a branched discussion needs its trunk in the same store); run it unsharded")
            }
            let partition = try ExperimentPlanner.shardPartition(experiment, count: shard.count)
            let selected = Set(partition.share(shard).discussionIds)
            cells = cells.filter { selected.contains($0.discussionId) }
            shardRecord = ExperimentPlanner.shardRecord(experiment, shard: shard, partition: partition)
        }
        try await store.claimShard(shardRecord)
        if let source = branchSource {
            // Checked and copied before the run is recorded: a refusal leaves the store as it was.
            let copied = try await Self.copyTrunks(
                cells: cells, from: source, into: store, experiment: experiment, statuses: try await store.discussionStatuses())
            trunksCopied?(copied)
        }
        let manifest = RunManifest(
            id: UUID().uuidString.lowercased(), experiment: experiment.name, specHash: RenderedPrompt.sha256Hex(specText),
            designHash: experiment.designHash, specText: specText, design: experiment.designFingerprint, toolVersion: SDFVersion.current,
            models: modelFingerprints, host: ProcessInfo.processInfo.hostName, startedAt: start, status: .running)
        try await store.beginRun(manifest)
        let statuses = try await store.discussionStatuses()
        // Trunks first: a branched discussion waits for its trunk, which has then always been started before it.
        let pending = cells.filter { statuses[$0.discussionId] != .done && $0.trunkDiscussionId == nil }
            + cells.filter { statuses[$0.discussionId] != .done && $0.trunkDiscussionId != nil }
        let trunkIds = Set(cells.compactMap(\.trunkDiscussionId))
        let pendingIds = Set(pending.map(\.discussionId))
        let board = PrefixBoard(ended: trunkIds.subtracting(pendingIds))
        let trunkSource = self.branchSource
        let statusesAtStart = statuses
        let skipped = cells.count - pending.count
        events(.started(total: cells.count, alreadyDone: skipped, inFlight: min(concurrency, max(pending.count, 1))))
        var finished = 0
        var failed = 0
        do {
            try await withThrowingTaskGroup(of: DiscussionStatus.self) { group in
                var iterator = pending.makeIterator()
                func addNext() throws -> Bool {
                    guard let cell = iterator.next() else { return false }
                    guard let binding = models[cell.condition.model] else {
                        throw EngineError(.noModelBound, "no model bound for '\(cell.condition.model)'")
                    }
                    let (variant, variantRenderer) = setups[cell.condition.id] ?? (experiment, renderer)
                    let plan = try DiscussionPlan(
                        experiment: variant, cell: cell, renderer: variantRenderer,
                        assignment: assignmentTables[Self.tableKey(variant)]?[cell.replicate])
                    var runner = DiscussionRunner(
                        experiment: variant, plan: plan, binding: binding, renderer: variantRenderer, store: store, events: events,
                        inlineAnnotation: inline[cell.condition.id])
                    if let trunkId = cell.trunkDiscussionId, let k = cell.condition.branchTurn {
                        runner.branch = .init(
                            trunkId: trunkId, atTurn: k, source: trunkSource ?? store, board: trunkSource == nil ? board : nil,
                            external: trunkSource != nil)
                    }
                    let resume = statusesAtStart[cell.discussionId] != nil
                    let id = cell.discussionId
                    if trunkIds.contains(id) { runner.progress = { await board.report(id, userTurns: $0) } }
                    let configured = runner
                    if trunkIds.contains(id) {
                        group.addTask {
                            do {
                                let status = try await configured.run(resume: resume)
                                await board.finish(id)
                                return status
                            } catch {
                                await board.finish(id)
                                throw error
                            }
                        }
                    } else {
                        group.addTask { try await configured.run(resume: resume) }
                    }
                    return true
                }
                for _ in 0..<concurrency where try !addNext() { break }
                while let status = try await group.next() {
                    if status == .done { finished += 1 } else { failed += 1 }
                    _ = try addNext()
                }
            }
        } catch {
            // The run task may be cancelled (Ctrl-C): record the end from a task that is not.
            let store = self.store
            await Task { try? await store.finishRun(id: manifest.id, status: error is CancellationError ? .interrupted : .failed) }.value
            throw error
        }
        if recordsEnd { try await store.finishRun(id: manifest.id, status: failed > 0 ? .failed : .done) }
        var report = RunReport(
            runId: manifest.id, planned: cells.count, skipped: skipped, finished: finished, failed: failed,
            wallSeconds: Date().timeIntervalSince(start))
        for error in try await store.failedTurnErrors() {
            report.failureKinds[error.kindName, default: .init(count: 0, example: error.description)].count += 1
        }
        return report
    }
    /// `sdf run --branch-from`: checks that `source` holds the same design and every trunk of `cells` finished, then
    /// copies each trunk not yet done in `store` (``Store/copyDiscussion(_:from:)``); nothing is copied when a check
    /// fails.
    ///
    /// - Throws: ``EngineError`` (``EngineError/Kind/storeMismatch``) naming the store and the first missing or
    ///   unfinished trunk discussion, or the design hashes when `source` was written under another design (this
    ///   file with or without its `branching:` section is the same design).
    /// - Returns: the ids of the trunks copied.
    @discardableResult
    static func copyTrunks(
        cells: [DesignCell], from source: Store, into store: Store, experiment: Experiment, statuses: [String: DiscussionStatus]
    ) async throws -> [String] {
        let hashes = Set(try await source.runs().map(\.designHash))
        guard hashes.contains(experiment.designHash) || hashes.contains(experiment.idNamespace) else {
            throw EngineError(
                .storeMismatch,
                "--branch-from \(source.path): the store was written under another design (its design \(hashes.sorted().first.map { String($0.prefix(12)) } ?? "none"), "
                    + "this experiment's \(experiment.idNamespace.prefix(12))); branch from a store of this experiment file")
        }
        let trunks = Array(Set(cells.compactMap(\.trunkDiscussionId))).sorted()
        let sourceStatuses = try await source.discussionStatuses()
        let labels = Dictionary(cells.map { ($0.discussionId, "\($0.condition.label) replicate \($0.replicate)") }, uniquingKeysWith: { a, _ in a })
        for id in trunks where sourceStatuses[id] != .done {
            let state = sourceStatuses[id].map { "is \($0.rawValue)" } ?? "is missing"
            throw EngineError(
                .storeMismatch,
                "--branch-from \(source.path): trunk discussion \(id) (\(labels[id] ?? "?")) \(state); finish it there first (sdf run on that store)")
        }
        var copied: [String] = []
        for id in trunks where statuses[id] != .done {
            try await store.copyDiscussion(id, from: source)
            copied.append(id)
        }
        return copied
    }

    /// `experiment`, or — when `store` was written before balanced replicate assignment under the same design —
    /// the experiment with ``ReplicateAssignmentMethod/independentDraws``, so that resuming an old store keeps its
    /// plan (its recorded design hash is the hash of the independent draws; a new store gets balanced assignment).
    public static func matchingStore(_ experiment: Experiment, store: Store) async throws -> Experiment {
        guard experiment.replicateAssignment == .balanced else { return experiment }
        let hashes = Set(try await store.runs().map(\.designHash))
        guard !hashes.isEmpty, !hashes.contains(experiment.designHash) else { return experiment }
        let earlier = experiment.with(assignment: .independentDraws)
        return hashes.contains(earlier.designHash) ? earlier : experiment
    }

    static func tableKey(_ e: Experiment) -> String {
        "\(e.replicateAssignment.rawValue):\(e.personas.count):\(e.seedComments.count):\(e.spec.discussion.users):\(e.spec.replicates)"
    }

    /// Runs every discussion not yet done and, alongside, annotates each discussion as soon as it is done
    /// (discussions finished earlier first). Discussion turns and annotation jobs that reach the same server
    /// share its ``CallGate``: turns go first, annotation jobs fill the slots turns leave idle.
    ///
    /// - Parameters:
    ///   - modelFingerprints: model name → what the server reported, for the manifest.
    ///   - annotation: the annotation stage, on the same store.
    /// - Returns: both stages' reports.
    /// - Throws: as ``run(modelFingerprints:)`` and ``AnnotationRunner/run(feed:)``; an error in either stage
    ///   cancels the other (committed work stays).
    public func run(
        modelFingerprints: [String: String] = [:], annotating annotation: AnnotationRunner
    ) async throws -> (RunReport, AnnotationReport) {
        let (feed, continuation) = AsyncStream.makeStream(of: String.self)
        var discussions = self
        discussions.recordsEnd = false
        let events = self.events
        discussions.events = { event in
            events(event)
            if case .discussionFinished(let id, .done, _, _) = event { continuation.yield(id) }
        }
        discussions.trunksCopied = { ids in for id in ids { continuation.yield(id) } }
        enum Stage: Sendable {
            case discussions(RunReport)
            case annotation(AnnotationReport)
        }
        let runner = discussions
        return try await withThrowingTaskGroup(of: Stage.self) { group in
            group.addTask {
                defer { continuation.finish() }
                return .discussions(try await runner.run(modelFingerprints: modelFingerprints))
            }
            group.addTask { .annotation(try await annotation.run(feed: feed)) }
            var report: RunReport?
            var annotated: AnnotationReport?
            do {
                while let stage = try await group.next() {
                    switch stage {
                    case .discussions(let r): report = r
                    case .annotation(let a): annotated = a
                    }
                }
            } catch {
                // Stopped or failed during annotation, after the discussions ended: the run did not end well.
                if let report {
                    let store = self.store
                    let status: RunStatus = error is CancellationError ? .interrupted : .failed
                    await Task { try? await store.finishRun(id: report.runId, status: status) }.value
                }
                throw error
            }
            let (r, a) = (report!, annotated!)
            // The run ends when its annotation stage ends.
            try await store.finishRun(id: r.runId, status: r.failed > 0 ? .failed : .done)
            return (r, a)
        }
    }
}
