import ArgumentParser
import Foundation
import Logging
import SDFAnalysis
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore

/// `sdf run EXPERIMENT.yaml [--store FILE]`: runs (or resumes) an experiment into a store.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment file into a store; re-running the same command resumes it.")

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(help: "The store (SQLite file). Default: the experiment file's name with .sqlite, beside it.")
    var store: String?

    @Option(help: "Discussions in flight at once (overrides the file's 'concurrency').")
    var concurrency: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let concurrency, !StudyLimits.concurrency.contains(concurrency) {
            throw ValidationError("--concurrency must be in \(StudyLimits.concurrency.lowerBound)...\(StudyLimits.concurrency.upperBound), got \(concurrency)")
        }
    }

    func run() async throws {
        global.bootstrapLogging()
        try await Self.execute(
            experimentFile: experiment, store: store, concurrency: concurrency, discussions: true, annotation: true)
    }

    /// Which stages to run, shared by `sdf run` (both) and `sdf annotate` (annotation only).
    static func execute(
        experimentFile: String, store: String?, concurrency: Int?, discussions: Bool, annotation: Bool
    ) async throws {
        let logger = Logger(label: "sdf")
        let loaded: Experiment
        do {
            loaded = try ExperimentLoader.load(path: experimentFile)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(2)
        }
        if !discussions && loaded.annotation == nil {
            printError("error: \(experimentFile) has no 'annotation' section: nothing to annotate")
            throw ExitCode(2)
        }
        let storePath = store ?? defaultStorePath(for: experimentFile)
        if !discussions && !FileManager.default.fileExists(atPath: storePath) {
            printError("error: no store at \(storePath); run the discussions first (sdf run \(experimentFile))")
            throw ExitCode(4)
        }
        let specText = (try? String(contentsOfFile: experimentFile, encoding: .utf8)) ?? ""
        do {
            try ModelSession.preflight(loaded, experimentFile: experimentFile)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(2)
        } catch let error as LLMError {
            printError("error: \(error.message)")
            throw ExitCode(3)
        }
        let design = Design(experiment: loaded)
        if discussions {
            printError(
                "experiment '\(loaded.name)': \(design.conditions.count) conditions × \(loaded.spec.replicates) replicates = \(design.cells.count) discussions; store: \(storePath)"
            )
        }
        let display = ProgressDisplay()
        let started = Date()
        let task = Task { () throws -> (RunReport?, AnnotationReport?) in
          // One writer per store: a second `sdf run`/`sdf annotate` on it is refused (exit 4) before any work.
          try await StoreLock.withLock(store: storePath, command: discussions ? "sdf run" : "sdf annotate") {
            try await ModelSession.withBindings(loaded, experimentFile: experimentFile, logger: logger) { bindings, fingerprints in
                let opened = try Store.open(path: storePath)
                var report: RunReport?
                var annotationReport: AnnotationReport?
                let annotator = loaded.annotation.flatMap { setup in
                    bindings[setup.model.name].map {
                        AnnotationRunner(
                            setup: setup, store: opened, binding: $0, templates: loaded.templates, events: { display.handle($0) })
                    }
                }
                let runner = ExperimentRunner(
                    experiment: loaded, store: opened, models: bindings, concurrency: concurrency, specText: specText,
                    events: { display.handle($0) })
                switch (discussions, annotation ? annotator : nil) {
                case (true, let annotator?):
                    // Each discussion is annotated as soon as it is done, in the slots the discussions leave idle.
                    let (r, a) = try await runner.run(modelFingerprints: fingerprints, annotating: annotator)
                    (report, annotationReport) = (r, a)
                case (true, nil):
                    report = try await runner.run(modelFingerprints: fingerprints)
                case (false, let annotator?):
                    annotationReport = try await annotator.run()
                case (false, nil):
                    break
                }
                return (report, annotationReport)
            }
          }
        }
        let canceller = SignalCanceller { task.cancel() }
        defer { canceller.stop() }
        let result: (RunReport?, AnnotationReport?)
        do {
            result = try await task.value
        } catch {
            display.finish()
            switch error {
            case let error as LLMError where error.kind == .authentication:
                printError("error: \(error.message)")
                printError(
                    "stopped at the first refused call: every other call would be refused too. Finished work is in \(storePath); "
                        + "fix the key, permission or quota, then run the same command again to continue.")
                throw ExitCode(3)
            case let error as LLMError:
                printError("error: \(error.message)")
                throw ExitCode(3)
            case let error as StoreError:
                printError("error: \(error.message)")
                throw ExitCode(4)
            case is CancellationError:
                printError("stopped. Finished work is in \(storePath); run the same command again to resume.")
                throw ExitCode(130)
            default:
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        display.finish()
        let summary = try await Store.openExisting(path: storePath).summary()
        if let report = result.0 {
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
        if result.0 != nil, result.1 != nil {
            printError(String(format: "discussions and annotation done in %.1f s", Date().timeIntervalSince(started)))
        }
        if let a = result.1 {
            let counts = a.statusSummary
            printError(
                "annotation: \(a.jobs) jobs (\(a.skipped) already done); parse rate "
                    + (a.parseRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a") + "; by status: \(counts)")
        }
        do {
            let reportPath = ReportBuilder.defaultPath(storePath: storePath)
            try await ReportBuilder.write(store: try Store.openExisting(path: storePath), to: reportPath)
            printError("report: \(reportPath)")
        } catch {
            printError("warning: the report could not be written: \(error)")
        }
        print(storePath)
        if let report = result.0, report.failed > 0 {
            func kinds(_ deterministic: Bool) -> String {
                report.failureKinds.filter { RunReport.deterministic($0.key) == deterministic }.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
            }
            if report.deterministicFailures > 0 {
                let examples = report.failureKinds.filter { RunReport.deterministic($0.key) }.sorted { $0.key < $1.key }
                    .map { "  " + $0.value.example }.joined(separator: "\n")
                printError(
                    "\(report.deterministicFailures) discussion(s) failed because the server rejected the request (\(kinds(true))):\n"
                        + examples + "\nRe-running sends the same requests and fails the same way: change the experiment "
                        + "(e.g. maxTokens, historyLength, the model name, the prompts) or the server first.")
            }
            if report.transientFailures > 0 {
                printError(
                    "\(report.transientFailures) discussion(s) failed on errors that may pass (\(kinds(false))); "
                        + "run the same command again to retry them.")
            }
            throw ExitCode(1)
        }
    }

    /// `dir/name.yaml` → `dir/name.sqlite`.
    static func defaultStorePath(for experiment: String) -> String {
        let url = URL(fileURLWithPath: experiment)
        return url.deletingPathExtension().appendingPathExtension("sqlite").path
    }
}
