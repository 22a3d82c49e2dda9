import Foundation
import GRDB
import SDFCore

/// What an import did, file by file.
public struct ImportReport: Sendable {
    /// Discussions imported (new or replaced).
    public var discussions = 0
    /// Comments imported.
    public var comments = 0
    /// Silences of the legacy files, stored as abstentions.
    public var abstentions = 0
    /// Annotation files matched to a discussion.
    public var annotationFiles = 0
    /// Annotations stored (one per matched comment × file).
    public var annotations = 0
    /// Per-file problems: (file, message). Files with problems may still have been partly imported, as said.
    public var problems: [(file: String, message: String)] = []

    /// Creates an empty report.
    public init() {}
}

/// Imports discussion and annotation JSON files of the earlier Python tools (SDF / SynDisco) into a store, so
/// existing datasets can be re-annotated and analysed.
///
/// - Discussions: each file becomes a discussion whose condition (strategy) is `condition` if given, else the
///   name of the file's parent folder (earlier tools encoded the strategy only there); model name `imported`.
///   The seed comment is the 2025 layout's `hardcoded` first entry (empty for the 2024 layout, which has none).
///   Texts go through ``OutputCleaner`` like generated ones (raw text and changes kept); the literal `""` that
///   earlier tools logged for silence becomes an abstention, not a comment.
/// - Annotation files: matched to their discussion by `conv_id`, entry *i* to the discussion's *i*-th log entry;
///   an entry whose text does not match is reported and skipped. Answers are parsed with ``AnnotationParser`` on
///   a rubric of the dimensions present (`Toxicity`, `ArgumentQuality`); legacy ArgumentQuality used 1 = best,
///   so it is stored as `argument_quality = 6 − value` (1–5, higher = better) and the record's detail says so.
public struct LegacyImporter: Sendable {
    /// The store written.
    public var store: Store
    /// The condition label for every discussion, or `nil` for the parent folder's name.
    public var condition: String?

    /// Creates an importer.
    public init(store: Store, condition: String? = nil) {
        self.store = store
        self.condition = condition
    }

    /// The JSON files at `paths` (files as given; folders searched recursively), sorted.
    public static func jsonFiles(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                files.append(path)
                continue
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                while let name = enumerator?.nextObject() as? String {
                    if name.hasSuffix(".json") { files.append(path + "/" + name) }
                }
            } else {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// Imports every file: discussions first, then annotation files (so they find their discussions).
    public func run(paths: [String]) async throws -> ImportReport {
        var report = ImportReport()
        var annotationFiles: [(String, LegacyAnnotationFile)] = []
        var replicates: [String: Int] = [:]
        for file in Self.jsonFiles(paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                report.problems.append((file, "cannot read the file"))
                continue
            }
            let discussion: LegacyDiscussion
            do {
                discussion = try LegacyFormats.decodeDiscussion(data)
            } catch let discussionError {
                if let annotations = try? LegacyFormats.decodeAnnotations(data) {
                    annotationFiles.append((file, annotations))
                } else {
                    report.problems.append((file, "neither a discussion nor an annotation file: \(discussionError)"))
                }
                continue
            }
            let label = condition ?? URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent
            let replicate = replicates[label, default: 0]
            replicates[label] = replicate + 1
            let counts = try await importDiscussion(discussion, condition: label, replicate: replicate)
            report.discussions += 1
            report.comments += counts.comments
            report.abstentions += counts.abstentions
        }
        for (file, annotations) in annotationFiles {
            do {
                let (stored, problems) = try await importAnnotations(annotations)
                report.annotationFiles += 1
                report.annotations += stored
                for p in problems { report.problems.append((file, p)) }
            } catch let error as StoreError {
                report.problems.append((file, error.message))
            }
        }
        return report
    }

    static func discussionId(_ legacyId: String) -> String {
        UUID(uuidString: legacyId) != nil ? legacyId.lowercased() : SeedDerivation.uuid(0, "imported-discussion", legacyId)
    }

    func importDiscussion(_ legacy: LegacyDiscussion, condition: String, replicate: Int) async throws -> (comments: Int, abstentions: Int) {
        let id = Self.discussionId(legacy.id)
        let now = Date()
        let seed = legacy.seed
        let record = DiscussionRecord(
            id: id, conditionId: "strategy=\(condition);model=imported", conditionLabel: condition, strategy: condition,
            modelName: "imported", replicate: replicate, seed: "", seedCommentId: SeedDerivation.uuid(0, "imported-seed", id),
            seedComment: seed?.text ?? "", seedCommentIndex: 0, userTurns: legacy.logs.filter { !$0.isSeed && $0.speaker != legacy.moderator }.count,
            historyLength: legacy.contextLength, turnTaking: "imported", status: .done, startedAt: now, finishedAt: now)
        var participants: [ParticipantRecord] = []
        for (i, user) in legacy.users.enumerated() {
            participants.append(
                ParticipantRecord(
                    id: SeedDerivation.uuid(0, "imported-participant", id, user), discussionId: id, position: i, username: user,
                    role: .user, persona: Persona(username: user), instructions: "",
                    systemPrompt: i < legacy.userPrompts.count ? legacy.userPrompts[i] : ""))
        }
        if let moderator = legacy.moderator {
            participants.append(
                ParticipantRecord(
                    id: SeedDerivation.uuid(0, "imported-participant", id, moderator), discussionId: id,
                    position: legacy.users.count, username: moderator, role: .moderator, persona: Persona(username: moderator),
                    instructions: "", systemPrompt: legacy.moderatorPrompt ?? ""))
        }
        let everyone = legacy.users + (legacy.moderator.map { [$0] } ?? [])
        var turns: [TurnRecord] = []
        var earlier: [String] = []
        var turnIndex = 0
        for entry in legacy.logs where !entry.isSeed {
            turnIndex += 1
            let cleaner = OutputCleaner(speaker: entry.speaker, others: everyone.filter { $0 != entry.speaker } + ["OP"])
            let cleaned = cleaner.clean(entry.text, earlier: earlier)
            let isComment = !entry.isSilence && !cleaned.isAbstention
            if isComment, let text = cleaned.text { earlier.append(text) }
            turns.append(
                TurnRecord(
                    id: SeedDerivation.uuid(0, "imported-turn", id, String(turnIndex)), discussionId: id, turnIndex: turnIndex,
                    speaker: entry.speaker, role: entry.speaker == legacy.moderator ? .moderator : .user,
                    outcome: isComment ? .comment : .abstention, text: isComment ? cleaned.text : nil, rawText: entry.text,
                    cleaning: cleaned.changes, flags: isComment ? cleaned.flags : [], decision: nil, modelName: "imported",
                    modelId: entry.model, endpoint: "imported", sampling: SamplingParameters(temperature: 0, topP: nil, maxTokens: 0, seed: 0, stop: []),
                    promptHash: "", templateId: "imported", promptTokens: nil, completionTokens: nil, cachedTokens: nil,
                    latencyMs: nil, finishReason: nil, attempts: 0, error: nil, startedAt: now, finishedAt: now))
        }
        try await store.replaceDiscussion(record, participants: participants, turns: turns)
        let comments = turns.filter { $0.outcome == .comment }.count
        return (comments, turns.count - comments)
    }

    func importAnnotations(_ file: LegacyAnnotationFile) async throws -> (Int, [String]) {
        let id = Self.discussionId(file.conversationId)
        guard let discussion = try await store.discussion(matching: id), discussion.id == id else {
            throw StoreError("conv_id \(file.conversationId): no imported discussion with this id (import its discussion file too)")
        }
        // Log entries in order: the seed (if any), then the turns.
        var targets: [(id: String, text: String, isComment: Bool)] = []
        if !discussion.seedComment.isEmpty { targets.append((discussion.seedCommentId, discussion.seedComment, true)) }
        for turn in try await store.turns(of: id) { targets.append((turn.id, turn.rawText ?? "", turn.outcome == .comment)) }
        var problems: [String] = []
        if targets.count != file.entries.count {
            problems.append("conv_id \(file.conversationId): \(file.entries.count) annotated entries for \(targets.count) log entries")
        }
        let hasQuality = file.entries.contains { $0.rawAnnotation.lowercased().contains("argumentquality") }
        var dimensions = [Rubric.default.dimensions[0]]
        if hasQuality {
            var legacyQuality = Rubric.default.dimensions[1]
            legacyQuality.name = "argumentquality"
            legacyQuality.higherMeans = "worse argument (legacy scale, 1 = best)"
            dimensions.append(legacyQuality)
        }
        let rubric = Rubric(dimensions: dimensions)
        let annotator = file.annotator ?? file.annotatorType ?? "legacy-annotator"
        let now = Date()
        var records: [AnnotationRecord] = []
        for (i, entry) in file.entries.enumerated() {
            guard i < targets.count else { break }
            let target = targets[i]
            guard Self.normalise(entry.commentText) == Self.normalise(target.text) else {
                problems.append("entry \(i): its comment text does not match log entry \(i) of the discussion; skipped")
                continue
            }
            if !target.isComment { continue }
            let parsed = AnnotationParser.parse(entry.rawAnnotation, rubric: rubric)
            var values = parsed.status == .ok ? parsed.values : [:]
            var detail = parsed.detail
            if let legacy = values.removeValue(forKey: "argumentquality") {
                values["argument_quality"] = 6 - legacy
                detail = "argument_quality = 6 − legacy ArgumentQuality \(legacy) (legacy scale: 1 = best)"
            }
            let record = AnnotationRecord(
                id: SeedDerivation.uuid(0, "imported-annotation", target.id, annotator), commentId: target.id,
                discussionId: id, annotator: annotator, values: values, status: parsed.status.rawValue, method: parsed.method,
                detail: detail, rawText: entry.rawAnnotation, structuredOutput: false, modelName: "imported",
                modelId: file.annotator, endpoint: "imported",
                sampling: SamplingParameters(temperature: 0, topP: nil, maxTokens: 0, seed: 0, stop: []), promptHash: "",
                templateId: "imported", promptTokens: nil, completionTokens: nil, cachedTokens: nil, latencyMs: nil,
                finishReason: nil, attempts: 0, startedAt: now, finishedAt: now)
            records.append(record)
        }
        try await store.commitAnnotations(
            records, prompt: PromptRecord(RenderedPrompt(system: file.annotatorPrompt, user: "", templateId: "imported")))
        let panel = AnnotatorRecord(
            username: annotator, persona: Persona(username: annotator), systemPrompt: file.annotatorPrompt,
            rubric: Rubric(dimensions: hasQuality ? Rubric.default.dimensions : [Rubric.default.dimensions[0]]))
        try await store.saveAnnotators([panel])
        return (records.count, problems)
    }

    static func normalise(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
