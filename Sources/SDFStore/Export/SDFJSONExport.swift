import Foundation
import SDFCore

/// One discussion in the original SDF JSON layout (`id`, `timestamp`, `users`, `moderator`, `user_prompts`,
/// `moderator_prompt`, `ctx_length`, `logs: [{name, text, model}]`), plus SDF's condition fields and the `sdf`
/// extension.
///
/// Differences from the earlier tools, on purpose: abstentions are not written into `logs` (earlier tools
/// logged silence as the text `""`; they are in the extension's `turns`), `timestamp` is ISO 8601 with seconds,
/// and the seed comments come first with `model` `hardcoded`, named by their authors (`OP`, a non-participant,
/// for discussions SDF ran), as in the 2025 layout.
///
/// The `sdf` key (``SDFJSONExtension``) carries what the original layout cannot: every turn (comments,
/// abstentions, failed calls, with provenance), participants with personas and roles, seed comments with their
/// authors, the annotators and their annotations, the moderator decisions, the prompts of every call, and a
/// branched discussion's link to its trunk. `sdf import` restores a file with this key exactly, so export →
/// import → export gives the same bytes apart from `sdf.exported_at`. Tools of the original layout ignore it.
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
    /// The lossless extension (`sdf`), or `nil` in files written by other tools.
    public var sdf: SDFJSONExtension?

    enum CodingKeys: String, CodingKey {
        case id, timestamp, users, moderator, user_prompts, moderator_prompt, ctx_length, logs, condition, strategy, model
        case replicate, status, sdf
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
        try c.encodeIfPresent(sdf, forKey: .sdf)
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

/// The `sdf` key of an sdf-json file: SDF's records of one discussion, as stored, so that an import restores
/// them exactly.
///
/// Keys (record fields keep SDF's property names; dates are ISO 8601 UTC with milliseconds, the store's
/// precision):
/// - `format`: ``SDFJSONExtension/formatName`` (`sdf-json/2`); readers accept ``SDFJSONExtension/readableFormats`` and refuse others.
/// - `exported_at`: when the file was written (the one value that differs between two exports of a store).
/// - `discussion`: the ``DiscussionRecord`` (condition id and label, strategy, model, replicate, seed, status, times).
/// - `participants`: ``ParticipantRecord``s with persona, role, instructions and system prompt.
/// - `seed_comments`: ``SeedCommentRecord``s with their authors, in thread order.
/// - `turns`: every ``TurnRecord``: comments, abstentions and failed calls, raw text, cleaning, provenance.
/// - `annotators`: the ``AnnotatorRecord``s of the annotators of this discussion, by username.
/// - `annotations`: every ``AnnotationRecord`` of this discussion's comments (raw answers, parse status).
/// - `moderator_decisions`: every ``ModeratorDecisionRecord`` of a conditional moderator schedule, by slot
///   (`sdf-json/2`; empty for fixed schedules).
/// - `prompts`: the ``PromptRecord``s (exact system and user messages) of every call above — turns, decisions,
///   annotations —, by hash (`sdf-json/2`), so that an imported discussion can be shown raw and replayed.
/// - `branch`: for a branched discussion, its trunk, branch turn and the trunk rows its prefix copies
///   (``SDFJSONBranch``, `sdf-json/2`); absent otherwise.
///
/// Version 1 files (without the last three keys) are still read: they import without decisions, prompts and links.
public struct SDFJSONExtension: Codable, Sendable, Hashable {
    /// The version tag written: `sdf-json/2` (version 1 lacked `moderator_decisions`, `prompts` and `branch`).
    public static let formatName = "sdf-json/2"
    /// The version tags read: `sdf-json/1` and `sdf-json/2`.
    public static let readableFormats: Set<String> = ["sdf-json/1", formatName]

    /// ``formatName``.
    public var format: String
    /// Export time, ISO 8601.
    public var exported_at: String
    /// The discussion.
    public var discussion: DiscussionRecord
    /// Its participants, by position.
    public var participants: [ParticipantRecord]
    /// Its seed comments, in order.
    public var seed_comments: [SeedCommentRecord]
    /// Its turns, in order.
    public var turns: [TurnRecord]
    /// The annotators of its comments.
    public var annotators: [AnnotatorRecord]
    /// The annotations of its comments, by comment and annotator.
    public var annotations: [AnnotationRecord]
    /// Its moderator decisions, by slot (empty in version 1 files).
    public var moderator_decisions: [ModeratorDecisionRecord]
    /// The prompts of its turns, decisions and annotations, by hash (empty in version 1 files).
    public var prompts: [PromptRecord]
    /// Where a branched discussion's prefix comes from; `nil` for a discussion that is not branched (and in version 1
    /// files).
    public var branch: SDFJSONBranch?

    /// Creates an extension.
    public init(
        format: String = Self.formatName, exported_at: String, discussion: DiscussionRecord, participants: [ParticipantRecord],
        seed_comments: [SeedCommentRecord], turns: [TurnRecord], annotators: [AnnotatorRecord], annotations: [AnnotationRecord],
        moderator_decisions: [ModeratorDecisionRecord] = [], prompts: [PromptRecord] = [], branch: SDFJSONBranch? = nil
    ) {
        self.format = format
        self.exported_at = exported_at
        self.discussion = discussion
        self.participants = participants
        self.seed_comments = seed_comments
        self.turns = turns
        self.annotators = annotators
        self.annotations = annotations
        self.moderator_decisions = moderator_decisions
        self.prompts = prompts
        self.branch = branch
    }

    /// The hashes of the prompts its calls name: every turn's, moderator decision's and annotation's `promptHash`.
    public var callPromptHashes: Set<String> {
        Set(turns.map(\.call.promptHash) + moderator_decisions.map(\.call.promptHash) + annotations.map(\.call.promptHash))
    }

    enum CodingKeys: String, CodingKey {
        case format, exported_at, discussion, participants, seed_comments, turns, annotators, annotations
        case moderator_decisions, prompts, branch
    }

    /// Decodes a version 1 or 2 extension: the keys version 1 lacks (`moderator_decisions`, `prompts`, `branch`) may
    /// be absent.
    ///
    /// - Throws: `DecodingError` for a missing version 1 key or a value of the wrong shape.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        exported_at = try c.decode(String.self, forKey: .exported_at)
        discussion = try c.decode(DiscussionRecord.self, forKey: .discussion)
        participants = try c.decode([ParticipantRecord].self, forKey: .participants)
        seed_comments = try c.decode([SeedCommentRecord].self, forKey: .seed_comments)
        turns = try c.decode([TurnRecord].self, forKey: .turns)
        annotators = try c.decode([AnnotatorRecord].self, forKey: .annotators)
        annotations = try c.decode([AnnotationRecord].self, forKey: .annotations)
        moderator_decisions = try c.decodeIfPresent([ModeratorDecisionRecord].self, forKey: .moderator_decisions) ?? []
        prompts = try c.decodeIfPresent([PromptRecord].self, forKey: .prompts) ?? []
        branch = try c.decodeIfPresent(SDFJSONBranch.self, forKey: .branch)
    }
}

/// The `sdf.branch` key of an sdf-json file (version 2): where a branched discussion's copied prefix comes from.
///
/// Mirrors ``BranchLink`` and the `branchedFrom` columns of `turn` and `moderator_decision` (migration
/// `v10-branching`); the trunk itself is another discussion (another file), not required by the import.
public struct SDFJSONBranch: Codable, Sendable, Hashable {
    /// The trunk discussion's id.
    public var branched_from_discussion: String
    /// The branch point *K* (1-based user turn; the prefix holds the trunk's first *K* user turns).
    public var branch_turn: Int
    /// Copied turns: this discussion's turn id → the trunk turn id it copies.
    public var turn_origins: [String: String]
    /// Copied moderator decisions: this discussion's decision id → the trunk decision id it copies.
    public var decision_origins: [String: String]

    /// Creates a branch entry.
    public init(branched_from_discussion: String, branch_turn: Int, turn_origins: [String: String], decision_origins: [String: String]) {
        self.branched_from_discussion = branched_from_discussion
        self.branch_turn = branch_turn
        self.turn_origins = turn_origins
        self.decision_origins = decision_origins
    }
}

/// Writes `sdf export --format sdf-json`: one JSON file per discussion, in a folder per condition.
public enum SDFJSONExport {
    /// Formats a date as ISO 8601 UTC with milliseconds (`2025-10-09T08:53:20.125Z`).
    static func millisecondString(_ date: Date) -> String {
        Timestamp.milliseconds(date)
    }

    /// The encoder of sdf-json files: pretty-printed, sorted keys, dates as ``millisecondString(_:)``.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(millisecondString(date))
        }
        return encoder
    }

    /// The decoder of sdf-json files: dates as written by ``encoder()`` (ISO 8601, with or without fraction).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an ISO 8601 date, found '\(text)'")
            }
            // With a fraction: a quarter millisecond above the written millisecond (the store keeps milliseconds, and
            // whether it truncates or rounds, it then keeps exactly the one written).
            guard text.contains(".") else { return date }
            let ms = (date.timeIntervalSince1970 * 1000).rounded()
            return Date(timeIntervalSince1970: (ms + 0.25) / 1000)
        }
        return decoder
    }

    /// Builds the JSON value of one discussion, with the ``SDFJSONExtension``.
    ///
    /// - Parameter exportedAt: the export time written to `sdf.exported_at`.
    public static func discussionJSON(store: Store, discussion d: DiscussionRecord, exportedAt: Date = Date()) async throws
        -> SDFDiscussionJSON
    {
        let participants = try await store.participants(of: d.id)
        let turns = try await store.turns(of: d.id)
        let seeds = try await store.seedComments(of: d)
        let annotations = try await store.annotationsForExport(ofDiscussion: d.id, sampling: true)
        let panel = try await store.annotatorRecords()
        let users = participants.filter { $0.role != .moderator }
        let moderator = participants.first { $0.role == .moderator }
        var logs = seeds.map { SDFDiscussionJSON.Log(name: $0.author, text: $0.text, model: "hardcoded") }
        if seeds.isEmpty { logs = [SDFDiscussionJSON.Log(name: "OP", text: d.seedComment, model: "hardcoded")] }
        for turn in turns where turn.outcome == .comment {
            logs.append(.init(name: turn.speaker, text: turn.text ?? "", model: turn.call.modelId ?? turn.call.modelName))
        }
        let annotators = Set(annotations.map(\.annotator)).sorted().compactMap { panel[$0] }
        var branch: SDFJSONBranch?
        if let link = try await store.branchLink(of: d.id) {
            branch = SDFJSONBranch(
                branched_from_discussion: link.branchedFromDiscussion, branch_turn: link.branchTurn,
                turn_origins: try await store.turnOrigins(of: d.id), decision_origins: try await store.decisionOrigins(of: d.id))
        }
        var sdf = SDFJSONExtension(
            exported_at: millisecondString(exportedAt), discussion: d, participants: participants, seed_comments: seeds,
            turns: turns, annotators: annotators, annotations: annotations,
            moderator_decisions: try await store.moderatorDecisions(of: d.id), branch: branch)
        sdf.prompts = try await store.prompts(hashes: sdf.callPromptHashes)
        return SDFDiscussionJSON(
            id: d.id, timestamp: Timestamp.seconds(d.startedAt), users: users.map(\.username),
            moderator: moderator?.username, user_prompts: users.map(\.systemPrompt), moderator_prompt: moderator?.systemPrompt,
            ctx_length: d.historyLength, logs: logs, condition: d.conditionLabel, strategy: d.strategy, model: d.modelName,
            replicate: d.replicate, status: d.status.rawValue, sdf: sdf)
    }

    /// Writes every discussion to `directory/<condition label>/<discussion id>.json`.
    ///
    /// Each file is written atomically; ids are UUIDs, so files never overwrite each other. Up to one discussion per
    /// processor (at most 4) is read, encoded and written at a time; the files are the same as one at a time.
    /// - Parameters:
    ///   - force: write even where another store's export is (see ``ExportFolder``).
    ///   - exportedAt: the export time written into every file (`sdf.exported_at`).
    ///   - progress: told after each discussion file written (phase `discussion files`).
    /// - Returns: the paths written.
    /// - Throws: ``StoreError`` (also when the folder holds another store's export: nothing written) or a
    ///   file-system error naming the path.
    public static func write(
        store: Store, to directory: String, force: Bool = false, exportedAt: Date = Date(), progress: WorkProgressHandler? = nil
    ) async throws -> [String] {
        let discussions = try await store.discussions()
        let planned = discussions.map { $0.conditionLabel.replacingOccurrences(of: "/", with: "__") + "/" + $0.id + ".json" }
        try await ExportFolder.claim(directory, for: store, files: planned, force: force)
        // Discussions are read, encoded and written in parallel (the store is a pool: reads run side by side), at
        // most one per processor at a time; the paths come back in discussion order.
        let width = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        var paths = [String?](repeating: nil, count: discussions.count)
        var done = 0
        progress?(WorkProgress(phase: "discussion files", done: 0, total: discussions.count, unit: "discussions"))
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            while next < discussions.count || !group.isEmpty {
                while next < discussions.count && next - done < width {
                    let index = next
                    let d = discussions[index]
                    group.addTask {
                        let folder = directory + "/" + d.conditionLabel.replacingOccurrences(of: "/", with: "__")
                        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                        let path = folder + "/" + d.id + ".json"
                        let data = try encoder().encode(try await discussionJSON(store: store, discussion: d, exportedAt: exportedAt))
                        try StoreError.write(data, to: path)
                        return (index, path)
                    }
                    next += 1
                }
                guard let (index, path) = try await group.next() else { break }
                paths[index] = path
                done += 1
                progress?(WorkProgress(phase: "discussion files", done: done, total: discussions.count, unit: "discussions"))
            }
        }
        let written = paths.compactMap { $0 }
        return written
    }
}
