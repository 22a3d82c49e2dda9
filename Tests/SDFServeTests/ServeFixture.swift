import Foundation
import SDFCore
import SDFServe
import SDFStore
import Testing

/// Strings that would run script if the viewer forgot to escape them.
enum Payload {
    static let comment = "<script>document.title='pwned-script'</script><img src=x onerror=\"document.title='pwned-img'\">"
    static let username = "<img src=x onerror=\"document.title='pwned-user'\">"
    static let modelId = "<svg onload=\"document.title='pwned-model'\">"
    static let experiment = "<b>exp</b><script>document.title='pwned-exp'</script>"
}

/// A small store written record by record: conditions `none` and `guidelines` × replicates 0 and 1 with the same
/// users and user turn order per replicate, a troll, a moderator that comments and abstains, an abstaining user,
/// a failed call, a cleaning flag, two annotators (one answer unparseable), and XSS payloads in a comment, a
/// username, a model id and the experiment name.
enum ServeFixture {
    static let epoch = Date(timeIntervalSince1970: 1_760_000_000)

    /// User turn order per replicate.
    static let order = [["ada", "ben", Payload.username, "ada"], ["ben", "ada", Payload.username, "ben"]]
    static let seeds = ["Cities should ban cars from the centre.", "Homework should be abolished."]

    static func id(_ condition: String, _ replicate: Int) -> String { "d-\(condition)-\(replicate)" }

    /// The text of user turn `k` (1-based) of a discussion.
    static func text(_ condition: String, _ replicate: Int, _ k: Int, _ speaker: String) -> String {
        if condition == "none" && replicate == 0 && k == 1 { return "I ride my bicycle to work, so I agree.\nSecond line." }
        if condition == "none" && replicate == 0 && k == 2 { return Payload.comment }
        return "Turn \(k) of \(condition) replicate \(replicate) by \(speaker == Payload.username ? "cleo" : speaker)."
    }

    static func turn(
        _ d: String, _ index: Int, _ speaker: String, _ role: Role, _ outcome: TurnOutcome, text: String?, flags: [CommentFlag] = [],
        decision: TurnDecision? = nil, modelId: String = "scripted-model"
    ) -> TurnRecord {
        TurnRecord(
            id: "\(d)-t\(index)", discussionId: d, turnIndex: index, speaker: speaker, role: role, outcome: outcome,
            text: outcome == .comment ? text : nil,
            rawText: outcome == .failed ? nil : (outcome == .comment ? "\(speaker): \(text ?? "")" : "(silent)"),
            cleaning: outcome == .comment ? [CleaningChange(step: "speakerPrefix", removed: "\(speaker): ")] : [],
            flags: flags, decision: decision,
            call: CallProvenance(modelName: "scripted", modelId: outcome == .failed ? nil : modelId, endpoint: "http://127.0.0.1:9/v1", sampling: SamplingParameters(temperature: 0.8, topP: nil, maxTokens: 80, seed: index, stop: ["\nOP:"]), promptHash: "0123456789abcdef\(index)", templateId: "default", promptTokens: outcome == .failed ? nil : 100 + index, completionTokens: outcome == .failed ? nil : 12, cachedTokens: 64, latencyMs: 120, finishReason: outcome == .failed ? nil : "stop", attempts: outcome == .failed ? 4 : 1, error: outcome == .failed ? CallFailure(legacyDescription: "server: HTTP 500 injected") : nil),
            startedAt: epoch.addingTimeInterval(Double(index) * 10),
            finishedAt: epoch.addingTimeInterval(Double(index) * 10 + 3))
    }

    static func participants(_ d: String, moderator: Bool) -> [ParticipantRecord] {
        var list = [
            ParticipantRecord(
                id: "\(d)-p0", discussionId: d, position: 0, username: "ada", role: .user,
                persona: Persona(username: "ada", age: 31, sex: "female", education: "MSc", occupation: "nurse", politicalLeaning: "left", personality: ["calm"]),
                instructions: "Be yourself.", systemPrompt: "system"),
            ParticipantRecord(
                id: "\(d)-p1", discussionId: d, position: 1, username: "ben", role: .troll,
                persona: Persona(username: "ben", age: 45, occupation: "baker <i>& sons</i>"), instructions: "Derail the thread.",
                systemPrompt: "system"),
            ParticipantRecord(
                id: "\(d)-p2", discussionId: d, position: 2, username: Payload.username, role: .user,
                persona: Persona(username: Payload.username, occupation: "<script>alert(1)</script>"), instructions: "", systemPrompt: "system"),
        ]
        if moderator {
            list.append(
                ParticipantRecord(
                    id: "\(d)-mod", discussionId: d, position: 3, username: "moderator", role: .moderator,
                    persona: Persona(username: "moderator"), instructions: "Keep it civil.", systemPrompt: "system"))
        }
        return list
    }

    /// Writes the fixture into a new store at `path`.
    ///
    /// - Parameter running: also add `d-live-0` (condition `live`), still running after two turns.
    @discardableResult
    static func build(at path: String, running: Bool = false) async throws -> Store {
        let store = try Store.open(path: path)
        try await store.beginRun(
            RunManifest(
                id: "run-1", experiment: Payload.experiment, specHash: "spec", designHash: "design", specText: "not yaml",
                toolVersion: "0.1.0", models: ["scripted": Payload.modelId], host: "test-host", startedAt: epoch,
                finishedAt: epoch.addingTimeInterval(600), status: .done))
        let prompt = PromptRecord(RenderedPrompt(system: "s", user: "u", templateId: "default"))
        let names = ["ada", "ben", Payload.username]
        for (c, condition) in ["none", "guidelines"].enumerated() {
            for r in 0..<2 {
                let d = id(condition, r)
                let failedRun = condition == "guidelines" && r == 1
                let record = DiscussionRecord(
                    id: d, conditionId: "strategy=\(condition);model=scripted", conditionLabel: condition, strategy: condition,
                    modelName: "scripted", replicate: r, seed: "\(100 + r)", seedCommentId: "\(d)-seed", seedComment: seeds[r],
                    seedCommentIndex: r, userTurns: 4, historyLength: 3, turnTaking: RecordedTurnTaking(label: "respond(p=0.4)")!,
                    status: failedRun ? .failed : .done, startedAt: epoch.addingTimeInterval(Double(c * 2 + r)),
                    finishedAt: epoch.addingTimeInterval(Double(c * 2 + r) + 600))
                try await store.startDiscussion(record, participants: participants(d, moderator: condition == "guidelines"))
                var index = 0
                for (k, speaker) in order[r].enumerated() {
                    index += 1
                    let role: Role = speaker == "ben" ? .troll : .user
                    let who = names.firstIndex(of: speaker)!
                    let decision = TurnDecision(speaker: who, candidates: [0, 1, 2].filter { $0 != who || k == 0 }, draw: 0.25 + Double(k) / 10, rule: k == 0 ? "first" : "uniformExcludingLast")
                    let outcome: TurnOutcome =
                        failedRun && k == 3 ? .failed : (condition == "none" && r == 1 && k == 1) ? .abstention : .comment
                    let flags: [CommentFlag] = condition == "none" && r == 1 && k == 2 ? [.repetition] : []
                    try await store.commitTurn(
                        turn(d, index, speaker, role, outcome, text: text(condition, r, k + 1, speaker), flags: flags, decision: decision,
                             modelId: k == 0 ? Payload.modelId : "scripted-model"),
                        prompt: prompt)
                    if condition == "guidelines" && outcome == .comment {
                        index += 1
                        let speaks = k % 2 == 0
                        try await store.commitTurn(
                            turn(d, index, "moderator", .moderator, speaks ? .comment : .abstention, text: speaks ? "Please stay on topic (\(k + 1))." : nil),
                            prompt: prompt)
                    }
                }
            }
        }
        if running {
            let d = id("live", 0)
            try await store.startDiscussion(
                DiscussionRecord(
                    id: d, conditionId: "strategy=live;model=scripted", conditionLabel: "live", strategy: "live", modelName: "scripted",
                    replicate: 0, seed: "1", seedCommentId: "\(d)-seed", seedComment: seeds[0], seedCommentIndex: 0, userTurns: 4,
                    historyLength: nil, turnTaking: .policy(.roundRobin(randomStart: false)), status: .running, startedAt: epoch),
                participants: participants(d, moderator: false))
            for k in 1...2 {
                try await store.commitTurn(turn(d, k, names[k - 1], .user, .comment, text: "Live turn \(k)."), prompt: prompt)
            }
        }
        try await store.saveAnnotators([
            AnnotatorRecord(username: "ann1", persona: Persona(username: "ann1", age: 40), systemPrompt: "s", rubric: .default),
            AnnotatorRecord(username: "ann2", persona: Persona(username: "ann2"), systemPrompt: "s", rubric: .default),
        ])
        var n = 0
        for d in try await store.discussions() where d.status != .running {
            var targets = [d.seedCommentId]
            targets += try await store.turns(of: d.id).filter { $0.outcome == .comment }.map(\.id)
            for commentId in targets {
                for annotator in ["ann1", "ann2"] {
                    let ok = !(annotator == "ann2" && n % 5 == 4)
                    let values = ok ? ["toxicity": 1 + (n + (annotator == "ann2" ? 1 : 0)) % 5, "argument_quality": 5 - n % 4] : [:]
                    try await store.commitAnnotation(
                        AnnotationRecord(
                            id: "\(commentId)-\(annotator)", commentId: commentId, discussionId: d.id,
                            annotator: annotator, values: values, status: ok ? .ok : .unparseable,
                            method: ok ? .json : .none, detail: ok ? nil : "no JSON found",
                            rawText: ok ? "{\"toxicity\": \(values["toxicity"]!)}" : "I <b>cannot</b> rate this",
                            structuredOutput: .jsonSchema,
                            call: CallProvenance(modelName: "annotator", modelId: "annotator-model", endpoint: "scripted", sampling: SamplingParameters(temperature: 0.2, topP: nil, maxTokens: 32, seed: 1, stop: []), promptHash: "h", templateId: "default", promptTokens: 1, completionTokens: 1, cachedTokens: 0, latencyMs: 1, finishReason: "stop", attempts: 1),
                            startedAt: epoch, finishedAt: epoch),
                        prompt: prompt)
                }
                n += 1
            }
        }
        return store
    }
}

/// A fresh temporary folder, removed by the caller's `defer`.
func temporaryFolder(_ name: String = "sdf-serve") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Golden files under `Tests/SDFServeTests/Golden/`; `SDF_UPDATE_GOLDEN=1` rewrites them instead of comparing.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SDF_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url, options: .atomic)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("golden file \(name) is missing; run the tests once with SDF_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("actual-" + name)
        try? Data(actual.utf8).write(to: out)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        Issue.record(
            "\(name) differs from its golden file at line \(line + 1) (actual text in \(out.path); SDF_UPDATE_GOLDEN=1 rewrites it)",
            sourceLocation: sourceLocation)
    }
}
