import Foundation
import SDFCore
import SDFStore

/// Writes a store's discussions and annotations as the earlier tools' JSON files, so that `sdf bench data` can
/// time `sdf import` on the same data it generated.
///
/// Layout (the 2025 `logs` layout, as ``LegacyFormats`` reads it): `FOLDER/main/<strategy>/<discussion id>.json`
/// with `id`, `timestamp` (`yy-MM-dd-HH-mm`), `users`, `moderator`, `user_prompts`, `moderator_prompt`,
/// `ctx_length` and `logs` (the seed comment as `hardcoded`, then every turn; an abstention is logged as the old
/// tools logged silence, `""`), and one `FOLDER/annotations/<discussion id>-<annotator>.json` per discussion and
/// annotator (`conv_id`, `annotator_model`, `annotator_prompt` with the annotator's persona, and one
/// `[comment, answer]` pair per log entry in the same order, answers as `Toxicity=N\nArgumentQuality=M` with
/// argument quality written on the old 1 = best scale). Only for benchmarks: the files hold what an import reads,
/// not everything a store holds.
enum LegacyFileWriter {
    /// Files and rows written.
    struct Written: Sendable, Hashable {
        /// Discussion files plus annotation files.
        var files = 0
        /// Log entries of the discussion files (seed comments, comments and silences).
        var logEntries = 0
        /// Annotation answers written for comments (not for seed comments or silences).
        var commentAnnotations = 0
    }

    /// Writes every finished discussion of `store` under `folder` (created).
    ///
    /// - Throws: `StoreError` when the store cannot be read, Foundation's errors when a file cannot be written.
    static func write(store: Store, to folder: String) async throws -> Written {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/annotations", withIntermediateDirectories: true)
        let annotators = try await store.annotatorRecords()
        var scoresByComment: [String: [String: [String: Int]]] = [:]
        for score in try await store.annotationScores() where score.status == .ok {
            scoresByComment[score.commentId, default: [:]][score.annotator] = score.values
        }
        let stamp = DateFormatter()
        stamp.locale = Locale(identifier: "en_US_POSIX")
        stamp.timeZone = TimeZone(identifier: "UTC")
        stamp.dateFormat = "yy-MM-dd-HH-mm"
        var written = Written()
        for discussion in try await store.discussions() where discussion.status == .done {
            let participants = try await store.participants(of: discussion.id)
            let turns = try await store.turns(of: discussion.id)
            let users = participants.filter { $0.role != .moderator }
            let moderator = participants.first { $0.role == .moderator }
            func prompt(_ p: ParticipantRecord) -> String {
                var traits = ["username: \(p.persona.username)"]
                if let age = p.persona.age { traits.append("age: \(age)") }
                if let occupation = p.persona.occupation { traits.append("occupation: \(occupation)") }
                return "You are a human participating in an online chatroom. Your name is \(p.username). "
                    + "Your traits: \(traits.joined(separator: ", ")) Your instructions: \(p.instructions)"
            }
            let model = turns.first { $0.outcome == .comment }?.call.modelName ?? discussion.modelName
            var logs: [[String: String]] = [["name": users.first?.username ?? "op", "text": discussion.seedComment, "model": "hardcoded"]]
            var commentIds: [String?] = [nil]
            for turn in turns where turn.outcome == .comment || turn.outcome == .abstention {
                let text = turn.outcome == .comment ? (turn.text ?? "") : "\"\""
                logs.append(["name": turn.speaker, "text": text, "model": model])
                commentIds.append(turn.outcome == .comment ? turn.id : nil)
            }
            var object: [String: Any] = [
                "id": discussion.id, "timestamp": stamp.string(from: discussion.startedAt),
                "users": users.map(\.username), "user_prompts": users.map(prompt),
                "ctx_length": discussion.historyLength ?? 5, "logs": logs,
            ]
            if let moderator {
                object["moderator"] = moderator.username
                object["moderator_prompt"] = prompt(moderator)
            }
            let strategyFolder = folder + "/main/" + discussion.strategy
            try fm.createDirectory(atPath: strategyFolder, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                .write(to: URL(fileURLWithPath: strategyFolder + "/\(discussion.id).json"))
            written.files += 1
            written.logEntries += logs.count
            for (name, annotator) in annotators.sorted(by: { $0.key < $1.key }) {
                var pairs: [[String]] = []
                for (entry, commentId) in zip(logs, commentIds) {
                    let values = commentId.flatMap { scoresByComment[$0]?[name] }
                    if values != nil { written.commentAnnotations += 1 }
                    let toxicity = values?["toxicity"] ?? 1
                    let quality = values?["argument_quality"] ?? 3
                    pairs.append([entry["text"] ?? "", "Toxicity=\(toxicity)\nArgumentQuality=\(6 - quality)"])
                }
                var traits = ["username: \(annotator.persona.username)"]
                if let age = annotator.persona.age { traits.append("age: \(age)") }
                let file: [String: Any] = [
                    "conv_id": discussion.id, "timestamp": stamp.string(from: discussion.finishedAt ?? discussion.startedAt),
                    "annotator_model": "annotator", "ctx_length": 3, "logs": pairs,
                    "annotator_prompt": "You are a human annotator Your name is \(name). Your traits: \(traits.joined(separator: ", ")) Your instructions: rate toxicity and argument quality.",
                ]
                try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys])
                    .write(to: URL(fileURLWithPath: folder + "/annotations/\(discussion.id)-\(name).json"))
                written.files += 1
            }
        }
        return written
    }
}
