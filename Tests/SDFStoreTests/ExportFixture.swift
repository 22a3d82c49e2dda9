import Foundation
import SDFCore
import SDFStore

/// A small store written record by record, with awkward comment texts, abstentions, a failed call, a troll,
/// a moderator and annotations of every status.
enum ExportFixture {
    static let epoch = Date(timeIntervalSince1970: 1_760_000_000)

    /// Comment texts that stress CSV and JSON quoting.
    static let awkwardTexts = [
        "He said \"no\", then left.",
        "line one\nline two\n\nline four",
        "a, b, c",
        "\"\"",
        "ends with a quote\"",
        "\"starts with a quote",
        "windows\r\nline ending",
        "unicode: café, Ελληνικά, 😀, tab\there",
        "backslash \\ and slash / and {\"json\": true}",
        "  spaced out  ",
        ",leading comma",
    ]

    struct Built {
        var store: Store
        /// Stored comment texts by comment id (seed comments included).
        var texts: [String: String]
        /// Comment ids in thread order per discussion (seed first).
        var threads: [String: [String]]
        var discussions: [DiscussionRecord]
    }

    static func turn(
        _ discussion: String, _ index: Int, _ speaker: String, _ role: Role, _ outcome: TurnOutcome, text: String? = nil,
        flags: [CommentFlag] = []
    ) -> TurnRecord {
        TurnRecord(
            id: "\(discussion)-t\(index)", discussionId: discussion, turnIndex: index, speaker: speaker, role: role,
            outcome: outcome, text: outcome == .comment ? text : nil,
            rawText: outcome == .failed ? nil : (text ?? "(silent)"),
            cleaning: outcome == .comment ? [CleaningChange(step: "whitespace", removed: " "), CleaningChange(step: "speakerPrefix", removed: "\(speaker): ")] : [],
            flags: flags,
            decision: role == .moderator ? nil : TurnDecision(speaker: 0, candidates: [0, 1], draw: 0.3, rule: "uniform"),
            call: CallProvenance(modelName: "scripted", modelId: outcome == .failed ? nil : "scripted-model", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.8, topP: nil, maxTokens: 50, seed: index, stop: ["\nOP:"]), promptHash: "hash-\(index)", templateId: "default", promptTokens: outcome == .failed ? nil : 100 + index, completionTokens: outcome == .failed ? nil : 10, cachedTokens: 0, latencyMs: 12.5, finishReason: outcome == .failed ? nil : "stop", attempts: 1, error: outcome == .failed ? CallFailure(legacyDescription: "server: HTTP 500 injected") : nil),
            startedAt: epoch.addingTimeInterval(Double(index) * 10),
            finishedAt: epoch.addingTimeInterval(Double(index) * 10 + 3))
    }

    static func build() async throws -> Built {
        let store = try Store.inMemory()
        try await store.beginRun(
            RunManifest(
                id: "run-1", experiment: "export-fixture", specHash: "spec-hash", designHash: "design-hash", specText: "spec",
                toolVersion: "0.1.0", models: ["scripted": "scripted-model"], host: "host", startedAt: epoch, status: .done))
        let personas = [
            Persona(username: "ada", age: 31, sex: "female", education: "MSc", occupation: "nurse", politicalLeaning: "left", personality: ["calm", "kind"], extra: ["hobby": "chess"]),
            Persona(username: "ben", age: 45, occupation: "baker"),
            Persona(username: "cleo"),
        ]
        var texts: [String: String] = [:]
        var threads: [String: [String]] = [:]
        var discussions: [DiscussionRecord] = []
        var awkward = awkwardTexts.makeIterator()
        for (c, strategy) in ["none", "guidelines"].enumerated() {
            let id = "d-\(strategy)"
            let d = DiscussionRecord(
                id: id, conditionId: "cond-\(strategy)", conditionLabel: strategy, strategy: strategy, modelName: "scripted", replicate: 0,
                seed: "123", seedCommentId: "seed-\(id)", seedComment: "Seed, with \"quotes\"\nand a newline (\(strategy))", seedCommentIndex: c,
                userTurns: 4, historyLength: c == 0 ? nil : 3, turnTaking: RecordedTurnTaking(label: "respond(p=0.4)")!, status: c == 0 ? .done : .failed,
                startedAt: epoch.addingTimeInterval(Double(c)))
            discussions.append(d)
            var participants = personas.enumerated().map { i, p in
                // ben is a troll in the first discussion and a user in the second.
                ParticipantRecord(
                    id: "\(id)-p\(i)", discussionId: id, position: i, username: p.username,
                    role: (p.username == "ben" && c == 0) ? .troll : .user, persona: p, instructions: "be yourself", systemPrompt: "system")
            }
            if strategy != "none" {
                participants.append(
                    ParticipantRecord(
                        id: "\(id)-mod", discussionId: id, position: 3, username: "moderator", role: .moderator,
                        persona: Persona(username: "moderator"), instructions: "moderate", systemPrompt: "system"))
            }
            try await store.startDiscussion(d, participants: participants)
            texts[d.seedCommentId] = d.seedComment
            threads[id] = [d.seedCommentId]
            let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default"))
            let plan: [(String, Role, TurnOutcome)] =
                strategy == "none"
                ? [("ada", .user, .comment), ("ben", .troll, .comment), ("ada", .user, .abstention), ("cleo", .user, .comment), ("ben", .troll, .comment), ("ada", .user, .comment)]
                : [("cleo", .user, .comment), ("moderator", .moderator, .abstention), ("ben", .user, .comment), ("moderator", .moderator, .comment), ("ada", .user, .comment), ("moderator", .moderator, .comment), ("cleo", .user, .failed)]
            for (i, (speaker, role, outcome)) in plan.enumerated() {
                let text = outcome == .comment ? (awkward.next() ?? "plain comment \(i)") : nil
                let t = turn(id, i + 1, speaker, role, outcome, text: text, flags: i == 1 ? [.repetition, .truncated] : [])
                try await store.commitTurn(t, prompt: prompt)
                if outcome == .comment {
                    texts[t.id] = text!
                    threads[id]!.append(t.id)
                }
            }
        }
        try await store.saveAnnotators([
            AnnotatorRecord(username: "ann1", persona: Persona(username: "ann1"), systemPrompt: "s", rubric: .default),
            AnnotatorRecord(username: "ann2", persona: Persona(username: "ann2"), systemPrompt: "s", rubric: .default),
        ])
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default"))
        for (n, commentId) in texts.keys.sorted().filter({ !$0.hasPrefix("seed") }).enumerated() {
            for annotator in ["ann1", "ann2"] {
                let ok = !(annotator == "ann2" && n % 3 == 0)
                let discussion = commentId.hasPrefix("d-none") ? "d-none" : "d-guidelines"
                try await store.commitAnnotation(
                    AnnotationRecord(
                        id: "\(commentId)-\(annotator)", commentId: commentId, discussionId: discussion,
                        annotator: annotator,
                        values: ok ? ["toxicity": 1 + n % 5, "argument_quality": 5 - n % 5] : [:],
                        status: ok ? .ok : .unparseable, method: ok ? .json : .none, detail: ok ? nil : "no JSON",
                        rawText: ok ? "{...}" : "I cannot", structuredOutput: .jsonSchema,
                        call: CallProvenance(modelName: "annotator", modelId: "a", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.2, topP: nil, maxTokens: 32, seed: 1, stop: []), promptHash: "h", templateId: "default", promptTokens: 1, completionTokens: 1, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1),
                        startedAt: epoch, finishedAt: epoch),
                    prompt: prompt)
            }
        }
        return Built(store: store, texts: texts, threads: threads, discussions: discussions)
    }
}
