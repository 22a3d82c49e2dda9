import ArgumentParser
import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore

/// `sdf plan EXPERIMENT.yaml [--from STORE] [--probe [--probe-calls N]]`: what a run would do, without calling any
/// model unless `--probe` asks for a few timed calls.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Conditions, discussions, LLM calls, token estimates and the replicate assignment of an experiment, "
            + "without calling any model; wall time with --from (a previous store) or --probe (a few timed calls to the "
            + "servers), cost with price: per model.")

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(name: .customLong("from"), help: "A previous store of the experiment: expected calls and wall time at its measured rates.")
    var from: String?

    @Flag(help: "Bring the servers up (the local engine too) and time a few real calls per model, for the expected wall time.")
    var probe = false

    @Option(help: "Calls per model with --probe (≥ 1).")
    var probeCalls = 8

    func run() async throws {
        guard probeCalls >= 1 else {
            printError("error: --probe-calls must be at least 1 (got \(probeCalls))")
            throw ExitCode(.badFlags)
        }
        let loaded: Experiment
        do {
            loaded = try ExperimentLoader.load(path: experiment)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(for: error)
        }
        do {
            var measured: ExperimentPlan.Measured?
            if let from { measured = try await ExperimentPlanner.measure(storePath: from) }
            var plan = try ExperimentPlanner.plan(loaded, measured: measured)
            if probe {
                try ModelSession.preflight(loaded, experimentFile: experiment)
                plan.probe = try await ExperimentPlanner.probe(loaded, experimentFile: experiment, callsPerModel: probeCalls)
            }
            print(plan.text, terminator: "")
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch let error as LLMError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch let error as ExperimentFileError {
            printError(error.description)
            throw ExitCode(for: error)
        } catch {
            printError("error: \(error)")
            throw ExitCode(for: error)
        }
    }
}
