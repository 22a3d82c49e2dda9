import CSV
import Foundation
import Synchronization
import SDFCore

/// A value in a tidy table cell.
public enum TidyValue: Sendable, Hashable {
    /// Text.
    case text(String)
    /// An integer.
    case int(Int)
    /// A real number.
    case double(Double)
    /// True or false.
    case bool(Bool)
    /// Missing.
    case null
    /// A list of texts: a JSON array in JSONL, joined with `; ` in CSV.
    case list([String])
    /// A map of texts: a JSON object in JSONL, its sorted-key JSON text in CSV.
    case map([String: String])

    /// The CSV form: empty for missing, `true`/`false`, numbers in Swift's shortest round-trip form.
    var csv: String {
        switch self {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .list(let items): return items.joined(separator: "; ")
        case .map(let fields):
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The JSON value.
    var json: Any {
        switch self {
        case .text(let s): return s
        case .int(let i): return i
        case .double(let d): return d
        case .bool(let b): return b
        case .null: return NSNull()
        case .list(let items): return items
        case .map(let fields): return fields
        }
    }
}

/// One tidy table: named columns, one row per observation.
public struct TidyTable: Sendable, Hashable {
    /// File stem: `discussions`, `participants`, `comments`, `abstentions`, `failed_calls`, `annotations`.
    public var name: String
    /// Column names, in order.
    public var columns: [String]
    /// Rows, each with one value per column.
    public var rows: [[TidyValue]]

    /// RFC 4180 CSV with a header row (yaslab/CSV.swift's writer: fields with quotes, commas or newlines are
    /// quoted, quotes doubled), `\n` line ends, a final newline.
    public func csv() throws -> Data {
        try TidyFileWriter.csvChunk([columns] + rows.map { $0.map(\.csv) }) + Data("\n".utf8)
    }

    /// JSON Lines: one object per row with the column names as keys (sorted), typed values, `null` for missing.
    ///
    /// The text is what `JSONSerialization` writes for the whole object with `.sortedKeys`: the key order is
    /// taken from it once per table and each value is serialized on its own (on Linux, sorting the keys of every
    /// row compared them with a locale, which took most of an export's time).
    public func jsonl() throws -> Data {
        let encoder = try JSONLRowEncoder(columns: columns)
        var out = Data()
        for row in rows { out += try encoder.encode(row) }
        return out
    }

    /// `"text"` as the JSON writer quotes a plain column name.
    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
    }
}

/// Encodes tidy rows as JSON Lines objects with sorted keys, computing the key order once per table.
///
/// The text is what `JSONSerialization` writes for the whole object with `.sortedKeys`: the key order is taken
/// from a probe object once and each value is serialized on its own (on Linux, sorting the keys of every row
/// compared them with a locale, which took most of an export's time).
struct JSONLRowEncoder {
    static let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
    /// (column index, `"key":` bytes) in output order.
    let keys: [(Int, [UInt8])]

    init(columns: [String]) throws {
        var probe: [String: Any] = [:]
        for (i, column) in columns.enumerated() { probe[column] = i }
        // The serialized probe lists the keys in the writer's order; read that order off its text.
        let probeText = String(decoding: try JSONSerialization.data(withJSONObject: probe, options: Self.options), as: UTF8.self)
        func position(_ column: String) -> String.Index {
            probeText.range(of: TidyTable.quoted(column) + ":")?.lowerBound ?? probeText.endIndex
        }
        keys = try columns.indices.sorted { position(columns[$0]) < position(columns[$1]) }.map {
            ($0, [UInt8](try JSONSerialization.data(withJSONObject: columns[$0], options: Self.options)) + Array(":".utf8))
        }
    }

    /// One row as `{…}\n`.
    func encode(_ row: [TidyValue]) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try encode(row, into: &out)
        return Data(out)
    }

    /// Appends one row as `{…}\n` to `out`.
    func encode(_ row: [TidyValue], into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        for (n, (index, key)) in keys.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: key)
            try Self.append(row[index], to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// Appends one value as `JSONSerialization` writes it with ``options``. Texts, integers, booleans and null are
    /// written here (`JSONSerialization` took most of a large export's time in dynamic casts); reals, lists and
    /// maps still go through `JSONSerialization`. The bytes are the same (tested over every ASCII character and
    /// hostile text).
    static func append(_ value: TidyValue, to out: inout [UInt8]) throws {
        switch value {
        case .text(let text): appendString(text, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .double, .list, .map: out.append(contentsOf: try JSONSerialization.data(withJSONObject: value.json, options: options))
        }
    }

    /// A JSON string as swift-corelibs-foundation's `JSONSerialization` writes it without escaping slashes: `"` and
    /// `\` escaped, `\b \f \n \r \t` for those controls, `\u00XX` (lowercase hex) for the other C0 controls,
    /// every other character as its UTF-8 bytes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied at once.
            var start = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                start = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Builds and writes the tidy tables of a store (`sdf export --format csv|jsonl`).
///
/// Tables and their keys: `discussions` (`discussion_id`), `participants` (`participant_id`, joined by
/// `discussion_id`), `comments` (`comment_id`; seed comments are rows with `turn_index` 0 and role `op`, in
/// thread order, the speaker their author: `OP` or, for SynDisco 2.x imports, the name the file gave),
/// `abstentions` and `failed_calls` (`turn_id`), `annotations` (one row per comment × annotator × dimension;
/// join to comments on `comment_id`). Timestamps are ISO 8601 (UTC, milliseconds). List fields (`personality`,
/// `cleaning`, `flags`) are JSON arrays in JSONL and `; `-joined in CSV; `extra` is a JSON object (its JSON text
/// in CSV). Sampling values nobody recorded (imported comments) are `null` (empty in CSV), never `0`.
public enum TidyExport {
    static func date(_ d: Date?) -> TidyValue {
        guard let d else { return .null }
        return .text(Timestamp.milliseconds(d))
    }

    static func opt(_ s: String?) -> TidyValue { s.map { .text($0) } ?? .null }
    static func opt(_ i: Int?) -> TidyValue { i.map { .int($0) } ?? .null }
    static func opt(_ d: Double?) -> TidyValue { d.map { .double($0) } ?? .null }

    /// The tables, in file order: `discussions`, `participants`, `comments`, `abstentions`, `failed_calls`,
    /// `annotations`, `moderator_decisions`.
    public static let tableNames = [
        "discussions", "participants", "comments", "abstentions", "failed_calls", "annotations", "moderator_decisions",
    ]

    /// The columns of each table, in ``tableNames`` order, for a store without factors.
    public static var tableColumns: [[String]] {
        [discussionColumns, participantColumns, commentColumns, abstentionColumns, failedColumns, annotationColumns, decisionColumns]
    }

    /// The columns of each table, in ``tableNames`` order, with one column per factor appended to `discussions` and
    /// `comments` (``factorColumns(_:)``).
    public static func tableColumns(factors: [String]) -> [[String]] {
        var columns = tableColumns
        columns[0] += factorColumns(factors)
        columns[2] += factorColumns(factors)
        return columns
    }

    /// The factor columns of `store`'s tables: its discussions' factor names (``factorNames(_:)``).
    ///
    /// A store with branched discussions (`branching:`) also gets `branched_from_discussion` and `branch_turn` in
    /// `discussions` and `branched_from` (the trunk comment a prefix comment copies) in `comments`, after the factor
    /// columns; other stores' tables are unchanged.
    static func columns(of store: Store) async throws -> [[String]] {
        var columns = tableColumns(factors: factorNames(try await store.discussions()))
        if !(try await store.branchLinks().isEmpty) {
            columns[0] += ["branched_from_discussion", "branch_turn"]
            columns[2] += ["branched_from"]
        }
        return columns
    }

    /// Every table of the store, in memory (small stores, tests); ``write(store:format:to:force:progress:)``
    /// streams instead.
    ///
    /// - Parameter progress: told after each discussion read (phase `reading discussions`).
    public static func tables(store: Store, progress: WorkProgressHandler? = nil) async throws -> [TidyTable] {
        var rows: [[[TidyValue]]] = Array(repeating: [], count: tableNames.count)
        let columns = try await columns(of: store)
        try await forEachRow(store: store, progress: progress) { table, row in rows[table].append(row) }
        return tableNames.indices.map { TidyTable(name: tableNames[$0], columns: columns[$0], rows: rows[$0]) }
    }

    /// Produces every row of every table, one discussion at a time: `emit(table, row)` with `table` an index into
    /// ``tableNames``. Rows of one table come in file order; the annotations last, by discussion id, comment and
    /// annotator (memory holds two discussions' records at a time: the one being written and the next, read
    /// meanwhile). Moderator decisions come with their discussion, by slot.
    ///
    /// - Throws: ``StoreError`` when the store cannot be read, or when annotations or moderator decisions exist whose
    ///   discussion is not in the store (they would be missing from the export: read and written counts must agree).
    static func forEachRow(
        store: Store, progress: WorkProgressHandler?, emit: (Int, [TidyValue]) throws -> Void
    ) async throws {
        let discussions = try await store.discussions()
        let factors = factorNames(discussions)
        var discussionCount = 0
        let storedDecisions = try await store.moderatorDecisionCount()
        var readDecisions = 0
        let links = try await store.branchLinks()
        let branched = !links.isEmpty
        progress?(WorkProgress(phase: "reading discussions", done: 0, total: discussions.count, unit: "discussions"))
        // The next discussion's records are read while this one's rows are written (two processors: the store's
        // reads and the encoding side by side; the rows and their order are the same).
        @Sendable func read(_ d: DiscussionRecord) async throws -> DiscussionReads {
            DiscussionReads(
                origins: branched ? try await store.turnOrigins(of: d.id) : [:], participants: try await store.participants(of: d.id),
                seeds: try await store.seedComments(of: d), turns: try await store.turns(of: d.id),
                decisions: try await store.moderatorDecisions(of: d.id))
        }
        var nextReads: Task<DiscussionReads, any Error>? = discussions.first.map { d in Task { try await read(d) } }
        defer { nextReads?.cancel() }
        for (index, d) in discussions.enumerated() {
            let reads = try await nextReads!.value
            nextReads = index + 1 < discussions.count ? Task { [d = discussions[index + 1]] in try await read(d) } : nil
            let levels: [TidyValue] = factors.map { f in opt(d.factorLevels.first { $0.factor == f }?.level) }
            let link: [TidyValue] = branched ? [opt(links[d.id]?.branchedFromDiscussion), opt(links[d.id]?.branchTurn)] : []
            let origins = reads.origins
            try emit(0, [
                .text(d.id), .text(d.conditionLabel), .text(d.strategy), .text(d.modelName), .int(d.replicate), .text(d.seed),
                .text(d.status.rawValue), .text(d.seedCommentId), .text(d.seedComment), .int(d.seedCommentIndex),
                .int(d.userTurns), opt(d.historyLength), .text(d.turnTaking.description), date(d.startedAt), date(d.finishedAt),
            ] + levels + link)
            for p in reads.participants {
                let persona = p.persona
                try emit(1, [
                    .text(p.id), .text(d.id), .int(p.position), .text(p.username), .text(p.role.rawValue), opt(persona.age),
                    opt(persona.sex), opt(persona.education), opt(persona.sexualOrientation), opt(persona.ethnicity),
                    opt(persona.occupation), opt(persona.politicalLeaning), .list(persona.personality), .map(persona.extra),
                ])
            }
            let seeds = reads.seeds
            for seed in seeds.isEmpty ? [SeedCommentRecord(id: d.seedCommentId, discussionId: d.id, position: 0, author: "OP", text: d.seedComment)] : seeds {
                try emit(2, 
                    [.text(seed.id), .text(d.id), .text(d.conditionLabel), .int(0), .text(seed.author), .text(Role.op.rawValue), .text(seed.text)]
                        + Array(repeating: TidyValue.null, count: commentColumns.count - 7) + levels + (branched ? [TidyValue.null] : []))
            }
            let turns = reads.turns
            for t in turns {
                let call = t.call
                let sampling: [TidyValue] = [
                    opt(call.sampling.temperature), opt(call.sampling.topP), opt(call.sampling.maxTokens), opt(call.sampling.seed),
                ]
                let usage: [TidyValue] = [
                    opt(call.promptTokens), opt(call.completionTokens), opt(call.cachedTokens), opt(call.latencyMs),
                    opt(call.finishReason), .int(call.attempts),
                ]
                let provenance: [TidyValue] =
                    [.text(call.modelName), opt(call.modelId), .text(call.endpoint)] + sampling
                    + [.text(call.promptHash), .text(call.templateId)] + usage + [date(t.startedAt), date(t.finishedAt)]
                let steps = TidyValue.list(t.cleaning.filter { $0.step != "whitespace" }.map(\.step))
                switch t.outcome {
                case .comment:
                    try emit(2, 
                        [
                            .text(t.id), .text(d.id), .text(d.conditionLabel), .int(t.turnIndex), .text(t.speaker),
                            .text(t.role.rawValue), opt(t.text), opt(t.rawText), steps,
                            .list(t.flags.map(\.rawValue)),
                        ] + provenance + levels + (branched ? [opt(origins[t.id])] : []))
                case .abstention:
                    try emit(3, 
                        [.text(t.id), .text(d.id), .text(d.conditionLabel), .int(t.turnIndex), .text(t.speaker), .text(t.role.rawValue), opt(t.rawText), steps]
                            + provenance)
                case .failed:
                    try emit(4, 
                        [.text(t.id), .text(d.id), .text(d.conditionLabel), .int(t.turnIndex), .text(t.speaker), .text(t.role.rawValue), opt(t.call.error?.description)]
                            + provenance)
                }
            }
            let byIndex = Dictionary(turns.map { ($0.turnIndex, $0) }, uniquingKeysWith: { a, _ in a })
            for m in reads.decisions {
                readDecisions += 1
                let call = m.call
                // The moderator's turn, when the decision let it speak, is the next turn.
                let next = m.intervene ? byIndex[m.afterTurnIndex + 1].flatMap { $0.role == .moderator ? $0 : nil } : nil
                let outcome: [TidyValue] = [
                    .text(m.id), .text(d.id), .text(d.conditionLabel), .int(m.slot), .int(m.afterTurnIndex), .text(m.kind.rawValue),
                    .text(m.status.rawValue), .bool(m.intervene), .bool(m.defaulted), opt(next?.id), opt(next?.outcome.rawValue),
                ]
                let answer: [TidyValue] = [
                    opt(m.reason), opt(m.rawText), opt(m.method), opt(m.detail), opt(m.structuredOutput?.rawValue), opt(m.annotator),
                    opt(m.dimension), opt(m.score), opt(m.threshold), opt(m.annotationId), opt(call.error?.description),
                ]
                let sampling: [TidyValue] = [
                    .text(call.modelName), opt(call.modelId), .text(call.endpoint), opt(call.sampling.temperature),
                    opt(call.sampling.topP), opt(call.sampling.maxTokens), opt(call.sampling.seed), .text(call.promptHash),
                    .text(call.templateId),
                ]
                let usage: [TidyValue] = [
                    opt(call.promptTokens), opt(call.completionTokens), opt(call.cachedTokens), opt(call.latencyMs),
                    opt(call.finishReason), .int(call.attempts), date(m.startedAt), date(m.finishedAt),
                ]
                try emit(6, outcome + answer + sampling + usage)
            }
            discussionCount += 1
            progress?(WorkProgress(phase: "reading discussions", done: discussionCount, total: discussions.count, unit: "discussions"))
        }
        let annotators = try await store.annotatorRecords()
        let stored = try await store.annotationStatusCounts().values.reduce(0, +)
        var read = 0
        let byId = discussions.sorted(by: { $0.id < $1.id })
        var nextAnnotations: Task<[AnnotationRecord], any Error>? = byId.first.map { d in Task { try await store.annotationsForExport(ofDiscussion: d.id) } }
        defer { nextAnnotations?.cancel() }
        for index in byId.indices {
            let annotations = try await nextAnnotations!.value
            nextAnnotations = index + 1 < byId.count ? Task { [id = byId[index + 1].id] in try await store.annotationsForExport(ofDiscussion: id) } : nil
            for a in annotations {
                read += 1
                let rubric = annotators[a.annotator]?.rubric.dimensions.map(\.name) ?? a.values.keys.sorted()
                for dimension in rubric {
                    try emit(5, [
                        .text(a.id), .text(a.commentId), .text(a.discussionId), .text(a.annotator), .text(dimension),
                        opt(a.values[dimension]), .text(a.status.rawValue), .text(a.method.rawValue), opt(a.reason), opt(a.rawText),
                        .bool(a.structuredOutput.isStructured), .text(a.structuredOutput.rawValue), .text(a.call.modelName), opt(a.call.modelId), .text(a.call.promptHash), opt(a.call.promptTokens),
                        opt(a.call.completionTokens), opt(a.call.cachedTokens), opt(a.call.latencyMs), .int(a.call.attempts), date(a.startedAt),
                        date(a.finishedAt),
                    ])
                }
            }
        }
        guard readDecisions == storedDecisions else {
            throw StoreError(
                "\(store.path): \(storedDecisions) moderator decisions stored but \(readDecisions) belong to a stored discussion; "
                    + "the other \(storedDecisions - readDecisions) would be missing from the export (nothing written)")
        }
        guard read == stored else {
            throw StoreError(
                "\(store.path): \(stored) annotations stored but \(read) belong to a stored discussion; the other \(stored - read) "
                    + "would be missing from the export (nothing written)")
        }
    }

    /// One discussion's records besides its annotations, read together (see ``forEachRow(store:progress:emit:)``).
    struct DiscussionReads: Sendable {
        var origins: [String: String]
        var participants: [ParticipantRecord]
        var seeds: [SeedCommentRecord]
        var turns: [TurnRecord]
        var decisions: [ModeratorDecisionRecord]
    }

    /// The factor names of the store's discussions, in order of first appearance (each discussion's in factor order).
    static func factorNames(_ discussions: [DiscussionRecord]) -> [String] {
        var names: [String] = []
        for d in discussions {
            for level in d.factorLevels where !names.contains(level.factor) { names.append(level.factor) }
        }
        return names
    }

    /// One column per factor, appended to the `discussions` and `comments` tables, holding the discussion's level
    /// (empty/`null` for a discussion without that factor). A factor whose name is already a column of either table
    /// is named `factor_<name>` in both.
    static func factorColumns(_ factors: [String]) -> [String] {
        let taken = Set(discussionColumns + commentColumns)
        return factors.map { taken.contains($0) ? "factor_\($0)" : $0 }
    }

    static let provenanceColumns = [
        "model_name", "model_id", "endpoint", "temperature", "top_p", "max_tokens", "sampling_seed", "prompt_hash",
        "template_id", "prompt_tokens", "completion_tokens", "cached_tokens", "latency_ms", "finish_reason", "attempts",
        "started_at", "finished_at",
    ]
    /// Columns of `discussions`.
    public static let discussionColumns = [
        "discussion_id", "condition", "strategy", "model", "replicate", "seed", "status", "seed_comment_id", "seed_comment",
        "seed_comment_index", "user_turns", "history_length", "turn_taking", "started_at", "finished_at",
    ]
    /// Columns of `participants`.
    public static let participantColumns = [
        "participant_id", "discussion_id", "position", "username", "role", "age", "sex", "education",
        "sexual_orientation", "ethnicity", "occupation", "political_leaning", "personality", "extra",
    ]
    /// Columns of `comments`.
    public static let commentColumns =
        ["comment_id", "discussion_id", "condition", "turn_index", "speaker", "role", "text", "raw_text", "cleaning", "flags"]
        + provenanceColumns
    /// Columns of `abstentions`.
    public static let abstentionColumns =
        ["turn_id", "discussion_id", "condition", "turn_index", "speaker", "role", "raw_text", "cleaning"] + provenanceColumns
    /// Columns of `failed_calls`.
    public static let failedColumns =
        ["turn_id", "discussion_id", "condition", "turn_index", "speaker", "role", "error"] + provenanceColumns
    /// Columns of `annotations`.
    public static let annotationColumns = [
        "annotation_id", "comment_id", "discussion_id", "annotator", "dimension", "value", "status", "method", "detail",
        "raw_text", "structured_output", "structured_output_form", "model_name", "model_id", "prompt_hash", "prompt_tokens", "completion_tokens",
        "cached_tokens", "latency_ms", "attempts", "started_at", "finished_at",
    ]

    /// Columns of `moderator_decisions`: one row per decision point of a conditional moderator schedule
    /// (`decideFirst` decision calls, `onTrigger` checks), with the moderator's following turn (`moderator_turn_id`,
    /// `moderator_outcome`: `comment`, `abstention`, `failed`, or empty when it did not get one) and the deciding
    /// call's provenance (for a trigger, a copy of the inline annotation's call).
    public static let decisionColumns =
        [
            "decision_id", "discussion_id", "condition", "slot", "after_turn_index", "kind", "status", "intervene", "defaulted",
            "moderator_turn_id", "moderator_outcome", "reason", "raw_text", "method", "detail", "structured_output_form",
            "annotator", "dimension", "score", "threshold", "annotation_id", "error",
        ] + provenanceColumns

    /// The two file formats.
    public enum Format: String, Sendable { case csv, jsonl }

    /// Writes every table as `directory/<table>.csv` or `.jsonl`, streaming: rows go to a temporary file per
    /// table as each discussion is read (memory holds two discussions' records, not the store), and each file is
    /// moved into place when all are complete.
    ///
    /// - Parameters:
    ///   - force: write even where another store's export is (see ``ExportFolder``).
    ///   - progress: told after each discussion read (phase `reading discussions`), then as the files are
    ///     finished (phase `finishing files`).
    /// - Returns: the paths written.
    /// - Throws: ``StoreError`` when the folder holds another store's export, a file cannot be written, or
    ///   annotations belong to no stored discussion (nothing written in each case: temporary files are removed).
    public static func write(
        store: Store, format: Format, to directory: String, force: Bool = false, progress: WorkProgressHandler? = nil
    ) async throws -> [String] {
        let paths = tableNames.map { directory + "/" + $0 + "." + format.rawValue }
        try await ExportFolder.claim(directory, for: store, files: tableNames.map { $0 + "." + format.rawValue }, force: force)
        let columns = try await columns(of: store)
        let writers = try tableNames.indices.map { try TidyFileWriter(path: paths[$0], columns: columns[$0], format: format) }
        do {
            try await forEachRow(store: store, progress: progress) { table, row in try writers[table].append(row) }
            progress?(WorkProgress(phase: "finishing files", done: 0, total: writers.count, unit: "files"))
            for (i, writer) in writers.enumerated() {
                try writer.finish()
                progress?(WorkProgress(phase: "finishing files", done: i + 1, total: writers.count, unit: "files"))
            }
        } catch {
            for writer in writers { writer.abandon() }
            throw error
        }
        return paths
    }
}

/// One tidy table written row by row to a temporary file beside its destination, moved into place by
/// ``finish()`` (so a failed export leaves the previous file, never half a table). The bytes are exactly those
/// of ``TidyTable/csv()`` / ``TidyTable/jsonl()`` for the same rows.
///
/// CSV rows are encoded by yaslab/CSV.swift's writer in chunks of 1,000 rows into memory (the writer calls its
/// stream once per byte, which on a file stream would be one system call per byte), and each chunk is appended
/// to the file with the newline the writer puts between rows.
final class TidyFileWriter {
    /// Rows per CSV chunk (1,000 unless a test asks for fewer).
    let chunkRows: Int
    let path: String
    let temporary: String
    let format: TidyExport.Format
    let handle: FileHandle
    let encoder: JSONLRowEncoder?
    var pendingCSV: [[String]] = []
    var buffer = Data()
    /// JSON Lines bytes not yet written.
    var jsonlBuffer: [UInt8] = []

    init(path: String, columns: [String], format: TidyExport.Format, chunkRows: Int = 1_000) throws {
        self.path = path
        self.format = format
        self.chunkRows = max(1, chunkRows)
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw StoreError("cannot write \(temporary)")
        }
        self.handle = handle
        switch format {
        case .csv:
            encoder = nil
            buffer = try Self.csvChunk([columns])
        case .jsonl:
            encoder = try JSONLRowEncoder(columns: columns)
        }
    }

    /// Rows as the CSV writer writes them on their own: fields joined by commas, rows by `\n`, no final newline.
    ///
    /// The memory stream's bytes are copied out as `NSData` (bridging it to `Data` copied byte by byte: 22 % of a
    /// large CSV export in `perf`).
    static func csvChunk(_ rows: [[String]]) throws -> Data {
        let stream = OutputStream.toMemory()
        stream.open()
        let writer = try CSVWriter(stream: stream)
        for row in rows { try writer.write(row: row) }
        stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? NSData else {
            throw StoreError("could not build CSV rows")
        }
        return Data(bytes: data.bytes, count: data.length)
    }

    func append(_ row: [TidyValue]) throws {
        if let encoder {
            try encoder.encode(row, into: &jsonlBuffer)
        } else {
            pendingCSV.append(row.map(\.csv))
            if pendingCSV.count >= chunkRows { try encodePendingCSV() }
        }
        if buffer.count >= 1 << 20 || jsonlBuffer.count >= 1 << 20 { try flush() }
    }

    /// Encodes the pending rows, split into one part per processor (at most 4) encoded side by side: the CSV
    /// writer's rows do not depend on each other, so the parts joined by `\n` are the bytes of the whole chunk.
    func encodePendingCSV() throws {
        guard !pendingCSV.isEmpty else { return }
        let rows = pendingCSV
        let parts = rows.count >= 200 ? max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) : 1
        let size = (rows.count + parts - 1) / parts
        let encoded = Mutex<[Result<Data, any Error>?]>(Array(repeating: nil, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = Array(rows[min(rows.count, part * size)..<min(rows.count, (part + 1) * size)])
            let result = slice.isEmpty ? nil : Result { try Self.csvChunk(slice) }
            encoded.withLock { $0[part] = result }
        }
        for result in encoded.withLock({ $0 }) {
            guard let result else { continue }
            buffer += Data("\n".utf8)
            buffer += try result.get()
        }
        pendingCSV.removeAll(keepingCapacity: true)
    }

    func flush() throws {
        do {
            if !buffer.isEmpty { try handle.write(contentsOf: buffer) }
            if !jsonlBuffer.isEmpty { try handle.write(contentsOf: jsonlBuffer) }
        } catch { throw StoreError("cannot write \(path): \(error.localizedDescription)") }
        buffer.removeAll(keepingCapacity: true)
        jsonlBuffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try encodePendingCSV()
        if format == .csv { buffer += Data("\n".utf8) }
        try flush()
        do {
            try handle.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            throw StoreError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }
}

