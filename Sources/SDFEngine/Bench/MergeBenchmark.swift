import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// `sdf merge` at scale: synthetic shard stores written by the engine against zero-latency models (discussions and
/// annotations, as a cluster run would leave them), then merged and timed.
public enum MergeBenchmark {
    /// What was generated and how long the merge took.
    public struct Result: Sendable, Hashable, CustomStringConvertible {
        /// Discussions in the merged store.
        public var discussions: Int
        /// Shard stores merged.
        public var shards: Int
        /// Rows written to the merged store, all tables.
        public var rows: Int
        /// Seconds to generate the shard stores.
        public var generateSeconds: Double
        /// Seconds of ``StoreMerge/merge(inputs:output:)``.
        public var mergeSeconds: Double
        /// The merge's per-table counts.
        public var tables: [StoreMerge.TableCount]

        /// One line for people.
        public var description: String {
            String(
                format: "merge of %d shard stores, %d discussions, %d rows: %.2f s (generation %.1f s)", shards, discussions, rows,
                mergeSeconds, generateSeconds)
        }
    }

    /// Generates `shards` shard stores of the ``DataBenchmark`` study with `shape` in `directory`, merges them into
    /// `directory/merged.sqlite` and times the merge.
    ///
    /// - Throws: ``StoreError`` or the engine's errors.
    public static func run(shape: DataBenchmark.Shape, shards: Int, directory: String) async throws -> Result {
        let text = DataBenchmark.yaml(shape)
        let experiment = try ExperimentLoader.load(yaml: text, file: "data-bench.yaml", baseDirectory: "/tmp")
        let models = Dictionary(
            uniqueKeysWithValues: experiment.spec.models.map {
                ($0.name, ModelBinding(name: $0.name, client: ZeroLatencyModel(), requestModel: "zero", settings: $0))
            })
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let clock = ContinuousClock()
        var paths: [String] = []
        let generate = try await clock.measure {
            for index in 0..<shards {
                let path = directory + "/shard-\(index).sqlite"
                let store = try Store.open(path: path)
                var runner = ExperimentRunner(experiment: experiment, store: store, models: models, concurrency: 64, specText: text)
                runner.shard = ShardSpec(index: index, count: shards)
                _ = try await runner.run()
                if let setup = experiment.annotation {
                    let binding = ModelBinding(
                        name: setup.model.name, client: DataBenchmark.ZeroLatencyAnnotator(), requestModel: "zero", settings: setup.model)
                    var panel = setup
                    panel.concurrency = 64
                    _ = try await AnnotationRunner(setup: panel, store: store, binding: binding, templates: experiment.templates).run()
                }
                paths.append(path)
            }
        }
        var report: StoreMerge.Report?
        let merge = try await clock.measure {
            report = try await StoreMerge.merge(inputs: paths, output: directory + "/merged.sqlite")
        }
        let tables = report?.tables ?? []
        return Result(
            discussions: report?.discussions ?? 0, shards: shards, rows: tables.map(\.written).reduce(0, +),
            generateSeconds: seconds(generate), mergeSeconds: seconds(merge), tables: tables)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
