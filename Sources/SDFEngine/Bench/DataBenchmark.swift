import Foundation
import GRDB
import SDFCore
import SDFLLM
import SDFStore

/// The data-path benchmark of `sdf bench data`: a synthetic store of a real study's shape, then every command
/// that reads it, timed side by side with a plain SQLite baseline for the same rows.
///
/// Generation runs a real experiment (discussions, then the annotation panel) against in-process zero-latency
/// models, so the store is exactly what `sdf run` writes. Each step prints rows, wall time, rows/s and its peak
/// resident set size; the peak is reset before each step (`/proc/self/clear_refs`, Linux ≥ 4.0), so it is the
/// step's own. Baselines: the same turn and annotation rows `INSERT`ed in one transaction through GRDB into an
/// empty table of the same schema, a `SELECT *` streaming them through a cursor, and the same rows turned into
/// CSV-like text by SQLite (`quote()` per column) and written to a file — the least work an export can do, the
/// baseline the exports are compared with. No test asserts on these figures.
public enum DataBenchmark {
    /// The size of the synthetic study.
    public struct Shape: Sendable, Hashable {
        /// Discussions (strategies × replicates: two strategies, `none` and `minimal`).
        public var discussions: Int
        /// User turns per discussion (a moderator speaks after every user comment under `minimal`).
        public var turns: Int
        /// Annotators on the panel.
        public var annotators: Int
        /// Creates a shape; `discussions` is rounded up to an even number.
        public init(discussions: Int = 2_000, turns: Int = 30, annotators: Int = 5) {
            self.discussions = max(2, discussions + discussions % 2)
            self.turns = max(1, turns)
            self.annotators = max(1, annotators)
        }
    }

    /// One timed step.
    public struct Step: Sendable, Hashable, CustomStringConvertible {
        /// What was timed.
        public var name: String
        /// Rows read or written.
        public var rows: Int
        /// Wall time, seconds.
        public var seconds: Double
        /// Peak resident set size during the step, MiB (0 where unavailable).
        public var peakRSSMiB: Double
        /// For a step with a baseline: its time as a multiple of the baseline's.
        public var ratio: Double?
        /// What `rows` counts: `rows`, or `bytes` for a web page.
        public var unit = "rows"

        /// Rows per second.
        public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

        /// One aligned line: name, rows (or bytes), wall, rows/s, peak RSS, ratio to the baseline.
        public var description: String {
            let label = name.count < 44 ? name + String(repeating: " ", count: 44 - name.count) : name
            let base = label + String(format: " %9d ", rows) + unit + String(format: " %9.3f s %10.0f ", seconds, rowsPerSecond) + unit
                + String(format: "/s  peak RSS %7.1f MiB", peakRSSMiB)
            return base + (ratio.map { String(format: "  %.2f× baseline", $0) } ?? "")
        }
    }

    /// A command to time over the generated store: its name, and a body returning the rows it handled.
    public struct Command: Sendable {
        /// Shown in the step's line.
        public var name: String
        /// Runs the command on the store (its path given), returning the rows it handled, or `nil` for the store's
        /// turn and annotation rows (counted once, outside the timings).
        public var body: @Sendable (Store, String) async throws -> Int?
        /// Name of an earlier step (a baseline) to print this step's time against.
        public var baseline: String?

        /// Creates a command.
        public init(name: String, baseline: String? = nil, body: @escaping @Sendable (Store, String) async throws -> Int?) {
            self.name = name
            self.body = body
            self.baseline = baseline
        }
    }

    /// An annotator model that answers at once with a valid rating of both default dimensions, varying by request.
    struct ZeroLatencyAnnotator: ChatModel {
        let endpoint = "zero-latency"
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            let h = request.messages.last.map { $0.content.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF } } ?? 0
            return ChatResponse(
                text: "{\"toxicity\": \(1 + h % 5), \"argument_quality\": \(1 + (h / 5) % 5)}", finishReason: "stop", model: "zero",
                usage: TokenUsage(promptTokens: 120, completionTokens: 12, cachedTokens: 100), latencyMs: 0)
        }
    }

    /// A discussion model that answers at once with a comment of 30 to 89 words drawn from a fixed vocabulary,
    /// varying by request (an FNV-1a hash of the messages seeds a SplitMix64 generator), so that the store's
    /// texts have a real study's length and variety (exports, search). About one comment in 500 contains the
    /// rare word ``DataBenchmark/rareWord``, for a selective full-text search.
    struct VaryingTextModel: ChatModel {
        let endpoint = "zero-latency"
        static let vocabulary: [String] = {
            let common = [
                "the", "a", "and", "of", "to", "is", "that", "it", "not", "we", "they", "you", "people", "policy",
                "city", "cars", "school", "tax", "rent", "work", "think", "because", "but", "should", "would",
                "really", "never", "always", "evidence", "study", "argument", "point", "agree", "disagree", "fair",
            ]
            let syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "pi", "nu", "gal", "tre"]
            var rare: [String] = []
            for a in syllables { for b in syllables where a != b { rare.append(a + b) } }
            return common + rare
        }()

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for message in request.messages { for byte in message.content.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
            var state = hash
            func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            let count = 30 + Int(next() % 60)
            var words = (0..<count).map { _ in Self.vocabulary[Int(next() % UInt64(Self.vocabulary.count))] }
            if next() % 500 == 0 { words[count / 2] = DataBenchmark.rareWord }
            return ChatResponse(
                text: words.joined(separator: " ").prefix(1).uppercased() + words.joined(separator: " ").dropFirst() + ".",
                finishReason: "stop", model: "zero",
                usage: TokenUsage(promptTokens: 400, completionTokens: count + count / 3, cachedTokens: 300), latencyMs: 0)
        }
    }

    /// A word in about one generated comment in 500 (the viewer's selective search).
    public static let rareWord = "zephyrine"

    /// The experiment file of the synthetic study.
    static func yaml(_ shape: Shape) -> String {
        let personas = (0..<8).map { "{username: user\($0), age: \(20 + 5 * $0), occupation: job \($0)}" }.joined(separator: ", ")
        let annotators = (0..<shape.annotators).map { "{username: annotator\($0), age: \(30 + $0)}" }.joined(separator: ", ")
        return """
            version: 1
            name: data-bench
            seed: 1
            replicates: \(shape.discussions / 2)
            personas: [\(personas)]
            seedComments: ["A seed comment about cities and cars.", "A seed comment about homework."]
            discussion: {users: 4, turns: \(shape.turns), historyLength: 5}
            strategies: [none, minimal]
            models: [{name: zero, endpoint: "http://zero/v1", maxTokens: 160}]
            annotation:
              annotators: [\(annotators)]
              historyLength: 3
              model: {name: annotator, endpoint: "http://zero/v1", maxTokens: 20}
            """
    }

    /// Generates the store at `path` (which must not exist), then times the baselines, the legacy import and
    /// `commands` on it.
    ///
    /// - Parameters:
    ///   - reuse: `path` is a store an earlier run generated (kept with `--store`): skip the generation (`shape` is
    ///     then not used).
    ///   - timeImport: write the store as legacy files and time their import (the slowest step at study size).
    ///   - progress: called with each step as it finishes (the generation steps first).
    /// - Returns: every step, in order.
    /// - Throws: `StoreError` (also when `reuse` is set and the store holds no `data-bench` run) or whatever a
    ///   command throws.
    public static func run(
        shape: Shape, path: String, commands: [Command], reuse: Bool = false, timeImport: Bool = true,
        progress: @Sendable (Step) -> Void = { _ in }
    ) async throws -> [Step] {
        var steps: [Step] = []
        func record(_ step: Step, baseline: String? = nil) {
            var s = step
            if let baseline = baseline ?? commands.first(where: { $0.name == step.name })?.baseline,
                let base = steps.first(where: { $0.name == baseline }), base.seconds > 0
            {
                s.ratio = step.seconds / base.seconds
            }
            steps.append(s)
            progress(s)
        }
        let text = yaml(shape)
        let experiment = try ExperimentLoader.load(yaml: text, file: "data-bench.yaml", baseDirectory: "/tmp")
        let store = try Store.open(path: path)
        let models = Dictionary(uniqueKeysWithValues: experiment.spec.models.map {
            ($0.name, ModelBinding(name: $0.name, client: VaryingTextModel(), requestModel: "zero", settings: $0))
        })
        func generate() async throws {
        record(try await measure("generate discussions") {
            let runner = ExperimentRunner(experiment: experiment, store: store, models: models, concurrency: 64, specText: text)
            _ = try await runner.run()
            return try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turn") ?? 0 }
        })
        if let setup = experiment.annotation {
            record(try await measure("generate annotations") {
                let binding = ModelBinding(name: setup.model.name, client: ZeroLatencyAnnotator(), requestModel: "zero", settings: setup.model)
                var panel = setup
                panel.concurrency = 64
                _ = try await AnnotationRunner(setup: panel, store: store, binding: binding, templates: experiment.templates).run()
                return try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotation") ?? 0 }
            })
        }
        }
        if reuse {
            guard try await store.runs().contains(where: { $0.experiment == "data-bench" }) else {
                throw StoreError("\(path): not a store written by sdf bench data (no run of the experiment data-bench)")
            }
        } else {
            try await generate()
        }
        record(try await measure(insertBaseline) { try await baselineInsert(from: store, path: path + ".baseline") })
        record(try await measure("baseline: SELECT rows (cursor)") { try await baselineSelect(store) })
        record(try await measure("baseline: SELECT rows as CSV text → file") { try await baselineTextDump(store, path: path + ".baseline.csv") })
        let legacyFolder = path + ".legacy"
        let legacyStore = path + ".legacy.sqlite"
        defer {
            try? FileManager.default.removeItem(atPath: legacyFolder)
            for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: legacyStore + suffix) }
        }
        if timeImport {
            record(try await measure("setup: write the store as legacy files") {
                try await LegacyFileWriter.write(store: store, to: legacyFolder).files
            })
            record(
                try await measure("import legacy files") {
                    let target = try Store.open(path: legacyStore)
                    let report = try await LegacyImporter(store: target).run(paths: [legacyFolder])
                    return report.stored.turns + report.stored.seedComments + report.stored.annotations
                }, baseline: insertBaseline)
        }
        let callRows = try await store.summary().calls
        for command in commands {
            var step = try await measure(command.name) { try await command.body(store, path) ?? callRows }
            step.name = command.name
            record(step)
        }
        try? FileManager.default.removeItem(atPath: path + ".baseline")
        try? FileManager.default.removeItem(atPath: path + ".baseline.csv")
        return steps
    }

    /// The name of the INSERT baseline's step (the import's time is printed against it).
    public static let insertBaseline = "baseline: INSERT rows (1 transaction)"

    /// Copies every turn and annotation row into an empty database of the same schema in one transaction.
    static func baselineInsert(from store: Store, path: String) async throws -> Int {
        try? FileManager.default.removeItem(atPath: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false  // the parent tables are not copied
        let target = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? target.close() }
        let schema = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('turn', 'annotation')")
        }
        // CHECK constraints and unique indexes stay: the baseline pays what the store pays for each row.
        try await target.write { db in
            for sql in schema { try db.execute(sql: sql) }
        }
        return try await store.writer.read { source in
            var copied = 0
            try target.inTransaction { db in
                for table in ["turn", "annotation"] {
                    let columns = try source.columns(in: table).map(\.name)
                    let insert = try db.makeStatement(
                        sql: "INSERT INTO \(table) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                    let rows = try Row.fetchCursor(source, sql: "SELECT * FROM \(table)")
                    while let row = try rows.next() {
                        try insert.execute(arguments: StatementArguments(row.databaseValues))
                        copied += 1
                    }
                }
                return .commit
            }
            return copied
        }
    }

    /// Streams every turn and annotation row through a cursor, touching each column.
    static func baselineSelect(_ store: Store) async throws -> Int {
        try await store.writer.read { db in
            var n = 0
            for table in ["turn", "annotation"] {
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table)")
                while let row = try rows.next() {
                    n += row.databaseValues.count > 0 ? 1 : 0
                }
            }
            return n
        }
    }

    /// The least an export must do: every turn and annotation row turned into one line of text by SQLite itself
    /// (each column `quote()`d, joined with commas) and written to a file in 1 MiB chunks.
    static func baselineTextDump(_ store: Store, path: String) async throws -> Int {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        return try await store.writer.read { db in
            var n = 0
            var buffer = Data()
            for table in ["turn", "annotation"] {
                let columns = try db.columns(in: table).map { "quote(\"\($0.name)\")" }.joined(separator: " || ',' || ")
                let lines = try String.fetchCursor(db, sql: "SELECT \(columns) FROM \(table)")
                while let line = try lines.next() {
                    buffer.append(contentsOf: line.utf8)
                    buffer.append(0x0A)
                    n += 1
                    if buffer.count >= 1 << 20 {
                        try handle.write(contentsOf: buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            try handle.write(contentsOf: buffer)
            return n
        }
    }

    /// Times `body` with this process's peak RSS reset before it.
    ///
    /// - Parameters:
    ///   - name: the step's name.
    ///   - body: does the work and returns the rows it handled.
    /// - Returns: the step: rows, wall seconds, peak RSS (MiB) during it.
    /// - Throws: whatever `body` throws.
    public static func measure(_ name: String, _ body: () async throws -> Int) async throws -> Step {
        resetPeakRSS()
        let start = ContinuousClock.now
        let rows = try await body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Step(name: name, rows: rows, seconds: seconds, peakRSSMiB: OverheadBenchmark.peakRSS())
    }

    /// Resets this process's VmHWM to its current RSS (Linux: `5` written to `/proc/self/clear_refs`).
    static func resetPeakRSS() {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
    }
}
