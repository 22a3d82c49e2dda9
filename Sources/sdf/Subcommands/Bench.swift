import ArgumentParser
import Foundation
import Logging
import SDFCore
import SDFEngine

/// `sdf bench overhead`: prints framework-overhead figures (no model, no network).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print figures: framework overhead (zero-latency model) and the local engine.",
        subcommands: [Overhead.self, EngineRun.self])

    struct Overhead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turns/s and peak memory with a zero-latency in-process model, at 1 and 1,000 discussions in flight.")

        @Option(help: "Discussions per measurement.") var discussions = 1000
        @Option(help: "User turns per discussion.") var turns = 10

        func run() async throws {
            // Each measurement in a fresh process would isolate peak RSS; here the 1-in-flight run goes first,
            // so the 1,000-in-flight peak includes it (an upper bound).
            let sequential = try await OverheadBenchmark.run(discussions: min(discussions, 100), inFlight: 1, turns: turns)
            print("overhead  " + sequential.description)
            let wide = try await OverheadBenchmark.run(discussions: discussions, inFlight: 1000, turns: turns)
            print("overhead  " + wide.description)
        }
    }
}

extension Bench {
    /// `sdf bench engine EXPERIMENT.yaml`: the real run vs a plain load generator vs one request in flight.
    struct EngineRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "A real run on the experiment's first model, the same requests from a plain load generator (the ceiling), and the run with one request in flight.")

        @Argument(help: "The experiment file (its discussions are run into temporary stores; annotation is left out).")
        var experiment: String

        @Option(help: "Discussions in flight (default: the model's parallel slots).")
        var concurrency: Int?

        func run() async throws {
            let loaded = try ExperimentLoader.load(path: experiment)
            for line in try await EngineBenchmark.run(
                experiment: loaded, experimentFile: experiment, concurrency: concurrency, logger: Logger(label: "sdf.bench"))
            {
                print(line)
            }
        }
    }
}
