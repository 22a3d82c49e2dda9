import ArgumentParser
import Foundation
import SDFCore
import SDFEngine
import SDFStore

/// `sdf run EXPERIMENT.yaml [--store FILE] [--replay-from OLD.sqlite [--replay-miss error|live]]`: runs (or resumes) an
/// experiment into a store; with `--replay-from`, every model call is answered from another store's recorded calls.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment file into a store; re-running the same command resumes it.")

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(help: "The store (SQLite file). Default: the experiment file's name with .sqlite, beside it.")
    var store: String?

    @Option(help: "Discussions in flight at once (overrides the file's 'concurrency').")
    var concurrency: Int?

    @Option(
        name: .customLong("replay-from"),
        help: ArgumentHelp(
            "Answer every model call from the calls recorded in this store (exact replay; no server is started).",
            valueName: "OLD.sqlite"))
    var replayFrom: String?

    @Option(
        name: .customLong("replay-miss"),
        help: "With --replay-from, what a call with no recorded answer does: 'error' stops the run (default), 'live' sends it to the configured server.")
    var replayMiss: ReplaySource.MissPolicy?

    @Option(
        help: ArgumentHelp(
            "Run only shard INDEX of COUNT (0-based: 0/3, 1/3, 2/3), or auto/COUNT to read the index from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm, --array=0-(COUNT-1)). Default store: NAME-shard-INDEX-of-COUNT.sqlite; combine the shard stores with sdf merge.",
            valueName: "INDEX/COUNT"))
    var shard: String?

    @Option(
        name: .customLong("branch-from"),
        help: ArgumentHelp(
            "For a design with 'branching': copy the trunk discussions from this finished store of the same experiment file (with or without 'branching') instead of running them; the branched discussions start from their prefixes.",
            valueName: "STORE"))
    var branchFrom: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let shard {
            do { _ = try ShardSpec.parse(shard) } catch let error as ShardSpecError { throw ValidationError(error.message) }
        }
        if let concurrency, !StudyLimits.concurrency.contains(concurrency) {
            throw ValidationError("--concurrency must be in \(StudyLimits.concurrency.lowerBound)...\(StudyLimits.concurrency.upperBound), got \(concurrency)")
        }
        if replayMiss != nil && replayFrom == nil { throw ValidationError("--replay-miss needs --replay-from") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let replay = replayFrom.map { ReplaySource(store: $0, miss: replayMiss ?? .error) }
        let shardSpec = try shard.map { try ShardSpec.parse($0) }
        try await Self.execute(
            ExperimentRunOptions(
                experimentFile: experiment, store: store, concurrency: concurrency, replay: replay, shard: shardSpec, branchFrom: branchFrom))
    }

    /// Runs ``ExperimentRun/run(_:logger:events:)`` with progress on stderr and Ctrl-C/SIGTERM stopping it, then
    /// prints its summary; shared by `sdf run` and `sdf annotate` (annotation only).
    static func execute(_ options: ExperimentRunOptions) async throws {
        let display = ProgressDisplay()
        let task = Task {
            try await ExperimentRun.run(options) { event in
                switch event {
                case .planned(let plan):
                    printError(
                        "experiment '\(plan.experiment)': \(plan.conditions) conditions × \(plan.replicates) replicates = \(plan.discussions) discussions"
                            + (plan.shard.map { "; shard \($0) of them" } ?? "") + "; store: \(plan.storePath)"
                    )
                case .progress(let event):
                    display.handle(event)
                case .notice(let text):
                    display.note(text)
                }
            }
        }
        let canceller = SignalCanceller { task.cancel() }
        defer { canceller.stop() }
        let result: RunResult
        do {
            result = try await task.value
        } catch {
            display.finish()
            printError((error as? ExperimentRunError)?.message ?? "error: \(error)")
            throw ExitCode(for: error)
        }
        display.finish()
        printSummary(result)
        if result.exitCode != .allDone { throw ExitCode(result.exitCode) }
    }

    /// The run's summary: stage times and counts, the store's totals, the report (stderr), the store's path (stdout),
    /// and what failed and whether re-running can help.
    static func printSummary(_ result: RunResult) {
        let summary = result.totals
        if let report = result.discussions {
            printError(
                String(
                    format: "discussions done in %.1f s: %d finished, %d failed, %d skipped (already done)", report.wallSeconds,
                    report.finished, report.failed, report.skipped))
        }
        printError(
            "store totals: \(summary.discussionsDone)/\(summary.discussions) discussions done, \(summary.count(.comment)) comments, "
                + "\(summary.count(.abstention)) abstentions, \(summary.count(.failed)) failed calls; cleaning flags: "
                + (summary.flags.isEmpty ? "none" : summary.flags.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                + "; \(summary.calls) calls, \(summary.retries) retries; \(summary.tokenSummary)")
        if result.discussions != nil, result.annotation != nil {
            printError(String(format: "discussions and annotation done in %.1f s", result.wallSeconds))
        }
        if let a = result.annotation {
            let counts = a.statusSummary
            printError(
                "annotation: \(a.jobs) jobs (\(a.skipped) already done); parse rate "
                    + (a.parseRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a") + "; by status: \(counts)")
        }
        if let replay = result.replay {
            printError("replay: \(replay.replayed) calls answered from \(replay.source) (store \(replay.storeId)), \(replay.live) sent live")
        }
        if let reportPath = result.reportPath { printError("report: \(reportPath)") }
        if let problem = result.reportProblem { printError("warning: the report could not be written: \(problem)") }
        print(result.storePath)
        guard let report = result.discussions, result.failedDiscussions > 0 else { return }
        func kinds(_ deterministic: Bool) -> String {
            result.failures.filter { $0.deterministic == deterministic }.map { "\($0.kind) \($0.count)" }.joined(separator: ", ")
        }
        if report.deterministicFailures > 0 {
            let examples = result.failures.filter(\.deterministic).map { "  " + $0.example }.joined(separator: "\n")
            printError(
                "\(report.deterministicFailures) discussion(s) failed because the server rejected the request (\(kinds(true))):\n"
                    + examples + "\nRe-running sends the same requests and fails the same way: change the experiment "
                    + "(e.g. maxTokens, historyLength, the model name, the prompts) or the server first.")
        }
        if result.rerunCanHelp {
            printError(
                "\(report.transientFailures) discussion(s) failed on errors that may pass (\(kinds(false))); "
                    + "run the same command again to retry them.")
        }
    }
}

extension ReplaySource.MissPolicy: ExpressibleByArgument {}
