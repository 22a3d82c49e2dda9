import Foundation
import GRDB
import SDFCore

/// Imports discussion and annotation JSON files of the earlier Python tools (SDF / SynDisco) and SDF's own sdf-json
/// exports into a store, so existing datasets can be re-annotated and analysed.
///
/// The whole import is one transaction: it is committed only when every recognised file imported without a
/// problem and the store then holds exactly the discussions, seed comments, turns and annotations read
/// (see ``ImportReport``); otherwise nothing is stored and ``ImportError`` carries the report.
///
/// - Discussions: the condition is strategy × model. The strategy is `condition` if given, else the file's
///   `strategy` key (sdf-json), else its parent folder's name (earlier tools encoded the strategy only there), or
///   the factors read from that name by `conditionPattern` (e.g. `{model}_{strategy}`). The model is the pattern's
///   `{model}`, else the file's `model` key, else the generator models its log entries name (`model`; joined with
///   `+` when several, `unknown` when none). When an import holds several known models, labels are
///   `strategy/model`.
///   Replicates count up per condition after those already stored; a re-imported discussion keeps its own.
/// - Participants: persona fields, instructions and roles are read from the prompts (``LegacyPrompt``): a user whose
///   persona's `special_instructions` / `intent` says `troll`, or whose prompt contains one of `trollInstructions`,
///   is a troll; other values (e.g. `community`) stay in the persona.
/// - Seed comments: the leading `hardcoded` log entries, each with its real author; texts are kept as written.
///   Other texts go through ``OutputCleaner`` like generated ones (raw text and changes kept); the literal `""`
///   that earlier tools logged for silence becomes an abstention. Times are the file's `timestamp`.
/// - Annotation files: matched to their discussion by `conv_id`, entry *i* to the *i*-th log entry (seed comments
///   first). The annotator is the persona in `annotator_prompt` (its ``LegacyPromptParts/identity``), never the
///   model name, which earlier tools shared between annotators; it is named by the persona's username, or
///   `username-<key>` when different personas share a username. Answers are parsed on a rubric of the dimensions
///   present, with the point labels the prompt gave (else `unknown`); legacy ArgumentQuality used 1 = best, so it
///   is stored as `argument_quality = 6 − value` and the record's detail says so.
/// - sdf-json files with the `sdf` extension (``SDFJSONExtension``) are restored exactly.
public struct LegacyImporter: Sendable {
    /// The store written.
    public var store: Store
    /// The strategy of every discussion, or `nil` (see the type's discussion).
    public var condition: String?
    /// Maps parent folder names to factors, or `nil`.
    public var conditionPattern: ConditionPattern?
    /// Texts of troll instruction files: a user whose prompt contains one (whitespace collapsed) is a troll.
    public var trollInstructions: [String]
    /// Told as files are read (phase `reading files`), then as discussions and annotation files are stored
    /// (phases `storing discussions`, `storing sdf-json discussions`, `storing annotation files`).
    public var progress: WorkProgressHandler?

    /// Creates an importer.
    public init(
        store: Store, condition: String? = nil, conditionPattern: ConditionPattern? = nil, trollInstructions: [String] = []
    ) {
        self.store = store
        self.condition = condition
        self.conditionPattern = conditionPattern
        self.trollInstructions = trollInstructions
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
                    // An export folder's ownership marker describes the folder, not a discussion.
                    if name.hasSuffix(".json"), (name as NSString).lastPathComponent != ExportFolder.markerName {
                        files.append(path + "/" + name)
                    }
                }
            } else {
                files.append(path)
            }
        }
        return files.sorted()
    }

    // MARK: - Reading

    /// One recognised file, decoded.
    enum Decoded: Sendable {
        case legacy(LegacyDiscussion, meta: FileMeta)
        /// An sdf-json file with the extension: decoded when it is stored (``decodeExported(_:)``), so that memory
        /// holds one such file at a time (with the prompts of every call, each is about a megabyte).
        case exported
        case annotations(LegacyAnnotationFile)
    }

    /// Condition keys of an sdf-json file without the extension.
    struct FileMeta: Hashable, Sendable {
        var strategy: String?
        var model: String?
        var replicate: Int?
    }

    /// Imports every file in one transaction: discussions first, then annotation files (so they find their
    /// discussions).
    ///
    /// - Returns: the report of the committed import.
    /// - Throws: ``ImportError`` (nothing stored) when a recognised file could not be imported or read and stored
    ///   counts disagree; ``StoreError`` when the store cannot be written.
    public func run(paths: [String]) async throws -> ImportReport {
        var report = ImportReport()
        var decoded: [(file: String, value: Decoded)] = []
        let files = Self.jsonFiles(paths)
        progress?(WorkProgress(phase: "reading files", done: 0, total: files.count, unit: "files"))
        for file in files {
            report.read.files += 1
            defer { progress?(WorkProgress(phase: "reading files", done: report.read.files, total: files.count, unit: "files")) }
            guard let data = FileManager.default.contents(atPath: file) else {
                report.problems.append((file, "cannot read the file"))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: "cannot read the file"))
                continue
            }
            do {
                if var value = try Self.decode(data) {
                    // An annotation file's entries (most of an import's bytes: every comment's text again) are read
                    // again when the file is stored, so that memory holds one file's entries at a time.
                    if case .annotations(var annotations) = value {
                        annotations.entries = []
                        value = .annotations(annotations)
                    }
                    decoded.append((file, value))
                } else {
                    report.files.append(
                        ImportedFile(
                            path: file, outcome: .skipped,
                            detail: "not a discussion or annotation file (no top-level 'logs' key); skipped"))
                }
            } catch {
                let message = "\(error)"
                report.problems.append((file, message))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: message))
            }
        }
        let prepared = report
        let importer = self
        let decodedFiles = decoded
        do {
            let done = try await store.writer.write { db -> ImportReport in
                var report = prepared
                try importer.apply(decodedFiles, into: &report, db)
                report.files.sort { $0.path < $1.path }
                guard report.isConsistent else { throw ImportError(report: report) }
                report.committed = true
                return report
            }
            return done
        } catch let error as ImportError {
            throw error
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot import into \(store.path): \(error)")
        }
    }

    /// Decodes a file: `nil` when it is not an SDF/SynDisco file (a JSON object without `logs`).
    ///
    /// - Throws: ``LegacyFormatError`` naming the field when a recognised file has a wrong shape.
    static func decode(_ data: Data) throws -> Decoded? {
        switch try LegacyFormats.kind(of: data) {
        case .other:
            return nil
        case .annotations:
            return .annotations(try LegacyFormats.decodeAnnotations(data))
        case .sdfJSON:
            return .exported
        case .discussion(let strategy, let model, let replicate):
            return .legacy(
                try LegacyFormats.decodeDiscussion(data), meta: FileMeta(strategy: strategy, model: model, replicate: replicate))
        }
    }

    /// Decodes an sdf-json file's extension.
    ///
    /// - Throws: ``LegacyFormatError`` naming the key when the file is not valid sdf-json or its `sdf.format` is not
    ///   one of ``SDFJSONExtension/readableFormats``.
    static func decodeExported(_ data: Data) throws -> SDFJSONExtension {
        let file: SDFDiscussionJSON
        do {
            file = try SDFJSONExport.decoder().decode(SDFDiscussionJSON.self, from: data)
        } catch {
            throw LegacyFormatError(location: "sdf", problem: "not a valid sdf-json file: \(describe(error))")
        }
        guard let sdf = file.sdf, SDFJSONExtension.readableFormats.contains(sdf.format) else {
            throw LegacyFormatError(
                location: "sdf.format",
                problem: "expected one of \(SDFJSONExtension.readableFormats.sorted().map { "'\($0)'" }.joined(separator: ", ")), "
                    + "found '\(file.sdf?.format ?? "")'")
        }
        return sdf
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(LegacyFormats.codingPath(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(LegacyFormats.codingPath(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func discussionId(_ legacyId: String) -> String {
        UUID(uuidString: legacyId) != nil ? legacyId.lowercased() : SeedDerivation.uuid(0, "imported-discussion", legacyId)
    }

    // MARK: - Writing (inside the transaction)

    /// A discussion as built for the store.
    struct Built {
        var file: String
        var record: DiscussionRecord
        var participants: [ParticipantRecord]
        var seeds: [SeedCommentRecord]
        var turns: [TurnRecord]
    }

    /// What the rest of the import keeps of a stored discussion: its record, the ids of its turns and what its
    /// annotation files are matched against (not the turns themselves).
    struct Stored {
        var record: DiscussionRecord
        var hasSeedRecords: Bool
        var turnIds: [String]
        var targets: [Target]

        init(record: DiscussionRecord, seeds: [SeedCommentRecord], turns: [TurnRecord]) {
            self.record = record
            hasSeedRecords = !seeds.isEmpty
            turnIds = turns.map(\.id)
            targets = LegacyImporter.targets(seeds: seeds, record: record, turns: turns)
        }
    }

    /// What an annotation file's entries are matched against: seed comments, then turns.
    struct Target {
        var id: String
        var text: String
        var isComment: Bool
    }

    func apply(_ decoded: [(file: String, value: Decoded)], into report: inout ImportReport, _ db: Database) throws {
        // Discussions: the factors of each, then the labels (which depend on how many models the import holds).
        struct Pending {
            var file: String
            var legacy: LegacyDiscussion
            var strategy: String
            var model: String
            var factors: [String: String]
            var replicate: Int?
        }
        var pending: [Pending] = []
        var exported: [String] = []
        var annotationFiles: [(file: String, value: LegacyAnnotationFile)] = []
        var seenDiscussions: [String: (file: String, value: LegacyDiscussion)] = [:]
        for (file, value) in decoded {
            switch value {
            case .annotations(let a):
                annotationFiles.append((file, a))
            case .exported:
                exported.append(file)
            case .legacy(let legacy, let meta):
                report.read.discussions += 1
                let id = Self.discussionId(legacy.id)
                if let earlier = seenDiscussions[id] {
                    if earlier.value == legacy {
                        report.duplicateDiscussions += 1
                        report.files.append(
                            ImportedFile(path: file, outcome: .merged, detail: "discussion \(id): identical to \(earlier.file); merged"))
                    } else {
                        let message = "discussion \(id) is also in \(earlier.file) with different content; import one of them"
                        report.problems.append((file, message))
                        report.files.append(ImportedFile(path: file, outcome: .failed, detail: message))
                    }
                    continue
                }
                seenDiscussions[id] = (file, legacy)
                report.read.seedComments += legacy.seeds.count
                report.read.turns += legacy.logs.count - legacy.seeds.count
                let folder = URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent
                var factors: [String: String] = [:]
                if condition == nil, meta.strategy == nil, let pattern = conditionPattern {
                    guard let values = pattern.match(folder) else {
                        let message = "folder name '\(folder)' does not match --condition-pattern '\(pattern.pattern)'"
                        report.problems.append((file, message))
                        report.files.append(ImportedFile(path: file, outcome: .failed, detail: message))
                        continue
                    }
                    factors = values
                }
                let strategy = condition ?? meta.strategy ?? factors["strategy"] ?? (conditionPattern == nil ? folder : "unknown")
                let generators = legacy.logs.compactMap(\.model).filter { $0 != "hardcoded" }
                var models: [String] = []
                for m in generators where !models.contains(m) { models.append(m) }
                let model = factors["model"] ?? meta.model ?? (models.isEmpty ? "unknown" : models.joined(separator: "+"))
                factors["strategy"] = nil
                factors["model"] = nil
                pending.append(Pending(file: file, legacy: legacy, strategy: strategy, model: model, factors: factors, replicate: meta.replicate))
            }
        }
        let severalModels = Set(pending.map(\.model).filter { $0 != "unknown" }).count > 1
        var nextReplicate: [String: Int] = [:]
        var built: [String: Stored] = [:]
        for (index, p) in pending.enumerated() {
            progress?(WorkProgress(phase: "storing discussions", done: index, total: pending.count, unit: "discussions"))
            let id = Self.discussionId(p.legacy.id)
            let extra = p.factors.keys.sorted()
            let conditionId = "strategy=\(p.strategy);model=\(p.model)" + extra.map { ";\($0)=\(p.factors[$0]!)" }.joined()
            let label = ([p.strategy] + (severalModels ? [p.model] : []) + extra.map { p.factors[$0]! }).joined(separator: "/")
            let replicate: Int
            if let r = p.replicate {
                replicate = r
            } else if let stored = try Int.fetchOne(db, sql: "SELECT replicate FROM discussion WHERE id = ?", arguments: [id]) {
                replicate = stored
            } else {
                if nextReplicate[conditionId] == nil {
                    let highest = try Int.fetchOne(
                        db, sql: "SELECT MAX(replicate) FROM discussion WHERE conditionId = ?", arguments: [conditionId])
                    nextReplicate[conditionId] = highest.map { $0 + 1 } ?? 0
                }
                replicate = nextReplicate[conditionId]!
                nextReplicate[conditionId] = replicate + 1
            }
            let b = build(p.legacy, file: p.file, id: id, conditionId: conditionId, label: label, strategy: p.strategy, model: p.model, replicate: replicate)
            do {
                try Store.replaceDiscussion(b.record, participants: b.participants, turns: b.turns, seeds: b.seeds, db)
                built[id] = Stored(record: b.record, seeds: b.seeds, turns: b.turns)
                report.read.comments += b.turns.filter { $0.outcome == .comment }.count
                report.read.abstentions += b.turns.filter { $0.outcome == .abstention }.count
                let trolls = b.participants.filter { $0.role == .troll }.map(\.username)
                report.files.append(
                    ImportedFile(
                        path: p.file, outcome: .discussion,
                        detail: "discussion \(id) → \(label), replicate \(replicate), model \(p.model): \(b.seeds.count) seed comment(s), "
                            + "\(b.turns.count) turns" + (trolls.isEmpty ? "" : "; trolls: " + trolls.joined(separator: ", "))
                            + (LegacyPrompt.timestamp(p.legacy.timestamp) == nil ? "; timestamp '\(p.legacy.timestamp)' not understood, import time used" : "")))
            } catch {
                report.problems.append((p.file, "\(error)"))
                report.files.append(ImportedFile(path: p.file, outcome: .failed, detail: "\(error)"))
            }
        }
        var annotationIds: Set<String> = []
        var promptHashes: Set<String> = []
        // sdf-json files with the extension: restored as they are.
        for (index, file) in exported.enumerated() {
            progress?(WorkProgress(phase: "storing sdf-json discussions", done: index, total: exported.count, unit: "discussions"))
            let e: SDFJSONExtension
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw LegacyFormatError(problem: "cannot read the file") }
                e = try Self.decodeExported(data)
            } catch {
                report.problems.append((file, "\(error)"))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: "\(error)"))
                continue
            }
            report.read.discussions += 1
            report.read.seedComments += e.seed_comments.count
            report.read.turns += e.turns.count
            report.read.comments += e.turns.filter { $0.outcome == .comment }.count
            report.read.abstentions += e.turns.filter { $0.outcome == .abstention }.count
            report.read.annotations += e.annotations.count
            report.read.moderatorDecisions += e.moderator_decisions.count
            report.read.branchLinks += e.branch == nil ? 0 : 1
            for p in e.prompts { promptHashes.insert(p.hash) }
            let d = e.discussion
            if seenDiscussions[d.id] != nil || built[d.id] != nil {
                let message = "discussion \(d.id) is in this import twice; import one of the files"
                report.problems.append((file, message))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: message))
                continue
            }
            do {
                // Clean text never holds U+0000 (the cleaner removes it); SQLite's C API would end the text there.
                if let t = e.turns.first(where: { $0.text?.unicodeScalars.contains("\u{0}") == true }) {
                    throw StoreError("sdf.turns: turn \(t.id) has U+0000 in its clean text, which SDF never writes and the store cannot keep")
                }
                if let c = e.seed_comments.first(where: { $0.text.unicodeScalars.contains("\u{0}") }) {
                    throw StoreError("sdf.seed_comments: seed comment \(c.id) contains U+0000, which the store cannot keep")
                }
                // One savepoint per file: a file that fails leaves none of its rows behind, so the stored counts of a
                // failed import are those of the files that went in.
                try db.inSavepoint {
                    try Store.replaceDiscussion(d, participants: e.participants, turns: e.turns, seeds: e.seed_comments, db)
                    for a in e.annotators { try Store.saveAnnotator(a, db) }
                    for a in e.annotations { try Store.insertAnnotation(a, db) }
                    try Store.restoreExtras(of: e, db)
                    return .commit
                }
                annotationIds.formUnion(e.annotations.map(\.id))
                built[d.id] = Stored(record: d, seeds: e.seed_comments, turns: e.turns)
                report.files.append(
                    ImportedFile(
                        path: file, outcome: .discussion,
                        detail: "sdf-json discussion \(d.id) → \(d.conditionLabel), replicate \(d.replicate): \(e.seed_comments.count) "
                            + "seed comment(s), \(e.turns.count) turns, \(e.annotations.count) annotations"))
            } catch {
                report.problems.append((file, "\(error)"))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: "\(error)"))
            }
        }
        try importAnnotations(annotationFiles, built: built, annotationIds: &annotationIds, report: &report, db)
        // What the store now holds for the imported ids.
        let discussionIds = Array(built.keys)
        let turnIds = built.values.flatMap(\.turnIds)
        report.stored.files = report.files.filter { [.discussion, .annotations, .merged].contains($0.outcome) }.count
        report.stored.discussions = try Store.count("discussion", ids: discussionIds, db)
        report.stored.seedComments = try Store.count("seed_comment", ids: discussionIds, column: "discussionId", db)
            + built.values.filter { !$0.hasSeedRecords && !$0.record.seedComment.isEmpty }.count
        report.stored.turns = try Store.count("turn", ids: turnIds, db)
        report.stored.comments = try Store.count("turn", ids: turnIds, condition: "outcome = ?", arguments: [TurnOutcome.comment.rawValue], db)
        report.stored.abstentions = try Store.count("turn", ids: turnIds, condition: "outcome = ?", arguments: [TurnOutcome.abstention.rawValue], db)
        report.stored.annotations = try Store.count("annotation", ids: Array(annotationIds), db)
        report.stored.moderatorDecisions = try Store.count("moderator_decision", ids: discussionIds, column: "discussionId", db)
        report.stored.prompts = try Store.count("prompt", ids: Array(promptHashes), column: "hash", db)
        report.stored.branchLinks = try Store.count("discussion", ids: discussionIds, condition: "branchedFromDiscussion IS NOT NULL", db)
        report.read.prompts = promptHashes.count
    }

    /// Builds the records of one legacy discussion.
    func build(
        _ legacy: LegacyDiscussion, file: String, id: String, conditionId: String, label: String, strategy: String, model: String,
        replicate: Int
    ) -> Built {
        let started = LegacyPrompt.timestamp(legacy.timestamp) ?? Date()
        let seedEntries = legacy.seeds
        let seeds = seedEntries.enumerated().map { i, entry in
            SeedCommentRecord(
                id: i == 0 ? SeedDerivation.uuid(0, "imported-seed", id) : SeedDerivation.uuid(0, "imported-seed", id, String(i)),
                discussionId: id, position: i, author: entry.speaker, text: entry.text)
        }
        let trollTexts = trollInstructions.map(LegacyPrompt.collapse).filter { !$0.isEmpty }
        var participants: [ParticipantRecord] = []
        for (i, user) in legacy.users.enumerated() {
            let prompt = i < legacy.userPrompts.count ? legacy.userPrompts[i] : ""
            let parts = LegacyPrompt.parse(prompt, username: user)
            var persona = parts.persona ?? Persona(username: user)
            persona.username = user
            let collapsed = LegacyPrompt.collapse(prompt)
            let troll = LegacyPrompt.isTroll(persona) || trollTexts.contains { collapsed.contains($0) }
            participants.append(
                ParticipantRecord(
                    id: SeedDerivation.uuid(0, "imported-participant", id, user), discussionId: id, position: i, username: user,
                    role: troll ? .troll : .user, persona: persona, instructions: parts.instructions, systemPrompt: prompt))
        }
        if let moderator = legacy.moderator {
            let parts = LegacyPrompt.parse(legacy.moderatorPrompt ?? "", username: moderator)
            var persona = parts.persona ?? Persona(username: moderator)
            persona.username = moderator
            participants.append(
                ParticipantRecord(
                    id: SeedDerivation.uuid(0, "imported-participant", id, moderator), discussionId: id,
                    position: legacy.users.count, username: moderator, role: .moderator, persona: persona,
                    instructions: parts.instructions, systemPrompt: legacy.moderatorPrompt ?? ""))
        }
        let roles = Dictionary(participants.map { ($0.username, $0.role) }, uniquingKeysWith: { first, _ in first })
        let everyone = legacy.users + (legacy.moderator.map { [$0] } ?? []) + seedEntries.map(\.speaker)
        var turns: [TurnRecord] = []
        var earlier = EarlierComments(seedEntries.map(\.text))
        var turnIndex = 0
        for entry in legacy.logs where !entry.isSeed {
            turnIndex += 1
            let cleaner = OutputCleaner(speaker: entry.speaker, others: Array(Set(everyone.filter { $0 != entry.speaker } + ["OP"])).sorted())
            let cleaned = cleaner.clean(entry.text, earlier: earlier)
            let isComment = !entry.isSilence && !cleaned.isAbstention
            if isComment, let text = cleaned.text { earlier.append(text) }
            turns.append(
                TurnRecord(
                    id: SeedDerivation.uuid(0, "imported-turn", id, String(turnIndex)), discussionId: id, turnIndex: turnIndex,
                    speaker: entry.speaker, role: entry.speaker == legacy.moderator ? .moderator : (roles[entry.speaker] ?? .user),
                    outcome: isComment ? .comment : .abstention, text: isComment ? cleaned.text : nil, rawText: entry.text,
                    cleaning: cleaned.changes, flags: isComment ? cleaned.flags : [], decision: nil,
                    call: .imported(modelName: model, modelId: entry.model, promptHash: ""), startedAt: started, finishedAt: started))
        }
        let record = DiscussionRecord(
            id: id, conditionId: conditionId, conditionLabel: label, strategy: strategy, modelName: model, replicate: replicate,
            seed: "", seedCommentId: SeedDerivation.uuid(0, "imported-seed", id), seedComment: seedEntries.first?.text ?? "",
            seedCommentIndex: 0, userTurns: turns.filter { $0.role != .moderator }.count, historyLength: legacy.contextLength,
            turnTaking: .imported, status: .done, startedAt: started, finishedAt: nil)
        return Built(file: file, record: record, participants: participants, seeds: seeds, turns: turns)
    }

    // MARK: - Annotations

    /// Legacy dimension names and their spellings in annotator prompts.
    static let toxicityNames = ["toxicity"]
    static let qualityNames = ["argumentquality", "argument_quality", "argument quality"]

    func importAnnotations(
        _ files: [(file: String, value: LegacyAnnotationFile)], built: [String: Stored], annotationIds: inout Set<String>,
        report: inout ImportReport, _ db: Database
    ) throws {
        // Identity: one annotator per persona; names from usernames, derived when different personas share one.
        let parsed = files.map { LegacyPrompt.parse($0.value.annotatorPrompt) }
        var baseName: [String: String] = [:]
        var modelOf: [String: String?] = [:]
        var fileCount: [String: Int] = [:]
        var keysInOrder: [String] = []
        for (i, parts) in parsed.enumerated() {
            let key = parts.identity
            if baseName[key] == nil {
                keysInOrder.append(key)
                baseName[key] = parts.persona?.username ?? "annotator"
                modelOf[key] = files[i].value.annotator
            }
            fileCount[key, default: 0] += 1
        }
        var storedByKey: [String: String] = [:]
        var storedNames: Set<String> = []
        for row in try Row.fetchAll(db, sql: "SELECT username, personaKey FROM annotator") {
            let name: String = row["username"]
            storedNames.insert(name)
            if let key: String = row["personaKey"] { storedByKey[key] = name }
        }
        var nameOf: [String: String] = [:]
        let newKeys = keysInOrder.filter { storedByKey[$0] == nil }
        for key in keysInOrder {
            if let stored = storedByKey[key] {
                nameOf[key] = stored
                continue
            }
            let base = baseName[key]!
            let shared = newKeys.filter { baseName[$0] == base }.count > 1 || storedNames.contains(base)
            nameOf[key] = shared ? "\(base)-\(key.prefix(6))" : base
        }
        report.annotators = keysInOrder.map { (name: nameOf[$0]!, key: $0, model: modelOf[$0] ?? nil, files: fileCount[$0]!) }

        var rubricOf: [String: Rubric] = [:]
        var promptOf: [String: String] = [:]
        var personaOf: [String: Persona] = [:]
        var seen: [String: (file: String, raw: String)] = [:]
        // Each discussion's log-entry texts, normalised once for all of its annotators' files (when an entry's
        // text is not exactly its log entry's).
        var normalisedTargets: [String: [String]] = [:]
        for (i, (file, header)) in files.enumerated() {
            progress?(WorkProgress(phase: "storing annotation files", done: i, total: files.count, unit: "files"))
            // The entries, read again (the first reading kept only the file's header).
            let annotationFile: LegacyAnnotationFile
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw StoreError("cannot read the file again") }
                let again = try LegacyFormats.decodeAnnotations(data)
                guard again.annotatorPrompt == header.annotatorPrompt, again.conversationId == header.conversationId else {
                    throw StoreError("the file changed during the import")
                }
                annotationFile = again
            } catch {
                report.problems.append((file, "\(error)"))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: "\(error)"))
                continue
            }
            let parts = parsed[i]
            let key = parts.identity
            let name = nameOf[key]!
            report.read.annotations += annotationFile.entries.count
            let id = Self.discussionId(annotationFile.conversationId)
            let targets: [Target]
            var discussionStart: Date?
            if let b = built[id] {
                targets = b.targets
                discussionStart = b.record.startedAt
            } else if let record = try DiscussionRecord.fetchOne(db, key: id) {
                let turns = try TurnRecord.filter(Column("discussionId") == id).order(Column("turnIndex")).fetchAll(db)
                targets = Self.targets(seeds: try Store.seedComments(of: record, db), record: record, turns: turns)
                discussionStart = record.startedAt
            } else {
                let message = "conv_id \(annotationFile.conversationId): no discussion with this id in the store or in this import "
                    + "(import its discussion file too); \(annotationFile.entries.count) annotations not stored"
                report.problems.append((file, message))
                report.files.append(ImportedFile(path: file, outcome: .failed, detail: message))
                continue
            }
            var fileProblems: [String] = []
            if targets.count != annotationFile.entries.count {
                fileProblems.append(
                    "conv_id \(annotationFile.conversationId): \(annotationFile.entries.count) annotated entries for \(targets.count) log entries")
            }
            let hasQuality = annotationFile.entries.contains { $0.rawAnnotation.lowercased().contains("argumentquality") }
            let rubrics = Self.rubrics(prompt: annotationFile.annotatorPrompt, hasQuality: hasQuality)
            let when = annotationFile.timestamp.flatMap(LegacyPrompt.timestamp) ?? discussionStart ?? Date()
            let prompt = PromptRecord(RenderedPrompt(system: annotationFile.annotatorPrompt, user: "", templateId: "imported"))
            try prompt.insert(db, onConflict: .ignore)
            var stored = 0
            var silences = 0
            var duplicates = 0
            for (n, entry) in annotationFile.entries.enumerated() {
                guard n < targets.count else {
                    fileProblems.append("entry \(n): no log entry \(n) in the discussion; not stored")
                    continue
                }
                let target = targets[n]
                let matches: Bool
                if entry.commentText == target.text {
                    matches = true
                } else {
                    let normalised = normalisedTargets[id] ?? targets.map { Self.normalise($0.text) }
                    normalisedTargets[id] = normalised
                    matches = Self.normalise(entry.commentText) == normalised[n]
                }
                guard matches else {
                    fileProblems.append("entry \(n): its comment text does not match log entry \(n) of the discussion; not stored")
                    continue
                }
                if !target.isComment {
                    silences += 1
                    continue
                }
                let annotationId = SeedDerivation.uuid(0, "imported-annotation", target.id, key)
                if let earlier = seen[annotationId] {
                    if earlier.raw == entry.rawAnnotation {
                        duplicates += 1
                    } else {
                        fileProblems.append(
                            "entry \(n): annotator \(name) already annotated this comment differently in \(earlier.file); not stored")
                    }
                    continue
                }
                let parsedAnswer = AnnotationParser.parse(entry.rawAnnotation, rubric: rubrics.parse)
                var values = parsedAnswer.status == .ok ? parsedAnswer.values : [:]
                var detail = parsedAnswer.detail
                if let legacy = values.removeValue(forKey: "argumentquality") {
                    values["argument_quality"] = 6 - legacy
                    detail = "argument_quality = 6 − legacy ArgumentQuality \(legacy) (legacy scale: 1 = best)"
                }
                let record = AnnotationRecord(
                    id: annotationId, commentId: target.id, discussionId: id, annotator: name, values: values,
                    status: AnnotationStatus(parsedAnswer.status), method: parsedAnswer.method, detail: detail,
                    rawText: entry.rawAnnotation, structuredOutput: .off,
                    call: .imported(
                        modelName: annotationFile.annotator ?? "unknown", modelId: annotationFile.annotator, promptHash: prompt.hash),
                    startedAt: when, finishedAt: when)
                do {
                    try Store.insertAnnotation(record, db)
                    seen[annotationId] = (file, entry.rawAnnotation)
                    annotationIds.insert(annotationId)
                    stored += 1
                } catch {
                    fileProblems.append("entry \(n): \(error)")
                }
            }
            report.annotationsOfSilences += silences
            report.duplicateAnnotations += duplicates
            for problem in fileProblems { report.problems.append((file, problem)) }
            var rubric = rubricOf[key] ?? Rubric(dimensions: [])
            for d in rubrics.stored.dimensions where !rubric.dimensions.contains(where: { $0.name == d.name }) {
                rubric.dimensions.append(d)
            }
            rubricOf[key] = rubric
            promptOf[key] = promptOf[key] ?? annotationFile.annotatorPrompt
            var persona = parts.persona ?? Persona(username: name)
            persona.username = name
            personaOf[key] = personaOf[key] ?? persona
            report.files.append(
                ImportedFile(
                    path: file, outcome: fileProblems.isEmpty ? .annotations : .failed,
                    detail: "annotations by \(name) (persona \(key)\(annotationFile.annotator.map { ", model \($0)" } ?? "")) of discussion \(id): "
                        + "\(annotationFile.entries.count) read, \(stored) stored, \(silences) of silences"
                        + (duplicates > 0 ? ", \(duplicates) identical to earlier files (merged)" : "")))
        }
        for key in keysInOrder {
            guard let rubric = rubricOf[key], let persona = personaOf[key] else { continue }
            do {
                try Store.saveAnnotator(
                    AnnotatorRecord(username: nameOf[key]!, persona: persona, systemPrompt: promptOf[key] ?? "", rubric: rubric, personaKey: key),
                    db)
            } catch {
                report.problems.append(("annotator \(nameOf[key]!)", "\(error)"))
            }
        }
    }

    static func targets(seeds: [SeedCommentRecord], record: DiscussionRecord, turns: [TurnRecord]) -> [Target] {
        var targets = seeds.map { Target(id: $0.id, text: $0.text, isComment: true) }
        if seeds.isEmpty, !record.seedComment.isEmpty {
            targets = [Target(id: record.seedCommentId, text: record.seedComment, isComment: true)]
        }
        for turn in turns { targets.append(Target(id: turn.id, text: turn.rawText ?? "", isComment: turn.outcome == .comment)) }
        return targets
    }

    /// The rubric answers are parsed on (legacy dimension names) and the rubric stored for the annotator (SDF
    /// names and directions), with the point labels the prompt gave, else `unknown`.
    static func rubrics(prompt: String, hasQuality: Bool) -> (parse: Rubric, stored: Rubric) {
        let unknown = "unknown (not stated in the annotation prompt)"
        let toxicityLabels = LegacyPrompt.rubricLabels(in: prompt, names: toxicityNames, points: 1...5)
        var toxicity = RubricDimension(
            name: "toxicity", description: toxicityLabels == nil ? unknown : "as asked in the annotation prompt", min: 1, max: 5,
            labels: toxicityLabels ?? [], higherMeans: "more toxic")
        var parse = [toxicity]
        if hasQuality {
            let legacyLabels = LegacyPrompt.rubricLabels(in: prompt, names: qualityNames, points: 1...5)
            parse.append(
                RubricDimension(
                    name: "argumentquality", description: "", min: 1, max: 5, labels: [],
                    higherMeans: "worse argument (legacy scale, 1 = best)"))
            toxicity = parse[0]
            let quality = RubricDimension(
                name: "argument_quality",
                description: legacyLabels == nil ? unknown : "as asked in the annotation prompt (stored as 6 − legacy value)",
                min: 1, max: 5, labels: (legacyLabels ?? []).reversed(),
                higherMeans: "better argument (stored as 6 − the legacy value; the legacy prompt had 1 = best)")
            return (Rubric(dimensions: parse), Rubric(dimensions: [toxicity, quality]))
        }
        return (Rubric(dimensions: parse), Rubric(dimensions: [toxicity]))
    }

    static func normalise(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
