import Foundation
import Logging
import SDFAnalysis
import SDFCore
import SDFLLM
import SDFStore

/// What ``ExperimentRun/run(_:logger:events:)`` runs: the experiment file, the store, and which stages.
///
/// `sdf run` runs the discussions and, when the file has an annotation stage, annotation alongside;
/// `sdf annotate` runs the annotation stage alone on the store's finished discussions.
public struct ExperimentRunOptions: Sendable, Hashable {
    /// Which stages run.
    public enum Stages: Sendable, Hashable {
        /// The discussions and, if the experiment has an `annotation` section, annotation of each finished discussion.
        case discussionsAndAnnotation
        /// Only the annotation stage, on the discussions the store already holds (`sdf annotate`).
        case annotationOnly
    }

    /// The experiment file (YAML).
    public var experimentFile: String
    /// The store's path; `nil` for ``defaultStorePath(for:)``.
    public var store: String?
    /// Discussions in flight at once, overriding the file's `concurrency`.
    public var concurrency: Int?
    /// Which stages run.
    public var stages: Stages
    /// Whether the store's HTML report is rewritten beside the store at the end (`<store name>-report.html`).
    public var writesReport: Bool
    /// Where the run's calls are answered from instead of the servers (`--replay-from`); `nil`: a normal run.
    public var replay: ReplaySource?
    /// The shard of the design to run (`--shard INDEX/COUNT`); `nil`: the whole design.
    public var shard: ShardSpec?
    /// A finished store of the same design to take the trunks of a branched design from (`--branch-from`); `nil`:
    /// the trunks run in this run.
    public var branchFrom: String?

    /// Creates options.
    public init(
        experimentFile: String, store: String? = nil, concurrency: Int? = nil, stages: Stages = .discussionsAndAnnotation,
        writesReport: Bool = true, replay: ReplaySource? = nil, shard: ShardSpec? = nil, branchFrom: String? = nil
    ) {
        self.branchFrom = branchFrom
        self.replay = replay
        self.experimentFile = experimentFile
        self.store = store
        self.concurrency = concurrency
        self.stages = stages
        self.writesReport = writesReport
        self.shard = shard
    }

    /// The store written: ``store``, else the experiment file's name with `.sqlite` (with `--shard I/N`:
    /// `-shard-I-of-N.sqlite`), beside it.
    public var storePath: String {
        if let store { return store }
        guard let shard else { return Self.defaultStorePath(for: experimentFile) }
        return Self.defaultStorePath(for: experimentFile, shard: shard)
    }

    /// `dir/name.yaml` and shard 1/3 → `dir/name-shard-1-of-3.sqlite`.
    public static func defaultStorePath(for experiment: String, shard: ShardSpec) -> String {
        let url = URL(fileURLWithPath: experiment).deletingPathExtension()
        return url.deletingLastPathComponent().appendingPathComponent(
            "\(url.lastPathComponent)-shard-\(shard.index)-of-\(shard.count).sqlite").path
    }

    /// What holds the store's lock, for a second process's refusal message: `sdf run` or `sdf annotate`.
    public var command: String { stages == .annotationOnly ? "sdf annotate" : "sdf run" }

    /// `dir/name.yaml` → `dir/name.sqlite`.
    public static func defaultStorePath(for experiment: String) -> String {
        URL(fileURLWithPath: experiment).deletingPathExtension().appendingPathExtension("sqlite").path
    }
}

/// What a run is about to do, reported once before any discussion runs (not for an annotation-only run).
public struct RunPlan: Sendable, Hashable {
    /// The experiment's name.
    public var experiment: String
    /// Conditions (strategies × models).
    public var conditions: Int
    /// Discussions per condition.
    public var replicates: Int
    /// Discussions in the design.
    public var discussions: Int
    /// The store written.
    public var storePath: String
    /// The shard run (`--shard`); `nil`: the whole design.
    public var shard: ShardSpec?

    /// Creates a plan.
    public init(experiment: String, conditions: Int, replicates: Int, discussions: Int, storePath: String, shard: ShardSpec? = nil) {
        self.experiment = experiment
        self.conditions = conditions
        self.replicates = replicates
        self.discussions = discussions
        self.storePath = storePath
        self.shard = shard
    }
}

/// Progress of ``ExperimentRun/run(_:logger:events:)``, for the caller to show.
public enum ExperimentRunEvent: Sendable {
    /// The experiment file was loaded and checked; the discussions are about to run.
    case planned(RunPlan)
    /// Progress of the discussions and annotation (from several tasks at once).
    case progress(RunEvent)
    /// A one-time note about a server (e.g. it rejected a `response_format` form; the fallback used), for the
    /// caller to show between progress lines.
    case notice(String)
}

/// What a finished run did: each stage's report, the store's totals afterwards, the report file, and the exit code.
///
/// Failed discussions are part of a result, not an error: ``exitCode`` is ``SDFExitCode/someFailed`` then, and
/// ``rerunCanHelp`` says whether running the same command again may finish them.
public struct RunResult: Sendable, Hashable {
    /// The store written.
    public var storePath: String
    /// The discussion stage's report; `nil` for an annotation-only run.
    public var discussions: RunReport?
    /// The annotation stage's report; `nil` when the experiment has no annotation stage.
    public var annotation: AnnotationReport?
    /// The store's totals after the run (all runs so far, not only this one).
    public var totals: StoreSummary
    /// Wall time from the start of the stages to their end, seconds.
    public var wallSeconds: Double
    /// The HTML report written, when ``ExperimentRunOptions/writesReport`` and writing it worked.
    public var reportPath: String?
    /// Why the report could not be written (the run's result stands).
    public var reportProblem: String?
    /// For a replayed run: the calls answered from the replayed store and those sent live.
    public var replay: ReplaySummary?

    /// Creates a result.
    public init(
        storePath: String, discussions: RunReport?, annotation: AnnotationReport?, totals: StoreSummary, wallSeconds: Double,
        reportPath: String? = nil, reportProblem: String? = nil, replay: ReplaySummary? = nil
    ) {
        self.replay = replay
        self.storePath = storePath
        self.discussions = discussions
        self.annotation = annotation
        self.totals = totals
        self.wallSeconds = wallSeconds
        self.reportPath = reportPath
        self.reportProblem = reportProblem
    }

    /// Discussions that failed in this run.
    public var failedDiscussions: Int { discussions?.failed ?? 0 }

    /// Whether every discussion of the run ended done (annotation parse failures do not count: they are data).
    public var allDone: Bool { failedDiscussions == 0 }

    /// Whether running the same command again may finish failed discussions: some failed on errors that may pass
    /// (connection, timeout, 429, 5xx). Failures the server rejected as such repeat until the experiment or server
    /// changes.
    public var rerunCanHelp: Bool { (discussions?.transientFailures ?? 0) > 0 }

    /// The failed discussions' error kinds, sorted by kind: whether re-running repeats the failure, how many, and
    /// the first stored message.
    public var failures: [RunFailureKind] {
        (discussions?.failureKinds ?? [:]).sorted { $0.key < $1.key }.map {
            RunFailureKind(kind: $0.key, deterministic: RunReport.deterministic($0.key), count: $0.value.count, example: $0.value.example)
        }
    }

    /// ``SDFExitCode/allDone``, or ``SDFExitCode/someFailed`` when a discussion failed.
    public var exitCode: SDFExitCode { allDone ? .allDone : .someFailed }
}

/// Failed discussions of one error kind in a ``RunResult``.
public struct RunFailureKind: Sendable, Hashable {
    /// The error kind (an ``LLMError/Kind`` raw value such as `server`, `timeout`, `badRequest`).
    public var kind: String
    /// Whether the same request fails the same way on every retry (the server rejected it).
    public var deterministic: Bool
    /// How many discussions.
    public var count: Int
    /// The first stored message (`kind: message`).
    public var example: String

    /// Creates a failure group.
    public init(kind: String, deterministic: Bool, count: Int, example: String) {
        self.kind = kind
        self.deterministic = deterministic
        self.count = count
        self.example = example
    }
}

/// A run that could not be done or did not finish: the message to print and the exit code to end with.
///
/// The message is the text people see, unchanged from the layer's error: `error: MESSAGE` for store, engine and
/// endpoint problems, the experiment file's diagnostics as they are, and for a stop (Ctrl-C) where the finished
/// work is and how to resume.
public struct ExperimentRunError: Error, Sendable, CustomStringConvertible {
    /// The exit code: the underlying error's ``SDFError/exitCode`` (``SDFExitCode/init(for:)``).
    public var exitCode: SDFExitCode
    /// What to print, one or more lines.
    public var message: String
    /// The error that stopped the run.
    public var underlying: any Error

    /// Creates an error with its own message and code.
    public init(_ exitCode: SDFExitCode, _ message: String, underlying: (any Error)? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.underlying = underlying ?? Plain(message: message)
    }

    /// Wraps an error that stopped a run on `storePath`: its message as people see it and its exit code.
    public init(wrapping error: any Error, storePath: String) {
        if let error = error as? ExperimentRunError {
            self = error
            return
        }
        let message: String
        switch error {
        case let error as ExperimentFileError:
            message = error.description
        case let error as LLMError where error.kind == .authentication:
            message =
                "error: \(error.message)\n"
                + "stopped at the first refused call: every other call would be refused too. Finished work is in \(storePath); "
                + "fix the key, permission or quota, then run the same command again to continue."
        case let error as LLMError:
            message = "error: \(error.message)"
        case let error as StoreError:
            message = "error: \(error.message)"
        case is CancellationError:
            message = "stopped. Finished work is in \(storePath); run the same command again to resume."
        default:
            message = "error: \(error)"
        }
        self.init(SDFExitCode(for: error), message, underlying: error)
    }

    /// The message.
    public var description: String { message }

    struct Plain: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension ExperimentRunError: SDFError {}

/// Runs (or resumes) an experiment file into a store — what `sdf run` and `sdf annotate` do, without printing.
public enum ExperimentRun {
    /// Loads and checks the experiment file, takes the store's lock, brings up the models, runs the stages, reads
    /// the store's totals and rewrites its report.
    ///
    /// Re-running with the same options resumes: finished discussions and annotation jobs are skipped, partial
    /// discussions continue, failed calls are retried. Cancelling the calling task stops the run cleanly
    /// (``SDFExitCode/interrupted``).
    ///
    /// - Parameters:
    ///   - options: the experiment file, store and stages.
    ///   - logger: for the engine (start-up, requests).
    ///   - events: receives ``ExperimentRunEvent``s, from several tasks at once.
    /// - Returns: what the run did; failed discussions are counted there, not thrown.
    /// - Throws: ``ExperimentRunError`` only, carrying the message and exit code: a bad experiment file
    ///   (``SDFExitCode/badExperiment``, nothing written), an engine, endpoint or refused key
    ///   (``SDFExitCode/engineProblem``), a store problem or a store in use (``SDFExitCode/storeProblem``), a stop
    ///   (``SDFExitCode/interrupted``); for a replay (``ExperimentRunOptions/replay``), a request with no recorded call
    ///   (``ReplayError``, ``SDFExitCode/storeProblem``) or `--replay-from` naming the store written
    ///   (``SDFExitCode/badFlags``).
    ///
    /// With ``ExperimentRunOptions/replay`` every model is bound to a ``ReplayChatModel`` over the replayed store's
    /// calls: under ``ReplaySource/MissPolicy/error`` no server is started or contacted and the engine preflight is
    /// skipped; under ``ReplaySource/MissPolicy/live`` the servers are brought up as usual and receive only the
    /// requests with no record. ``RunResult/replay`` counts both.
    public static func run(
        _ options: ExperimentRunOptions, logger: Logger = Logger(label: "sdf"),
        events: @escaping @Sendable (ExperimentRunEvent) -> Void = { _ in }
    ) async throws -> RunResult {
        do {
            return try await perform(options, logger: logger, events: events)
        } catch {
            throw ExperimentRunError(wrapping: error, storePath: options.storePath)
        }
    }

    static func perform(
        _ options: ExperimentRunOptions, logger: Logger, events: @escaping @Sendable (ExperimentRunEvent) -> Void
    ) async throws -> RunResult {
        let experimentFile = options.experimentFile
        let discussions = options.stages == .discussionsAndAnnotation
        let loaded = try ExperimentLoader.load(path: experimentFile)
        if !discussions && loaded.annotation == nil {
            throw ExperimentRunError(.badExperiment, "error: \(experimentFile) has no 'annotation' section: nothing to annotate")
        }
        let storePath = options.storePath
        if !discussions && !FileManager.default.fileExists(atPath: storePath) {
            throw ExperimentRunError(
                .storeProblem, "error: no store at \(storePath); run the discussions first (sdf run \(experimentFile))")
        }
        let specText = (try? String(contentsOfFile: experimentFile, encoding: .utf8)) ?? ""
        let branchSource: Store?
        if let branchFrom = options.branchFrom {
            guard loaded.spec.branching != nil else {
                throw ExperimentRunError(.badFlags, "error: --branch-from needs a 'branching' section in \(experimentFile)")
            }
            guard URL(fileURLWithPath: branchFrom).standardizedFileURL != URL(fileURLWithPath: storePath).standardizedFileURL else {
                throw ExperimentRunError(.badFlags, "error: --branch-from \(branchFrom) is the store being written; name another store")
            }
            branchSource = try Store.openExisting(path: branchFrom)
        } else {
            branchSource = nil
        }
        let replayIndex: ReplayIndex?
        if let replay = options.replay {
            replayIndex = try await Self.replayIndex(replay, experiment: loaded, storePath: storePath)
        } else {
            replayIndex = nil
        }
        // A replay that never goes live starts no server and needs no engine.
        if options.replay?.miss != .error { try ModelSession.preflight(loaded, experimentFile: experimentFile) }
        let tally = ReplayTally()
        let replaySetup = replayIndex.map { ($0, options.replay?.miss ?? .error) }
        let design = Design(experiment: loaded)
        if discussions {
            events(
                .planned(
                    RunPlan(
                        experiment: loaded.name, conditions: design.conditions.count, replicates: loaded.spec.replicates,
                        discussions: design.cells.count, storePath: storePath, shard: options.shard)))
        }
        let progress: @Sendable (RunEvent) -> Void = { events(.progress($0)) }
        let started = Date()
        // One writer per store: a second `sdf run`/`sdf annotate` on it is refused (exit 4) before any work.
        let (report, annotationReport) = try await StoreLock.withLock(store: storePath, command: options.command) {
            try await withModels(
                loaded, experimentFile: experimentFile, replay: replaySetup, tally: tally,
                logger: logger, notice: { events(.notice($0)) }
            ) {
                (bindings, fingerprints) -> (RunReport?, AnnotationReport?) in
                let opened = try Store.open(path: storePath)
                let annotator = loaded.annotation.flatMap { setup in
                    bindings[setup.model.name].map {
                        AnnotationRunner(setup: setup, store: opened, binding: $0, templates: loaded.templates, events: progress)
                    }
                }
                var runner = ExperimentRunner(
                    experiment: loaded, store: opened, models: bindings, concurrency: options.concurrency, specText: specText,
                    events: progress)
                runner.shard = options.shard
                runner.branchSource = branchSource
                switch (discussions, annotator) {
                case (true, let annotator?):
                    // Each discussion is annotated as soon as it is done, in the slots the discussions leave idle.
                    let (r, a) = try await runner.run(modelFingerprints: fingerprints, annotating: annotator)
                    return (r, a)
                case (true, nil):
                    return (try await runner.run(modelFingerprints: fingerprints), nil)
                case (false, let annotator?):
                    return (nil, try await annotator.run())
                case (false, nil):
                    return (nil, nil)
                }
            }
        }
        let totals = try await Store.openExisting(path: storePath).summary()
        var result = RunResult(
            storePath: storePath, discussions: report, annotation: annotationReport, totals: totals,
            wallSeconds: Date().timeIntervalSince(started))
        if let replayIndex {
            result.replay = ReplaySummary(source: replayIndex.path, storeId: replayIndex.storeId, replayed: tally.replayed, live: tally.live)
        }
        if options.writesReport {
            do {
                let reportPath = ReportBuilder.defaultPath(storePath: storePath)
                try await ReportBuilder.write(store: try Store.openExisting(path: storePath), to: reportPath)
                result.reportPath = reportPath
            } catch {
                result.reportProblem = "\(error)"
            }
        }
        return result
    }
}
