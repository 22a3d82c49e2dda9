import ArgumentParser
import Foundation
import SDFCore
import SDFEngine
import SDFStore

/// `sdf plan EXPERIMENT.yaml [--from STORE]`: what a run would do, without calling any model.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Conditions, discussions, LLM calls, token estimates and the replicate assignment of an experiment, "
            + "without calling any model; wall time with --from, cost with price: per model.")

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(name: .customLong("from"), help: "A previous store of the experiment: expected calls and wall time at its measured rates.")
    var from: String?

    func run() async throws {
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
            print(try ExperimentPlanner.plan(loaded, measured: measured).text, terminator: "")
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch {
            printError("error: \(error)")
            throw ExitCode(for: error)
        }
    }
}
