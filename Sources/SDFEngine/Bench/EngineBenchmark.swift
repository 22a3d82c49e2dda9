import Foundation
import Logging
import SDFCore
import SDFLLM
import SDFStore

/// Local-engine benchmark: a real run, the same requests replayed by a plain load generator (the ceiling),
/// and the same run with one request in flight (the sequential baseline), side by side in one invocation.
public enum EngineBenchmark {
    /// Figures of one pass.
    public struct Pass: Sendable, Hashable, CustomStringConvertible {
        /// What was measured.
        public var name: String
        /// Requests (calls) made.
        public var requests: Int
        /// Comments produced (for replays: answers received).
        public var comments: Int
        /// Generated tokens.
        public var completionTokens: Int
        /// Prompt tokens and the cached part.
        public var promptTokens: Int
        /// Prompt tokens served from the server's cache; `nil` when the server reported none (unknown, not 0).
        public var cachedTokens: Int?
        /// Wall time, seconds.
        public var seconds: Double

        /// Comments per second.
        public var commentsPerSecond: Double { Double(comments) / seconds }
        /// Generated tokens per second.
        public var tokensPerSecond: Double { Double(completionTokens) / seconds }
        /// Cached share of prompt tokens, in [0, 1]; `nil` when the server did not report cached tokens.
        public var cachedShare: Double? { cachedTokens.map { promptTokens == 0 ? 0 : Double($0) / Double(promptTokens) } }

        /// `cached prompt share S%`, or `not reported by the server`.
        var cachedText: String { cachedShare.map { String(format: "%.1f%%", $0 * 100) } ?? "not reported by the server" }

        /// One line of figures.
        public var description: String {
            String(
                format: "%-28@ %4d calls %4d comments %6d gen tok in %6.1f s: %5.2f comments/s %6.1f tok/s, cached prompt share ",
                name as NSString, requests, comments, completionTokens, seconds, commentsPerSecond, tokensPerSecond) + cachedText
        }
    }

    /// The sum of the reported values, `nil` when none was reported.
    static func sumReported(_ values: [Int?]) -> Int? {
        let reported = values.compactMap { $0 }
        return reported.isEmpty ? nil : reported.reduce(0, +)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Runs the discussions of `experiment` (annotation left out) with `concurrency` in flight into a temporary store.
    static func runPass(
        name: String, experiment: Experiment, binding: ModelBinding, concurrency: Int, directory: String
    ) async throws -> (Pass, Store) {
        let store = try Store.open(path: directory + "/\(name.replacingOccurrences(of: " ", with: "-")).sqlite")
        let runner = ExperimentRunner(
            experiment: experiment, store: store, models: [binding.name: binding], concurrency: concurrency, specText: "")
        let start = ContinuousClock.now
        _ = try await runner.run()
        let elapsed = seconds(ContinuousClock.now - start)
        let turns = try await store.allTurns()
        let pass = Pass(
            name: name, requests: turns.count, comments: turns.filter { $0.outcome == .comment }.count,
            completionTokens: turns.compactMap(\.call.completionTokens).reduce(0, +),
            promptTokens: turns.compactMap(\.call.promptTokens).reduce(0, +), cachedTokens: Self.sumReported(turns.map(\.call.cachedTokens)),
            seconds: elapsed)
        return (pass, store)
    }

    /// Replays every request a run sent (same prompts and sampling, in order within each discussion) with
    /// `concurrency` discussions in flight: a plain load generator, no SDF logic between calls.
    static func replay(store: Store, binding: ModelBinding, concurrency: Int) async throws -> Pass {
        var perDiscussion: [[ChatRequest]] = []
        for d in try await store.discussions() {
            var requests: [ChatRequest] = []
            for t in try await store.turns(of: d.id) {
                guard let prompt = try await store.prompt(hash: t.call.promptHash) else { continue }
                requests.append(
                    ChatRequest(
                        model: binding.requestModel,
                        messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
                        temperature: t.call.sampling.temperature, topP: t.call.sampling.topP, maxTokens: t.call.sampling.maxTokens,
                        seed: t.call.sampling.seed, stop: t.call.sampling.stop))
            }
            perDiscussion.append(requests)
        }
        let start = ContinuousClock.now
        let responses = try await withThrowingTaskGroup(of: [ChatResponse].self) { group in
            var iterator = perDiscussion.makeIterator()
            for _ in 0..<concurrency {
                guard let requests = iterator.next() else { break }
                group.addTask { try await sequentially(requests, binding.client) }
            }
            var all: [ChatResponse] = []
            while let batch = try await group.next() {
                all += batch
                if let requests = iterator.next() { group.addTask { try await sequentially(requests, binding.client) } }
            }
            return all
        }
        let elapsed = seconds(ContinuousClock.now - start)
        return Pass(
            name: "load generator (ceiling)", requests: responses.count, comments: responses.count,
            completionTokens: responses.compactMap(\.usage.completionTokens).reduce(0, +),
            promptTokens: responses.compactMap(\.usage.promptTokens).reduce(0, +),
            cachedTokens: Self.sumReported(responses.map(\.usage.cachedTokens)), seconds: elapsed)
    }

    static func sequentially(_ requests: [ChatRequest], _ client: any ChatModel) async throws -> [ChatResponse] {
        var out: [ChatResponse] = []
        for r in requests { out.append(try await client.complete(r)) }
        return out
    }

    /// Runs the three passes on the experiment's first model and returns them with the derived ratios as text.
    ///
    /// - Parameters:
    ///   - experiment: the experiment (its discussions only).
    ///   - experimentFile: for resolving model paths.
    ///   - concurrency: discussions in flight for the real run and the load generator (default: the first
    ///     model's `parallel` slots).
    public static func run(experiment: Experiment, experimentFile: String, concurrency: Int?, logger: Logger) async throws -> [String] {
        var trimmed = experiment
        trimmed.annotation = nil
        let model = trimmed.spec.models[0]
        trimmed.spec.models = [model]
        let experiment = trimmed
        let inFlight = concurrency ?? model.parallel
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-engine-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Each pass gets a freshly started server, so no pass profits from another's warm prompt cache.
        func withFreshServer<T: Sendable>(_ body: @Sendable (ModelBinding) async throws -> T) async throws -> T {
            try await ModelSession.withBindings(experiment, experimentFile: experimentFile, logger: logger) { bindings, _ in
                let binding = bindings[model.name]!
                // Warm-up: page the weights in; a 4-token prompt leaves nothing useful in the prompt cache.
                _ = try? await binding.client.complete(
                    ChatRequest(model: binding.requestModel, messages: [.init(role: "user", content: "Hi")], maxTokens: 4))
                return try await body(binding)
            }
        }
        let (run, runStore) = try await withFreshServer { binding in
            try await runPass(
                name: "sdf run (\(inFlight) in flight)", experiment: experiment, binding: binding, concurrency: inFlight,
                directory: dir)
        }
        let ceiling = try await withFreshServer { binding in
            try await replay(store: runStore, binding: binding, concurrency: inFlight)
        }
        let sequential = try await withFreshServer { binding in
            try await runPass(name: "sdf run (1 in flight)", experiment: experiment, binding: binding, concurrency: 1, directory: dir).0
        }
        let reuse = try await prefixReuse(runStore)
        return [
            run.description, ceiling.description, sequential.description,
            String(format: "run / ceiling (generated tok/s): %.2f", run.tokensPerSecond / ceiling.tokensPerSecond),
            String(format: "speed-up over sequential (comments/s): %.2f×", run.commentsPerSecond / sequential.commentsPerSecond),
            "cached prompt-token share of the run: " + run.cachedText,
            String(
                format: "prefix reuse these prompts allow (characters): %.1f%% from the same speaker's previous call, "
                    + "%.1f%% from any earlier call", reuse.ownPrevious * 100, reuse.anyEarlier * 100),
        ]
    }

    /// The share of prompt text a perfect prefix cache could serve: for each call in start order, the longest
    /// common prefix (in characters, over the chat-formatted system and user messages) with an earlier call's
    /// prompt followed by its answer — the same speaker's in the same discussion, or any earlier call at all.
    ///
    /// An upper bound for the server's cached share, to tell a cache that misses reuse from prompts that
    /// offer little. - Returns: both shares in [0, 1].
    public static func prefixReuse(_ store: Store) async throws -> (ownPrevious: Double, anyEarlier: Double) {
        // Each call's prompt, and what a cache holds after it: the prompt followed by the answer.
        var calls: [(discussion: String, speaker: String, started: Date, prompt: [UInt8], cached: [UInt8])] = []
        for turn in try await store.allTurns() {
            guard let prompt = try await store.prompt(hash: turn.call.promptHash) else { continue }
            let text = Array("<system>\(prompt.system)</system><user>\(prompt.user)</user><assistant>".utf8)
            calls.append((turn.discussionId, turn.speaker, turn.startedAt, text, text + Array((turn.rawText ?? "").utf8)))
        }
        calls.sort { $0.started < $1.started }
        func commonPrefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
            var i = 0
            while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
            return i
        }
        var total = 0
        var own = 0
        var any = 0
        for (i, call) in calls.enumerated() {
            total += call.prompt.count
            var bestOwn = 0
            var bestAny = 0
            for earlier in calls[..<i] {
                let n = commonPrefix(call.prompt, earlier.cached)
                bestAny = max(bestAny, n)
                if earlier.discussion == call.discussion && earlier.speaker == call.speaker { bestOwn = max(bestOwn, n) }
            }
            own += bestOwn
            any += bestAny
        }
        return total == 0 ? (0, 0) : (Double(own) / Double(total), Double(any) / Double(total))
    }
}
