import Foundation
import Hummingbird
import HummingbirdTesting
import SDFCore
import SDFServe
import SDFStore
import Testing

/// Page times on a large store (figures printed, nothing asserted about time).
///
/// Run with `SDF_SERVE_BENCH=1 swift test --skip-build --disable-xctest --filter PageTimingTests`;
/// `SDF_SERVE_BENCH_DISCUSSIONS=10000` changes the store size (default 1,000).
@Suite("Viewer page times", .enabled(if: ProcessInfo.processInfo.environment["SDF_SERVE_BENCH"] == "1"))
struct PageTimingTests {
    static let size = ProcessInfo.processInfo.environment["SDF_SERVE_BENCH_DISCUSSIONS"].flatMap { Int($0) } ?? 1000

    /// 10 conditions × size/10 replicates; 3 users + a moderator; 8 user turns with a moderator turn after each
    /// (alternately comment and abstention); two annotators per comment.
    static func build(at path: String, discussions: Int) async throws -> Store {
        let store = try Store.open(path: path)
        let epoch = ServeFixture.epoch
        try await store.saveAnnotators([
            AnnotatorRecord(username: "ann1", persona: Persona(username: "ann1"), systemPrompt: "s", rubric: .default),
            AnnotatorRecord(username: "ann2", persona: Persona(username: "ann2"), systemPrompt: "s", rubric: .default),
        ])
        let words = ["cars", "city", "bus", "bike", "tax", "school", "rent", "park", "noise", "safety", "trains", "climate"]
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default"))
        for n in 0..<discussions {
            let condition = "strategy-\(n % 10)"
            let replicate = n / 10
            let d = "bench-\(n)"
            let record = DiscussionRecord(
                id: d, conditionId: "strategy=\(condition);model=m", conditionLabel: condition, strategy: condition, modelName: "m",
                replicate: replicate, seed: String(n), seedCommentId: "\(d)-seed", seedComment: "Seed \(replicate): should \(words[replicate % 12]) be free?",
                seedCommentIndex: 0, userTurns: 8, historyLength: 5, turnTaking: RecordedTurnTaking(label: "respond(p=0.4)")!, status: n % 97 == 0 ? .failed : .done,
                startedAt: epoch.addingTimeInterval(Double(n)), finishedAt: epoch.addingTimeInterval(Double(n) + 60))
            let users = ["ada", "ben", "cleo"]
            var participants = users.enumerated().map { i, u in
                ParticipantRecord(
                    id: "\(d)-p\(i)", discussionId: d, position: i, username: u, role: i == 1 && n % 3 == 0 ? .troll : .user,
                    persona: Persona(username: u, age: 30 + i, occupation: "job \(i)"), instructions: "", systemPrompt: "s")
            }
            participants.append(
                ParticipantRecord(
                    id: "\(d)-mod", discussionId: d, position: 3, username: "moderator", role: .moderator,
                    persona: Persona(username: "moderator"), instructions: "moderate", systemPrompt: "s"))
            var turns: [TurnRecord] = []
            var index = 0
            for k in 0..<8 {
                index += 1
                let speaker = users[(replicate + k) % 3]
                let text = "Comment \(k) by \(speaker) about \(words[(n + k) % 12]) and \(words[(n * 7 + k) % 12]) in discussion \(n)."
                turns.append(
                    ServeFixture.turn(
                        d, index, speaker, .user, .comment, text: text, flags: (n + k) % 50 == 0 ? [.repetition] : [],
                        decision: TurnDecision(speaker: (replicate + k) % 3, candidates: [0, 1, 2], draw: 0.5, rule: "uniform")))
                index += 1
                turns.append(
                    ServeFixture.turn(d, index, "moderator", .moderator, k % 2 == 0 ? .comment : .abstention, text: "Please keep it civil (\(k)).")
                )
            }
            try await store.replaceDiscussion(record, participants: participants, turns: turns)
            let annotations = turns.filter { $0.outcome == .comment }.flatMap { t in
                ["ann1", "ann2"].map { a in
                    AnnotationRecord(
                        id: "\(t.id)-\(a)", commentId: t.id, discussionId: d, annotator: a,
                        values: ["toxicity": 1 + (t.turnIndex + n) % 5, "argument_quality": 1 + (t.turnIndex * 3 + n) % 5],
                        status: .ok, method: .json, detail: nil, rawText: "{}", structuredOutput: .jsonSchema,
                        call: CallProvenance(modelName: "a", modelId: "a", endpoint: "x", sampling: SamplingParameters(temperature: 0, topP: nil, maxTokens: 8, seed: 0, stop: []), promptHash: "h", templateId: "default", promptTokens: 1, completionTokens: 1, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1),
                        startedAt: epoch, finishedAt: epoch)
                }
            }
            try await store.commitAnnotations(annotations, prompt: prompt)
        }
        return store
    }

    @Test func pageTimes() async throws {
        let folder = try temporaryFolder("sdf-serve-bench")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path
        let clock = ContinuousClock()
        let buildTime = try await clock.measure { _ = try await Self.build(at: path, discussions: Self.size) }
        let viewer = try Viewer(paths: [path])
        let app = Application(router: viewer.makeRouter())
        let pages: [(String, String)] = [
            ("index", "/"),
            ("list, page 1", "/discussions"),
            ("list, page 10", "/discussions?page=10"),
            ("list, sorted by comments", "/discussions?sort=comments&order=desc"),
            ("list, condition + flag filter", "/discussions?condition=strategy-3&flag=repetition"),
            ("list, has failures", "/discussions?failures=1"),
            ("search (first: builds the index)", "/discussions?q=climate+trains"),
            ("search (index built)", "/discussions?q=climate+trains"),
            ("search, rare word", "/discussions?q=%22discussion+517%22"),
            ("discussion page", "/discussions/bench-517"),
            ("live turns JSON", "/discussions/bench-517/turns.json?after=4"),
            ("compare, 10 conditions", "/compare?replicate=7"),
            ("report (first: builds it)", "/stores/bench/report"),
            ("report (cached)", "/stores/bench/report"),
        ]
        var lines = ["viewer page times, \(Self.size) discussions (store built in \(buildTime)); in-process router, debug build unless noted"]
        lines += try await app.test(.router) { client in
            var lines: [String] = []
            for (label, uri) in pages {
                var times: [Duration] = []
                let repeats = label.contains("first") || label.contains("report") ? 1 : 5
                var bytes = 0
                for _ in 0..<repeats {
                    let t = try await clock.measure {
                        try await client.execute(uri: uri, method: .get) { r in
                            #expect(r.status == .ok, "\(uri)")
                            bytes = r.body.readableBytes
                        }
                    }
                    times.append(t)
                }
                times.sort()
                let median = times[times.count / 2]
                let ms = Double(median.components.seconds) * 1000 + Double(median.components.attoseconds) / 1e15
                lines.append("  \(label.padding(toLength: 36, withPad: " ", startingAt: 0)) \(String(Int(ms.rounded()))) ms (median of \(repeats)), \(bytes / 1024) KiB")
            }
            return lines
        }
        print(lines.joined(separator: "\n"))
    }
}
