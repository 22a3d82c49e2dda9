import Foundation
import SDFCore

/// A JSON value with a byte-stable text form: object keys sorted, reals always written with a decimal point
/// or exponent (so Python reads them back as `float`), integers without one, non-finite reals as `null`.
public enum ConvoKitJSON: Sendable, Hashable {
    /// A string.
    case string(String)
    /// An integer.
    case int(Int)
    /// A real number.
    case double(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array.
    case array([ConvoKitJSON])
    /// An object (written with sorted keys).
    case object([String: ConvoKitJSON])

    /// The compact JSON text (no spaces, no newline), keys sorted by their UTF-8 bytes.
    public var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .string(let s): Self.writeString(s, into: &out)
        case .int(let i): out += String(i)
        case .double(let d):
            if !d.isFinite {
                out += "null"
            } else {
                let text = "\(d)"
                out += text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
            }
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, into: &out)
                out += ":"
                members[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// ConvoKit's name for the Python type this value loads as (`<class 'str'>`, `<class 'int'>`,
    /// `<class 'float'>`, `<class 'bool'>`, `<class 'list'>`, `<class 'dict'>`); `nil` for `null`, which
    /// ConvoKit leaves out of its index.
    public var pythonType: String? {
        switch self {
        case .string: return "<class 'str'>"
        case .int: return "<class 'int'>"
        case .double: return "<class 'float'>"
        case .bool: return "<class 'bool'>"
        case .null: return nil
        case .array: return "<class 'list'>"
        case .object: return "<class 'dict'>"
        }
    }
}

/// The five files of a ConvoKit corpus directory, as values.
public struct ConvoKitCorpus: Sendable, Hashable {
    /// One utterance object per line of `utterances.jsonl`, in file order.
    public var utterances: [ConvoKitJSON]
    /// `speakers.json`: speaker id → `{"meta": {...}, "vectors": []}`.
    public var speakers: [String: ConvoKitJSON]
    /// `conversations.json`: conversation id → `{"meta": {...}, "vectors": []}`.
    public var conversations: [String: ConvoKitJSON]
    /// `corpus.json`: the corpus metadata object.
    public var corpusMeta: [String: ConvoKitJSON]
    /// `index.json`: ConvoKit's index of metadata types.
    public var index: ConvoKitJSON

    /// The files' contents by name (`utterances.jsonl`, `speakers.json`, `conversations.json`, `corpus.json`,
    /// `index.json`); every file ends in a newline.
    public var files: [(name: String, contents: String)] {
        [
            ("utterances.jsonl", utterances.map { $0.text + "\n" }.joined()),
            ("speakers.json", ConvoKitJSON.object(speakers).text + "\n"),
            ("conversations.json", ConvoKitJSON.object(conversations).text + "\n"),
            ("corpus.json", ConvoKitJSON.object(corpusMeta).text + "\n"),
            ("index.json", index.text + "\n"),
        ]
    }
}

/// Writes a store as a ConvoKit corpus directory (`sdf export --format convokit`), loadable with
/// `convokit.Corpus(filename=DIR)`.
///
/// Layout (ConvoKit's documented data format, <https://convokit.cornell.edu/documentation/data_format.html>):
/// - `utterances.jsonl`: one utterance per line with `id`, `speaker`, `conversation_id`, `reply_to`,
///   `timestamp` (Unix seconds, integer) and `text`, plus `meta`. A discussion's seed comment is its root
///   utterance (speaker `OP`, `reply_to` null) and its id is the conversation id; further seed comments of
///   imported SynDisco 2.x threads follow it, each by its real author; every comment replies to the previous
///   comment of its thread. Abstentions and failed calls are not utterances. Utterance meta:
///   `discussion_id`, `turn_index` (0 for the seed), `role`, `condition`, `strategy`, `model`, `replicate`,
///   `flags`, `cleaning` (cleaner steps other than whitespace), `model_id`, `finish_reason`, `prompt_tokens`,
///   `completion_tokens`, and `annotations` (annotator → dimension → value, status `ok` only).
/// - `speakers.json`: speaker id (the username) → meta with the persona's attributes (`age`, `sex`,
///   `education`, `sexual_orientation`, `ethnicity`, `occupation`, `political_leaning`, `personality`,
///   `extra`), `role` (the role when the speaker had one role in every discussion, else `null`) and `roles`
///   (all roles, sorted).
/// - `conversations.json`: conversation id → meta `discussion_id`, `condition`, `condition_id`, `strategy`,
///   `model`, `replicate`, `seed`, `status`, `seed_comment_index`, `user_turns`, `history_length`,
///   `turn_taking`, `participants`, `moderator`.
/// - A store with branched discussions (`branching:`) adds `branched_from_discussion` and `branch_turn` to every
///   conversation's meta and `branched_from` (the trunk comment a copied prefix comment repeats) to every utterance's
///   (`null` where not branched), as the csv/jsonl exports do.
/// - `corpus.json`: `name`, `source` (`SDF`), `sdf_version`, `spec_hash`, `design_hash`, `conditions`,
///   `annotators`, `rubric` (dimension names).
/// - `index.json`: for each component, each meta key → the Python type names of its non-null values (as
///   ConvoKit's `ConvoKitIndex.to_dict` writes them), plus `"vectors": []` and `"version": 1`.
///
/// Output is byte-stable for a given store.
public enum ConvoKitExport {
    /// The speaker id of seed comments.
    public static let seedSpeaker = "OP"

    /// Builds the corpus from a store.
    ///
    /// - Parameter progress: told after each discussion read (phase `reading discussions`).
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func corpus(store: Store, progress: WorkProgressHandler? = nil) async throws -> ConvoKitCorpus {
        let discussions = try await store.discussions()
        let runs = try await store.runs()
        let annotatorRecords = try await store.annotatorRecords()
        var okAnnotations: [String: [String: ConvoKitJSON]] = [:]
        for a in try await store.annotations() where a.status == .ok {
            okAnnotations[a.commentId, default: [:]][a.annotator] = .object(a.values.mapValues { .int($0) })
        }
        var utterances: [ConvoKitJSON] = []
        var conversations: [String: ConvoKitJSON] = [:]
        var personas: [String: Persona] = [:]
        var roles: [String: Set<String>] = [seedSpeaker: [Role.op.rawValue]]
        let links = try await store.branchLinks()
        let branched = !links.isEmpty
        for d in discussions {
            let origins = branched ? try await store.turnOrigins(of: d.id) : [:]
            let participants = try await store.participants(of: d.id)
            for p in participants {
                personas[p.username] = personas[p.username] ?? p.persona
                roles[p.username, default: []].insert(p.role.rawValue)
            }
            let conversationId = d.seedCommentId
            let common: [String: ConvoKitJSON] = [
                "discussion_id": .string(d.id), "condition": .string(d.conditionLabel), "strategy": .string(d.strategy),
                "model": .string(d.modelName), "replicate": .int(d.replicate),
            ]
            var seedMeta = common
            seedMeta["turn_index"] = .int(0)
            seedMeta["role"] = .string(Role.op.rawValue)
            seedMeta["flags"] = .array([])
            seedMeta["cleaning"] = .array([])
            seedMeta["model_id"] = .null
            seedMeta["finish_reason"] = .null
            seedMeta["prompt_tokens"] = .null
            seedMeta["completion_tokens"] = .null
            if branched { seedMeta["branched_from"] = .null }
            var seeds = try await store.seedComments(of: d)
            if seeds.isEmpty {
                seeds = [SeedCommentRecord(id: d.seedCommentId, discussionId: d.id, position: 0, author: seedSpeaker, text: d.seedComment)]
            }
            var lastSeed: String?
            for seed in seeds {
                seedMeta["annotations"] = .object(okAnnotations[seed.id] ?? [:])
                utterances.append(
                    utterance(
                        id: seed.id, speaker: seed.author, conversation: conversationId, replyTo: lastSeed,
                        timestamp: d.startedAt, text: seed.text, meta: seedMeta))
                roles[seed.author, default: []].insert(Role.op.rawValue)
                lastSeed = seed.id
            }
            var previous = lastSeed ?? d.seedCommentId
            for t in try await store.turns(of: d.id) where t.outcome == .comment {
                var meta = common
                meta["turn_index"] = .int(t.turnIndex)
                meta["role"] = .string(t.role.rawValue)
                meta["flags"] = .array(t.flags.map { .string($0.rawValue) })
                meta["cleaning"] = .array(t.cleaning.filter { $0.step != "whitespace" }.map { .string($0.step) })
                meta["model_id"] = t.call.modelId.map { .string($0) } ?? .null
                meta["finish_reason"] = t.call.finishReason.map { .string($0) } ?? .null
                meta["prompt_tokens"] = t.call.promptTokens.map { .int($0) } ?? .null
                meta["completion_tokens"] = t.call.completionTokens.map { .int($0) } ?? .null
                meta["annotations"] = .object(okAnnotations[t.id] ?? [:])
                if branched { meta["branched_from"] = origins[t.id].map { .string($0) } ?? .null }
                utterances.append(
                    utterance(
                        id: t.id, speaker: t.speaker, conversation: conversationId, replyTo: previous, timestamp: t.finishedAt,
                        text: t.text ?? "", meta: meta))
                previous = t.id
                roles[t.speaker, default: []].insert(t.role.rawValue)
            }
            let moderator = participants.first { $0.role == .moderator }?.username
            var conversationMeta = common
            conversationMeta["condition_id"] = .string(d.conditionId)
            conversationMeta["seed"] = .string(d.seed)
            conversationMeta["status"] = .string(d.status.rawValue)
            conversationMeta["seed_comment_index"] = .int(d.seedCommentIndex)
            conversationMeta["user_turns"] = .int(d.userTurns)
            conversationMeta["history_length"] = d.historyLength.map { .int($0) } ?? .null
            conversationMeta["turn_taking"] = .string(d.turnTaking.description)
            conversationMeta["participants"] = .array(participants.map { .string($0.username) })
            conversationMeta["moderator"] = moderator.map { .string($0) } ?? .null
            if branched {
                conversationMeta["branched_from_discussion"] = links[d.id].map { .string($0.branchedFromDiscussion) } ?? .null
                conversationMeta["branch_turn"] = links[d.id].map { .int($0.branchTurn) } ?? .null
            }
            conversations[conversationId] = .object(["meta": .object(conversationMeta), "vectors": .array([])])
            progress?(WorkProgress(phase: "reading discussions", done: conversations.count, total: discussions.count, unit: "discussions"))
        }
        var speakers: [String: ConvoKitJSON] = [:]
        let speakerIds = Set(utterances.compactMap { u -> String? in
            if case .object(let o) = u, case .string(let s)? = o["speaker"] { return s }
            return nil
        })
        for id in speakerIds {
            let speakerRoles = (roles[id] ?? []).sorted()
            var meta = personaMeta(personas[id])
            meta["role"] = speakerRoles.count == 1 ? .string(speakerRoles[0]) : .null
            meta["roles"] = .array(speakerRoles.map { .string($0) })
            speakers[id] = .object(["meta": .object(meta), "vectors": .array([])])
        }
        let newest = runs.last
        var conditionLabels: [String] = []
        for d in discussions where !conditionLabels.contains(d.conditionLabel) { conditionLabels.append(d.conditionLabel) }
        let rubric = annotatorRecords.keys.sorted().first.map { annotatorRecords[$0]!.rubric.dimensions.map(\.name) } ?? []
        let corpusMeta: [String: ConvoKitJSON] = [
            "name": newest.map { .string($0.experiment) } ?? .null, "source": .string("SDF"),
            "sdf_version": .string(newest?.toolVersion ?? SDFVersion.current),
            "spec_hash": newest.map { .string($0.specHash) } ?? .null,
            "design_hash": newest.map { .string($0.designHash) } ?? .null,
            "conditions": .array(conditionLabels.map { .string($0) }),
            "annotators": .array(annotatorRecords.keys.sorted().map { .string($0) }),
            "rubric": .array(rubric.map { .string($0) }),
        ]
        let index: ConvoKitJSON = .object([
            "utterances-index": typeIndex(utterances.map { meta(of: $0) }),
            "speakers-index": typeIndex(speakers.keys.sorted().map { meta(of: speakers[$0]!) }),
            "conversations-index": typeIndex(conversations.keys.sorted().map { meta(of: conversations[$0]!) }),
            "overall-index": typeIndex([corpusMeta]),
            "vectors": .array([]),
            "version": .int(1),
        ])
        return ConvoKitCorpus(
            utterances: utterances, speakers: speakers, conversations: conversations, corpusMeta: corpusMeta, index: index)
    }

    /// Writes the corpus files into `directory` (created if needed), each atomically.
    ///
    /// - Parameters:
    ///   - force: write even where another store's export is (see ``ExportFolder``).
    ///   - progress: told after each discussion read.
    /// - Returns: the paths written.
    /// - Throws: ``StoreError`` when the store cannot be read, the folder holds another store's export (nothing
    ///   written), or a file cannot be written.
    @discardableResult
    public static func write(store: Store, to directory: String, force: Bool = false, progress: WorkProgressHandler? = nil) async throws -> [String] {
        let corpus = try await corpus(store: store, progress: progress)
        try await ExportFolder.claim(directory, for: store, files: corpus.files.map(\.name), force: force)
        var written: [String] = []
        for file in corpus.files {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(file.name).path
            try StoreError.write(Data(file.contents.utf8), to: path)
            written.append(path)
        }
        return written
    }

    static func utterance(
        id: String, speaker: String, conversation: String, replyTo: String?, timestamp: Date, text: String,
        meta: [String: ConvoKitJSON]
    ) -> ConvoKitJSON {
        .object([
            "id": .string(id), "speaker": .string(speaker), "conversation_id": .string(conversation),
            "reply_to": replyTo.map { .string($0) } ?? .null,
            "timestamp": .int(Int(timestamp.timeIntervalSince1970.rounded(.down))), "text": .string(text),
            "meta": .object(meta), "vectors": .array([]),
        ])
    }

    static func personaMeta(_ persona: Persona?) -> [String: ConvoKitJSON] {
        func opt(_ s: String?) -> ConvoKitJSON { s.map { .string($0) } ?? .null }
        guard let p = persona else {
            return [
                "age": .null, "sex": .null, "education": .null, "sexual_orientation": .null, "ethnicity": .null,
                "occupation": .null, "political_leaning": .null, "personality": .array([]), "extra": .object([:]),
            ]
        }
        return [
            "age": p.age.map { .int($0) } ?? .null, "sex": opt(p.sex), "education": opt(p.education),
            "sexual_orientation": opt(p.sexualOrientation), "ethnicity": opt(p.ethnicity), "occupation": opt(p.occupation),
            "political_leaning": opt(p.politicalLeaning), "personality": .array(p.personality.map { .string($0) }),
            "extra": .object(p.extra.mapValues { .string($0) }),
        ]
    }

    static func meta(of value: ConvoKitJSON) -> [String: ConvoKitJSON] {
        if case .object(let o) = value, case .object(let m)? = o["meta"] { return m }
        return [:]
    }

    /// ConvoKit's type index of a list of meta objects: key → the distinct Python type names of its non-null
    /// values, in order of first appearance; keys whose values are all null map to `[]`.
    static func typeIndex(_ metas: [[String: ConvoKitJSON]]) -> ConvoKitJSON {
        var index: [String: [String]] = [:]
        for meta in metas {
            for key in meta.keys.sorted() {
                var types = index[key] ?? []
                if let type = meta[key]!.pythonType, !types.contains(type) { types.append(type) }
                index[key] = types
            }
        }
        return .object(index.mapValues { .array($0.map { .string($0) }) })
    }
}
