import ArgumentParser
import Foundation
import Logging
import SDFCore
import SDFAnalysis
import SDFEngine
import SDFStore

/// `sdf bench overhead`: prints framework-overhead figures (no model, no network).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print figures: framework overhead (zero-latency model) and the local engine.",
        subcommands: [Overhead.self, EngineRun.self, DataRun.self])

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

extension Bench {
    /// `sdf bench data`: a synthetic store of a real study's shape, and every command that reads it, timed.
    struct DataRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Generates a synthetic store (zero-latency models) and times exports, report, status and show on it against a plain SQLite baseline.")

        @Option(help: "Discussions (two strategies × discussions/2 replicates).") var discussions = 2_000
        @Option(help: "User turns per discussion.") var turns = 30
        @Option(help: "Annotators on the panel (each rates every comment on 2 dimensions).") var annotators = 5
        @Option(help: "Where to write the store (default: a temporary folder, removed afterwards).") var store: String?

        func run() async throws {
            let keep = store != nil
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-bench-data-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = store ?? dir + "/bench.sqlite"
            if FileManager.default.fileExists(atPath: path) {
                throw ValidationError("--store \(path) exists; give a new path")
            }
            let baseline = "baseline: SELECT rows as CSV text → file"
            let commands: [DataBenchmark.Command] = [
                .init(name: "export csv", baseline: baseline) { store, _ in
                    _ = try await TidyExport.write(store: store, format: .csv, to: dir + "/csv", force: true)
                    return nil
                },
                .init(name: "export jsonl", baseline: baseline) { store, _ in
                    _ = try await TidyExport.write(store: store, format: .jsonl, to: dir + "/jsonl", force: true)
                    return nil
                },
                .init(name: "export sdf-json", baseline: baseline) { store, _ in
                    _ = try await SDFJSONExport.write(store: store, to: dir + "/sdf-json", force: true)
                    return nil
                },
                .init(name: "report (HTML)") { store, _ in
                    _ = try await ReportBuilder.html(store: store)
                    return nil
                },
                .init(name: "status") { store, path in
                    _ = StatusReport.text(try await StatusReport.status(store: store), storePath: path)
                    return nil
                },
                .init(name: "show (one discussion)") { store, _ in
                    guard let d = try await store.discussions().first else { return 0 }
                    _ = try await ThreadFormatter.thread(store: store, discussion: d)
                    return try await store.turns(of: d.id).count
                },
            ]
            print("sdf bench data: \(discussions) discussions × \(turns) user turns, \(annotators) annotators × 2 dimensions"
                + (keep ? "; store kept at \(path)" : ""))
            _ = try await DataBenchmark.run(
                shape: .init(discussions: discussions, turns: turns, annotators: annotators), path: path, commands: commands
            ) { step in print(step.description) }
        }
    }
}
