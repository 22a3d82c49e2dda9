import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SDFCore
import SDFAnalysis
import SDFEngine
import SDFServe
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
            abstract: "Generates a synthetic store (zero-latency models) and times legacy import, exports, report, status, show and the viewer's pages on it against a plain SQLite baseline.")

        @Option(help: "Discussions (two strategies × discussions/2 replicates).") var discussions = 2_000
        @Option(help: "User turns per discussion.") var turns = 30
        @Option(help: "Annotators on the panel (each rates every comment on 2 dimensions).") var annotators = 5
        @Option(help: "Where to write the store (default: a temporary folder, removed afterwards).") var store: String?
        @Flag(help: "--store is a store an earlier `sdf bench data --store` generated: time the commands on it again, without generating.")
        var reuse = false
        @Flag(name: .customLong("no-import"), help: "Skip writing the store as legacy files and timing their import.") var noImport = false

        func run() async throws {
            let keep = store != nil
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-bench-data-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = store ?? dir + "/bench.sqlite"
            if reuse {
                guard store != nil, FileManager.default.fileExists(atPath: path) else {
                    throw ValidationError("--reuse needs --store with a store an earlier `sdf bench data --store` wrote")
                }
            } else if FileManager.default.fileExists(atPath: path) {
                throw ValidationError("--store \(path) exists; give a new path, or --reuse to time the commands on it again")
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
                .init(name: "report (JSON)") { store, _ in
                    _ = try ReportJSON.text(try await ExperimentAnalysis.build(store: store))
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
            FileHandle.standardOutput.write(Data(((reuse ? "sdf bench data: the store at \(path) (--reuse)" : "sdf bench data: \(discussions) discussions × \(turns) user turns, \(annotators) annotators × 2 dimensions"
                + (keep ? "; store kept at \(path)" : "")) + "\n").utf8))
            _ = try await DataBenchmark.run(
                shape: .init(discussions: discussions, turns: turns, annotators: annotators), path: path, commands: commands,
                reuse: reuse, timeImport: !noImport
            ) { step in
                // Written at once (print is block-buffered when stdout is a file): a long run shows each step as it ends.
                FileHandle.standardOutput.write(Data((step.description + "\n").utf8))
            }
            for step in try await Self.viewerPages(path: path) {
                FileHandle.standardOutput.write(Data((step.description + "\n").utf8))
            }
        }

        /// Times the viewer's pages over the store at `path`: `sdf serve`'s server on a free loopback port, each
        /// page fetched over HTTP (median of 5 fetches; the first search, which builds the full-text index, once).
        /// A step's rows are the page's bytes.
        static func viewerPages(path: String) async throws -> [DataBenchmark.Step] {
            // The first search builds the full-text index beside the store: time that from scratch.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + ".search.sqlite" + suffix) }
            let viewer = try Viewer(paths: [path], configuration: ViewerConfiguration(host: "127.0.0.1", port: 0))
            let (ports, portSink) = AsyncStream<Int>.makeStream()
            var logger = Logger(label: "sdf.bench.serve")
            logger.logLevel = .critical  // stopping the server by cancellation logs errors that are not problems
            let server = Task { try await viewer.run(logger: logger) { port in portSink.yield(port) } }
            defer { server.cancel() }
            var portIterator = ports.makeAsyncIterator()
            guard let port = await portIterator.next() else { return [] }
            let some = try await Store.openReadOnly(path: path).discussions()
            let middle = some.isEmpty ? "none" : some[some.count / 2].id
            let name = viewer.stores.first?.name ?? "bench"
            let pages: [(String, String, Int)] = [
                ("viewer: index", "/", 5),
                ("viewer: list, page 1", "/discussions", 5),
                ("viewer: list, page 50, sorted by comments", "/discussions?page=50&sort=comments&order=desc", 5),
                ("viewer: list, condition + flag filter", "/discussions?condition=minimal&flag=truncated", 5),
                ("viewer: search (first: builds the index)", "/discussions?q=policy+evidence", 1),
                ("viewer: search, common words", "/discussions?q=policy+evidence", 5),
                ("viewer: search, rare word", "/discussions?q=\(DataBenchmark.rareWord)", 5),
                ("viewer: discussion page", "/discussions/\(middle)", 5),
                ("viewer: compare, replicate 1", "/compare?replicate=1", 5),
                ("viewer: report (first: builds it)", "/stores/\(name)/report", 1),
            ]
            var steps: [DataBenchmark.Step] = []
            for (label, uri, repeats) in pages {
                var runs: [DataBenchmark.Step] = []
                for _ in 0..<repeats {
                    runs.append(
                        try await DataBenchmark.measure(label) {
                            let response = try await HTTPClient.shared.execute(
                                HTTPClientRequest(url: "http://127.0.0.1:\(port)\(uri)"), timeout: .seconds(600))
                            let body = try await response.body.collect(upTo: 1 << 30)
                            guard response.status == .ok else {
                                throw ValidationError("viewer page \(uri): HTTP \(response.status.code)")
                            }
                            return body.readableBytes
                        })
                }
                runs.sort { $0.seconds < $1.seconds }
                var median = runs[runs.count / 2]
                median.unit = "bytes"
                steps.append(median)
            }
            return steps
        }
    }
}
