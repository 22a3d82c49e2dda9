import ArgumentParser
import Foundation
import Logging
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
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let logger = Logger(label: "sdf")
        let loaded: Experiment
        do {
            loaded = try ExperimentLoader.load(path: experiment)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(2)
        }
        let storePath = store ?? Self.defaultStorePath(for: experiment)
        let specText = (try? String(contentsOfFile: experiment, encoding: .utf8)) ?? ""
        do {
            try ModelSession.preflight(loaded, experimentFile: experiment)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(2)
        } catch let error as LLMError {
            printError("error: \(error.message)")
            throw ExitCode(3)
        }
        let design = Design(experiment: loaded)
        printError(
            "experiment '\(loaded.name)': \(design.conditions.count) conditions × \(loaded.spec.replicates) replicates = \(design.cells.count) discussions; store: \(storePath)"
        )
        let display = ProgressDisplay()
        let storeExisted = FileManager.default.fileExists(atPath: storePath)
        let task = Task { () throws -> RunReport in
            try await ModelSession.withBindings(loaded, experimentFile: experiment, logger: logger) { bindings, fingerprints in
                let opened = try Store.open(path: storePath)
                let runner = ExperimentRunner(
                    experiment: loaded, store: opened, models: bindings, concurrency: concurrency, specText: specText,
                    events: { display.handle($0) })
                return try await runner.run(modelFingerprints: fingerprints)
            }
        }
        let canceller = SignalCanceller { task.cancel() }
        defer { canceller.stop() }
        let report: RunReport
        do {
            report = try await task.value
        } catch {
            display.finish()
            if !storeExisted && !FileManager.default.fileExists(atPath: storePath) {
                // Nothing was written.
            }
            switch error {
            case let error as LLMError:
                printError("error: \(error.message)")
                throw ExitCode(3)
            case let error as StoreError:
                printError("error: \(error.message)")
                throw ExitCode(4)
            case is CancellationError:
                printError("stopped. Finished turns are in \(storePath); run the same command again to resume.")
                throw ExitCode(130)
            default:
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        display.finish()
        let summary = try await Store.openExisting(path: storePath).summary()
        printError(
            String(
                format: "done in %.1f s: %d discussions finished, %d failed, %d skipped (already done)", report.wallSeconds,
                report.finished, report.failed, report.skipped))
        printError(
            "store totals: \(summary.count(.comment)) comments, \(summary.count(.abstention)) abstentions, "
                + "\(summary.count(.failed)) failed calls; cleaning flags: "
                + (summary.flags.isEmpty ? "none" : summary.flags.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                + "; tokens in/out \(summary.promptTokens)/\(summary.completionTokens) (cached \(summary.cachedTokens))")
        print(storePath)
        if report.failed > 0 {
            printError("\(report.failed) discussion(s) failed; run the same command again to retry them.")
            throw ExitCode(1)
        }
    }

    /// `dir/name.yaml` → `dir/name.sqlite`.
    static func defaultStorePath(for experiment: String) -> String {
        let url = URL(fileURLWithPath: experiment)
        return url.deletingPathExtension().appendingPathExtension("sqlite").path
    }
}
