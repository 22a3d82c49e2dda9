import Foundation
import SDFCore
import SDFLLM
import SDFStore

/// A ``ChatModel`` that answers at once with a short fixed comment: measures SDF itself, not a model.
public struct ZeroLatencyModel: ChatModel {
    /// `zero-latency`.
    public let endpoint = "zero-latency"

    /// Creates the model.
    public init() {}

    /// Answers immediately.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        ChatResponse(
            text: "I see it differently, and here is why.", finishReason: "stop", model: "zero",
            usage: TokenUsage(promptTokens: 100, completionTokens: 9, cachedTokens: 80), latencyMs: 0)
    }
}

/// Framework-overhead benchmark: a whole experiment against ``ZeroLatencyModel`` into a real store file, so the
/// figures are SDF's own cost per turn (planning, prompt rendering, cleaning, one SQLite transaction per turn).
public enum OverheadBenchmark {
    /// One measurement.
    public struct Result: Sendable, Hashable, CustomStringConvertible {
        /// Discussions run.
        public var discussions: Int
        /// Discussions in flight at once.
        public var inFlight: Int
        /// Turns committed.
        public var turns: Int
        /// Wall time, seconds.
        public var seconds: Double
        /// Peak resident set size of the process so far (VmHWM), MiB.
        public var peakRSSMiB: Double

        /// Turns per second.
        public var turnsPerSecond: Double { Double(turns) / seconds }

        /// One line of figures.
        public var description: String {
            String(
                format: "%5d discussions, %4d in flight: %6d turns in %6.2f s = %8.0f turns/s; peak RSS %6.1f MiB",
                discussions, inFlight, turns, seconds, turnsPerSecond, peakRSSMiB)
        }
    }

    /// Runs `discussions` discussions (users 3, `turns` user turns each, moderator after every comment) with
    /// `inFlight` at once into a temporary store, and measures.
    public static func run(discussions: Int, inFlight: Int, turns: Int = 10) async throws -> Result {
        let personas = (0..<8).map { Persona(username: "user\($0)", age: 20 + $0) }
        let spec = ExperimentSpec(
            name: "overhead", seed: 1, replicates: discussions, personas: .inline(personas),
            seedComments: .inline(["A seed comment."]), discussion: .init(users: 3, turns: turns, historyLength: 5),
            strategies: [.init(name: "minimal")], models: [.init(name: "zero", endpoint: "http://zero/v1")],
            concurrency: inFlight)
        let experiment = Experiment(
            name: "overhead", spec: spec, personas: personas, seedComments: ["A seed comment."], userInstructions: "Comment.",
            trollInstructions: "", strategies: [Strategy(name: "minimal", instructions: "Moderate.")],
            templates: .builtIn)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store.open(path: dir + "/bench.sqlite")
        let binding = ModelBinding(name: "zero", client: ZeroLatencyModel(), requestModel: "zero", settings: spec.models[0])
        let runner = ExperimentRunner(
            experiment: experiment, store: store, models: ["zero": binding], concurrency: inFlight, specText: "")
        let start = ContinuousClock.now
        _ = try await runner.run()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let turnCount = try await store.allTurns().count
        return Result(discussions: discussions, inFlight: inFlight, turns: turnCount, seconds: seconds, peakRSSMiB: peakRSS())
    }

    /// VmHWM of this process from `/proc/self/status`, MiB (0 where unavailable).
    public static func peakRSS() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
}
