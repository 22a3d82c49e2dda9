import Foundation
import SDFCore

/// One discussion in the original SDF JSON layout (`id`, `timestamp`, `users`, `moderator`, `user_prompts`,
/// `moderator_prompt`, `ctx_length`, `logs: [{name, text, model}]`), plus SDF's condition fields.
///
/// Differences from the earlier tools, on purpose: abstentions are not written into `logs` (earlier tools
/// logged silence as the text `""`), `timestamp` is ISO 8601 with seconds, and the seed comment's `name` is
/// `OP` (a non-participant) with `model` `hardcoded`, as in the 2025 layout.
public struct SDFDiscussionJSON: Codable, Sendable, Hashable {
    /// Discussion id (UUID).
    public var id: String
    /// When the discussion started, ISO 8601.
    public var timestamp: String
    /// User (and troll) usernames.
    public var users: [String]
    /// Moderator username, or `null` for strategy `none`.
    public var moderator: String?
    /// System prompts of the users, in `users` order.
    public var user_prompts: [String]
    /// System prompt of the moderator, or `null`.
    public var moderator_prompt: String?
    /// Context window length (`null` = whole thread).
    public var ctx_length: Int?
    /// Seed comment, then every comment in order.
    public var logs: [Log]
    /// Condition label.
    public var condition: String
    /// Moderation strategy.
    public var strategy: String
    /// Model name.
    public var model: String
    /// Replicate index.
    public var replicate: Int
    /// Discussion status.
    public var status: String

    enum CodingKeys: String, CodingKey {
        case id, timestamp, users, moderator, user_prompts, moderator_prompt, ctx_length, logs, condition, strategy, model
        case replicate, status
    }

    /// Encodes every key, writing `null` for an absent moderator or context length (as the original layout did).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(users, forKey: .users)
        try c.encode(moderator, forKey: .moderator)
        try c.encode(user_prompts, forKey: .user_prompts)
        try c.encode(moderator_prompt, forKey: .moderator_prompt)
        try c.encode(ctx_length, forKey: .ctx_length)
        try c.encode(logs, forKey: .logs)
        try c.encode(condition, forKey: .condition)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(model, forKey: .model)
        try c.encode(replicate, forKey: .replicate)
        try c.encode(status, forKey: .status)
    }

    /// One comment.
    public struct Log: Codable, Sendable, Hashable {
        /// Speaker.
        public var name: String
        /// Clean text.
        public var text: String
        /// Model id as reported (or `hardcoded` for the seed comment).
        public var model: String
    }
}

/// Writes `sdf export --format sdf-json`: one JSON file per discussion, in a folder per condition.
public enum SDFJSONExport {
    /// Builds the JSON value of one discussion.
    public static func discussionJSON(store: Store, discussion d: DiscussionRecord) async throws -> SDFDiscussionJSON {
        let participants = try await store.participants(of: d.id)
        let turns = try await store.turns(of: d.id)
        let users = participants.filter { $0.role != .moderator }
        let moderator = participants.first { $0.role == .moderator }
        var logs = [SDFDiscussionJSON.Log(name: "OP", text: d.seedComment, model: "hardcoded")]
        for turn in turns where turn.outcome == .comment {
            logs.append(.init(name: turn.speaker, text: turn.text ?? "", model: turn.modelId ?? turn.modelName))
        }
        let formatter = ISO8601DateFormatter()
        return SDFDiscussionJSON(
            id: d.id, timestamp: formatter.string(from: d.startedAt), users: users.map(\.username),
            moderator: moderator?.username, user_prompts: users.map(\.systemPrompt), moderator_prompt: moderator?.systemPrompt,
            ctx_length: d.historyLength, logs: logs, condition: d.conditionLabel, strategy: d.strategy, model: d.modelName,
            replicate: d.replicate, status: d.status.rawValue)
    }

    /// Writes every discussion to `directory/<condition label>/<discussion id>.json`.
    ///
    /// Each file is written atomically; ids are UUIDs, so files never overwrite each other.
    /// - Parameter force: write even where another store's export is (see ``ExportFolder``).
    /// - Returns: the paths written.
    /// - Throws: ``StoreError`` (also when the folder holds another store's export: nothing written) or a
    ///   file-system error naming the path.
    public static func write(store: Store, to directory: String, force: Bool = false) async throws -> [String] {
        let planned = try await store.discussions().map { $0.conditionLabel.replacingOccurrences(of: "/", with: "__") + "/" + $0.id + ".json" }
        try await ExportFolder.claim(directory, for: store, files: planned, force: force)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var written: [String] = []
        for d in try await store.discussions() {
            let folder = directory + "/" + d.conditionLabel.replacingOccurrences(of: "/", with: "__")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = folder + "/" + d.id + ".json"
            let data = try encoder.encode(try await discussionJSON(store: store, discussion: d))
            try StoreError.write(data, to: path)
            written.append(path)
        }
        return written
    }
}
