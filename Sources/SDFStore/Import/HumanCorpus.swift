import Foundation
import SDFCore

/// A corpus of human discussion comments to compare synthetic discussions with (`sdf compare --human PATH`).
///
/// Read with ``HumanCorpus/read(path:columns:)`` from one of three sources:
/// - a **ConvoKit corpus directory**: its `utterances.jsonl`, one JSON object per line with `id`,
///   `conversation_id`, `reply_to` (string or `null`) and `text` (`speaker`, `timestamp` and `meta` are read but
///   not needed). Scores are taken from `meta.annotations` when it has SDF's shape (annotator → dimension →
///   number, as `sdf export --format convokit` writes it).
/// - a **CSV file** with a header row and a text column (default `text`), optionally a conversation id column
///   and a reply-to column.
/// - an **SDF store** (a SQLite file, e.g. human comments brought in with `sdf import`): its discussions are
///   the conversations, its non-moderator comments after the seed the comments, its `ok` annotations the scores.
///
/// Which records become comments:
/// - a **root** (an utterance or row whose reply-to is empty/`null`, only when the source has reply structure)
///   is the thread's opening post, like a store's seed comment: it is not a comment, but it is a node of the
///   reply tree. Counted in ``Counts/roots``.
/// - an **empty** text (nothing but white space) or a **deleted** one (`[deleted]` or `[removed]` after
///   trimming white space, Reddit's placeholders) is not a comment either (no text to measure), but stays in the
///   reply tree so that its replies keep their depth. Counted in ``Counts/empty`` and ``Counts/deleted``.
/// - everything else is a comment (``Counts/used``).
///
/// Depth: a root has depth 0, a record replying to a record of the corpus has its parent's depth + 1, and a
/// record replying to an id that is not in the corpus has depth 1 (its parent is taken to be an unseen root;
/// counted in ``Counts/missingParents``). Thread length: comments per conversation, counting conversations that
/// have records but no comment as 0.
public struct HumanCorpus: Sendable, Hashable, Codable {
    /// Where a corpus was read from.
    public enum Format: String, Sendable, Hashable, Codable {
        /// A ConvoKit corpus directory (`utterances.jsonl`).
        case convokit
        /// A CSV file with a header row.
        case csv
        /// An SDF store.
        case store
    }

    /// Column names of a CSV corpus.
    public struct Columns: Sendable, Hashable, Codable {
        /// The text column (default `text`).
        public var text: String
        /// The conversation id column; `nil`: no thread lengths.
        public var conversation: String?
        /// The reply-to column (the id of the record replied to; empty for a root); `nil`: no reply depths.
        public var replyTo: String?
        /// The record id column that reply-to refers to (default `id`; needed only with ``replyTo``).
        public var id: String

        /// Creates column names; every argument has the documented default.
        public init(text: String = "text", conversation: String? = nil, replyTo: String? = nil, id: String = "id") {
            self.text = text
            self.conversation = conversation
            self.replyTo = replyTo
            self.id = id
        }
    }

    /// What was read and what was used.
    public struct Counts: Sendable, Hashable, Codable {
        /// Records read: non-blank lines of `utterances.jsonl`, data rows of the CSV, comments and seed comments
        /// of a store.
        public var read: Int = 0
        /// Records that became comments.
        public var used: Int = 0
        /// Roots (opening posts / seed comments), not comments.
        public var roots: Int = 0
        /// Records with an empty text (white space only), not comments.
        public var empty: Int = 0
        /// Records whose text is `[deleted]` or `[removed]`, not comments.
        public var deleted: Int = 0
        /// Moderator comments of a store, not comments (the synthetic side leaves them out too).
        public var moderator: Int = 0
        /// Records (of any kind) replying to an id that is not in the corpus.
        public var missingParents: Int = 0
        /// Blank lines of `utterances.jsonl`, skipped.
        public var blankLines: Int = 0
        /// Conversations (0 without a conversation column).
        public var conversations: Int = 0

        /// Creates zero counts.
        public init() {}
    }

    /// One human comment.
    public struct Comment: Sendable, Hashable, Codable {
        /// The record's id (the CSV's data line number when it has no id column).
        public var id: String
        /// The conversation id; `nil` without conversations.
        public var conversation: String?
        /// The text, as read.
        public var text: String
        /// Depth in the reply tree (≥ 1); `nil` without reply structure.
        public var depth: Int?
        /// Scores by rubric dimension (the mean over annotators); empty without annotations.
        public var scores: [String: Double]

        /// Creates a comment.
        public init(id: String, conversation: String?, text: String, depth: Int?, scores: [String: Double] = [:]) {
            self.id = id
            self.conversation = conversation
            self.text = text
            self.depth = depth
            self.scores = scores
        }
    }

    /// The path as given.
    public var path: String
    /// The source's format.
    public var format: Format
    /// The comments, in file order.
    public var comments: [Comment]
    /// Comments per conversation, conversations in order of first appearance; `nil` without conversations.
    public var threadLengths: [Int]?
    /// Whether comments carry a depth (the source has reply structure).
    public var hasReplyStructure: Bool
    /// What was read and used.
    public var counts: Counts

    /// Creates a corpus from its parts.
    public init(path: String, format: Format, comments: [Comment], threadLengths: [Int]?, hasReplyStructure: Bool, counts: Counts) {
        self.path = path
        self.format = format
        self.comments = comments
        self.threadLengths = threadLengths
        self.hasReplyStructure = hasReplyStructure
        self.counts = counts
    }

    /// Whether `text` is one of the deletion placeholders `[deleted]` / `[removed]` (after trimming white space).
    public static func isDeletedPlaceholder(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t == "[deleted]" || t == "[removed]"
    }
}

/// A human corpus could not be read: the message names the file, the line and the field, and what was expected.
public struct HumanCorpusError: Error, Sendable, CustomStringConvertible, LocalizedError, Equatable {
    /// What went wrong, e.g. `corpus/utterances.jsonl line 3: field "text": expected a string, found a number`.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// The message.
    public var errorDescription: String? { message }
}

extension HumanCorpusError: SDFError {
    /// ``SDFExitCode/someFailed``: a file to compare with cannot be read (as a file to import that cannot be decoded).
    public var exitCode: SDFExitCode { .someFailed }
}

// MARK: reading

extension HumanCorpus {
    /// One record as read, before the tree is resolved.
    struct RawRecord {
        var id: String
        var conversation: String?
        var replyTo: String?
        var text: String
        var scores: [String: Double]
        /// Where the record was read, for error messages ("FILE line N").
        var location: String
    }

    /// Reads a human corpus: a ConvoKit directory, a CSV file or an SDF store (see ``HumanCorpus``).
    ///
    /// The kind is decided by the path: a directory is a ConvoKit corpus (it must hold `utterances.jsonl`); a
    /// file starting with SQLite's header (`SQLite format 3`) is a store; any other file is CSV.
    ///
    /// - Parameters:
    ///   - path: the directory or file.
    ///   - columns: the CSV's column names (ignored for the other formats).
    /// - Throws: ``HumanCorpusError`` naming the file, line and field of the first malformed record (invalid
    ///   JSON, a missing or mistyped `id`, `conversation_id`, `reply_to` or `text`, a duplicate id, a reply cycle,
    ///   a CSV row with the wrong number of fields, an unterminated quote, a missing column); when the corpus has
    ///   no comment at all; ``StoreError`` when a store cannot be read. Nothing is returned half-read.
    public static func read(path: String, columns: Columns = Columns()) async throws -> HumanCorpus {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HumanCorpusError("\(path): no such file or directory (expected a ConvoKit corpus directory, a CSV file or an SDF store)")
        }
        let corpus: HumanCorpus
        if isDirectory.boolValue {
            corpus = try readConvoKit(directory: path)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw HumanCorpusError("\(path): cannot be read") }
            if data.starts(with: Array("SQLite format 3".utf8)) {
                corpus = try await readStore(path: path)
            } else {
                corpus = try readCSV(data: data, path: path, columns: columns)
            }
        }
        guard corpus.counts.used > 0 else {
            throw HumanCorpusError(
                "\(path): no usable comment (\(corpus.counts.read) record(s) read: \(corpus.counts.roots) root(s), "
                    + "\(corpus.counts.empty) empty, \(corpus.counts.deleted) deleted)")
        }
        return corpus
    }

    // MARK: ConvoKit

    /// Reads `DIR/utterances.jsonl` (see ``read(path:columns:)``).
    static func readConvoKit(directory: String) throws -> HumanCorpus {
        let file = URL(fileURLWithPath: directory).appendingPathComponent("utterances.jsonl").path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw HumanCorpusError("\(directory): not a ConvoKit corpus directory (no readable utterances.jsonl)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw HumanCorpusError("\(file): not UTF-8 text") }
        var records: [RawRecord] = []
        var blank = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                // The piece after the final newline is not a line of the file.
                if !(index == lines.count - 1 && line.isEmpty) { blank += 1 }
                continue
            }
            let here = "\(file) line \(lineNumber)"
            let object: JSONValue
            do {
                object = try decoder.decode(JSONValue.self, from: Data(line.utf8))
            } catch {
                throw HumanCorpusError("\(here): not valid JSON (expected one utterance object per line)")
            }
            guard case .object(let utterance) = object else {
                throw HumanCorpusError("\(here): expected a JSON object, found \(object.kind)")
            }
            let id = try identifier(utterance["id"], field: "id", at: here, required: true)!
            let conversation = try identifier(utterance["conversation_id"], field: "conversation_id", at: here, required: true)!
            let replyTo = try identifier(utterance["reply_to"], field: "reply_to", at: here, required: false)
            guard let rawText = utterance["text"] else { throw HumanCorpusError("\(here): field \"text\" is missing (expected a string)") }
            guard case .string(let textValue) = rawText else {
                throw HumanCorpusError("\(here): field \"text\": expected a string, found \(rawText.kind)")
            }
            var scores: [String: Double] = [:]
            if let meta = utterance["meta"], meta != .null {
                guard case .object(let metaObject) = meta else {
                    throw HumanCorpusError("\(here): field \"meta\": expected an object, found \(meta.kind)")
                }
                scores = try annotationScores(metaObject["annotations"], at: here)
            }
            records.append(RawRecord(id: id, conversation: conversation, replyTo: replyTo, text: textValue, scores: scores, location: here))
        }
        var corpus = try resolve(records, path: directory, format: .convokit, conversations: true, replies: true)
        corpus.counts.blankLines = blank
        return corpus
    }

    /// A JSON value as decoded, keeping booleans, integers and other numbers apart (portable: no bridging).
    enum JSONValue: Decodable, Equatable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            if var items = try? decoder.unkeyedContainer() {
                var values: [JSONValue] = []
                while !items.isAtEnd { values.append(try items.decode(JSONValue.self)) }
                self = .array(values)
                return
            }
            if let object = try? decoder.container(keyedBy: AnyKey.self) {
                var members: [String: JSONValue] = [:]
                for key in object.allKeys { members[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
                self = .object(members)
                return
            }
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .integer(i)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else {
                self = .string(try c.decode(String.self))
            }
        }

        /// "a string", "a number", … for error messages.
        var kind: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .integer, .number: return "a number"
            case .string: return "a string"
            case .array: return "an array"
            case .object: return "an object"
            }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// An id field: a string, or an integer written as its decimal text; `null`/absent is `nil` (an error when
    /// required).
    static func identifier(_ value: JSONValue?, field: String, at here: String, required: Bool) throws -> String? {
        switch value {
        case nil, .null?:
            if required { throw HumanCorpusError("\(here): field \"\(field)\" is missing (expected a string)") }
            return nil
        case .string(let s)?:
            if s.isEmpty && required { throw HumanCorpusError("\(here): field \"\(field)\" is empty (expected a non-empty string)") }
            return s.isEmpty ? nil : s
        case .integer(let i)?:
            return String(i)
        case let other?:
            throw HumanCorpusError("\(here): field \"\(field)\": expected a string\(required ? "" : " or null"), found \(other.kind)")
        }
    }

    /// `meta.annotations` in SDF's shape (annotator → dimension → number) → the mean per dimension; absent or
    /// `null` → no scores.
    static func annotationScores(_ value: JSONValue?, at here: String) throws -> [String: Double] {
        guard let value, value != .null else { return [:] }
        guard case .object(let byAnnotator) = value else {
            throw HumanCorpusError("\(here): field \"meta.annotations\": expected an object (annotator → dimension → number), found \(value.kind)")
        }
        var sums: [String: (Double, Int)] = [:]
        for annotator in byAnnotator.keys.sorted() {
            guard case .object(let values) = byAnnotator[annotator]! else {
                throw HumanCorpusError("\(here): field \"meta.annotations.\(annotator)\": expected an object (dimension → number), found \(byAnnotator[annotator]!.kind)")
            }
            for dimension in values.keys.sorted() {
                let number: Double
                switch values[dimension]! {
                case .integer(let i): number = Double(i)
                case .number(let d): number = d
                case let other:
                    throw HumanCorpusError("\(here): field \"meta.annotations.\(annotator).\(dimension)\": expected a number, found \(other.kind)")
                }
                let current = sums[dimension] ?? (0, 0)
                sums[dimension] = (current.0 + number, current.1 + 1)
            }
        }
        return sums.mapValues { $0.0 / Double($0.1) }
    }

    // MARK: CSV

    /// Reads a CSV file with a header row (RFC 4180: comma separator, `"` quoting with `""` escapes, fields may
    /// span lines; a UTF-8 byte-order mark is skipped; CRLF or LF line ends).
    static func readCSV(data: Data, path: String, columns: Columns) throws -> HumanCorpus {
        guard var text = String(data: data, encoding: .utf8) else { throw HumanCorpusError("\(path): not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let rows = try csvRows(text, path: path)
        guard let header = rows.first else { throw HumanCorpusError("\(path): empty file (expected a header row with a \"\(columns.text)\" column)") }
        func column(_ name: String, flag: String) throws -> Int {
            guard let i = header.fields.firstIndex(of: name) else {
                throw HumanCorpusError(
                    "\(path) line \(header.line): no column \"\(name)\" (\(flag)); the header has: "
                        + header.fields.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            return i
        }
        let textColumn = try column(columns.text, flag: "--text-column")
        let conversationColumn = try columns.conversation.map { try column($0, flag: "--conversation-column") }
        let replyColumn = try columns.replyTo.map { try column($0, flag: "--reply-to-column") }
        let idColumn = try replyColumn.map { _ in try column(columns.id, flag: "--id-column") }
        var records: [RawRecord] = []
        for row in rows.dropFirst() {
            let here = "\(path) line \(row.line)"
            guard row.fields.count == header.fields.count else {
                throw HumanCorpusError(
                    "\(here): \(row.fields.count) field(s), expected \(header.fields.count) as in the header (field \"\(columns.text)\" cannot be located)")
            }
            let id = idColumn.map { row.fields[$0] } ?? "line \(row.line)"
            if idColumn != nil && id.isEmpty { throw HumanCorpusError("\(here): field \"\(columns.id)\" is empty (expected the record's id)") }
            var conversation: String?
            if let c = conversationColumn {
                conversation = row.fields[c]
                if conversation!.isEmpty { throw HumanCorpusError("\(here): field \"\(columns.conversation!)\" is empty (expected a conversation id)") }
            }
            let replyTo = replyColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            records.append(RawRecord(id: id, conversation: conversation, replyTo: replyTo, text: row.fields[textColumn], scores: [:], location: here))
        }
        return try resolve(records, path: path, format: .csv, conversations: conversationColumn != nil, replies: replyColumn != nil)
    }

    /// A CSV record with the line it starts on (1-based).
    struct CSVRow {
        var line: Int
        var fields: [String]
    }

    /// Splits CSV text into records; blank lines between records are skipped.
    ///
    /// - Throws: ``HumanCorpusError`` for a quote that is never closed or text right after a closing quote.
    static func csvRows(_ text: String, path: String) throws -> [CSVRow] {
        var rows: [CSVRow] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var start = 1
        var inQuotes = false
        var quoteLine = 1
        var afterQuote = false
        var rowHasContent = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func endRow() {
            fields.append(field)
            if rowHasContent || fields.count > 1 || !field.isEmpty { rows.append(CSVRow(line: start, fields: fields)) }
            fields = []
            field = ""
            rowHasContent = false
            afterQuote = false
        }
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty && !afterQuote {
                inQuotes = true
                quoteLine = line
                rowHasContent = true
            } else if c == "," {
                fields.append(field)
                field = ""
                afterQuote = false
                rowHasContent = true
            } else if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" {
                // CRLF: handled at the \n.
            } else if c == "\n" {
                endRow()
                line += 1
                start = line
            } else {
                if afterQuote {
                    throw HumanCorpusError("\(path) line \(line): text after a closing quote (a quoted field must end at a comma or the line's end)")
                }
                field.unicodeScalars.append(c)
                rowHasContent = true
            }
            i += 1
        }
        if inQuotes { throw HumanCorpusError("\(path) line \(quoteLine): a quoted field is never closed") }
        if rowHasContent || !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }

    // MARK: store

    /// Reads an SDF store as a human corpus: discussions are conversations, non-moderator comments after the seed
    /// are comments (depth as in ``StoreThreads``), seed comments are roots, `ok` annotations are scores.
    static func readStore(path: String) async throws -> HumanCorpus {
        let store = try Store.openExisting(path: path)
        var counts = Counts()
        var comments: [Comment] = []
        var lengths: [Int] = []
        var ratings: [String: [String: [Int]]] = [:]
        for a in try await store.annotations() where a.status == .ok {
            for (dimension, value) in a.values { ratings[a.commentId, default: [:]][dimension, default: []].append(value) }
        }
        for d in try await store.discussions() {
            let seeds = try await store.seedComments(of: d).count
            counts.roots += seeds
            counts.read += seeds
            var length = 0
            let turns = try await store.turns(of: d.id)
            for c in StoreThreads.comments(turns, seedCount: seeds) {
                counts.read += 1
                guard !c.isModerator else {
                    counts.moderator += 1
                    continue
                }
                let scores = (ratings[c.turn.id] ?? [:]).mapValues { Double($0.reduce(0, +)) / Double($0.count) }
                comments.append(Comment(id: c.turn.id, conversation: d.id, text: c.turn.text ?? "", depth: c.depth, scores: scores))
                length += 1
            }
            lengths.append(length)
        }
        counts.used = comments.count
        counts.conversations = lengths.count
        return HumanCorpus(path: path, format: .store, comments: comments, threadLengths: lengths, hasReplyStructure: true, counts: counts)
    }

    // MARK: tree

    /// Turns raw records into the corpus: classifies them, checks ids, resolves depths and thread lengths.
    static func resolve(_ records: [RawRecord], path: String, format: Format, conversations: Bool, replies: Bool) throws -> HumanCorpus {
        var counts = Counts()
        counts.read = records.count
        var byId: [String: Int] = [:]
        if replies {
            for (i, r) in records.enumerated() {
                if let first = byId[r.id] {
                    throw HumanCorpusError("\(r.location): field \"id\": duplicate id \"\(r.id)\" (first at \(records[first].location))")
                }
                byId[r.id] = i
            }
        }
        // Depths by iterative walks up the reply chain, memoised; a chain longer than the corpus is a cycle.
        var depth = [Int?](repeating: nil, count: records.count)
        if replies {
            for i in records.indices where depth[i] == nil {
                var chain: [Int] = []
                var current = i
                var base = 0
                while true {
                    if let known = depth[current] {
                        base = known
                        break
                    }
                    chain.append(current)
                    if chain.count > records.count {
                        throw HumanCorpusError("\(records[i].location): field \"reply_to\": the replies starting at id \"\(records[i].id)\" form a cycle")
                    }
                    guard let parentId = records[current].replyTo else {
                        base = -1  // current is a root: depth 0
                        break
                    }
                    guard let parent = byId[parentId] else {
                        base = 0  // parent not in the corpus: current has depth 1
                        break
                    }
                    current = parent
                }
                for (k, node) in chain.reversed().enumerated() { depth[node] = base + 1 + k }
            }
        }
        var comments: [Comment] = []
        var conversationOrder: [String] = []
        var lengths: [String: Int] = [:]
        for (i, r) in records.enumerated() {
            if let c = r.conversation, lengths[c] == nil {
                conversationOrder.append(c)
                lengths[c] = 0
            }
            if replies, let parent = r.replyTo, byId[parent] == nil { counts.missingParents += 1 }
            if replies && r.replyTo == nil {
                counts.roots += 1
                continue
            }
            if r.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                counts.empty += 1
                continue
            }
            if isDeletedPlaceholder(r.text) {
                counts.deleted += 1
                continue
            }
            comments.append(Comment(id: r.id, conversation: r.conversation, text: r.text, depth: replies ? depth[i] : nil, scores: r.scores))
            if let c = r.conversation { lengths[c, default: 0] += 1 }
        }
        counts.used = comments.count
        counts.conversations = conversationOrder.count
        return HumanCorpus(
            path: path, format: format, comments: comments,
            threadLengths: conversations ? conversationOrder.map { lengths[$0]! } : nil, hasReplyStructure: replies, counts: counts)
    }
}

/// The comments of a stored (synthetic) thread and their depth in its reply chain.
///
/// A stored discussion is a chain: its seed comments come first (the first is the root, depth 0; each further
/// seed replies to the previous one), then every comment replies to the previous comment, whatever its role,
/// exactly as ``ConvoKitExport`` writes the thread. So the k-th comment (1-based) after `s` seed comments has
/// depth max(s, 1) − 1 + k. Abstentions and failed turns are not comments and take no place in the chain.
public enum StoreThreads {
    /// A comment with its depth.
    public struct Placed: Sendable, Hashable {
        /// The turn (outcome `comment`).
        public var turn: TurnRecord
        /// Depth in the reply chain, ≥ 1.
        public var depth: Int
        /// Whether the speaker is the moderator.
        public var isModerator: Bool
    }

    /// The comments of one discussion's turns (in stored order) with their depths.
    ///
    /// - Parameters:
    ///   - turns: the discussion's turns, in turn order.
    ///   - seedCount: the discussion's seed comments (0 is treated as 1: the export writes a root anyway).
    public static func comments(_ turns: [TurnRecord], seedCount: Int) -> [Placed] {
        var placed: [Placed] = []
        var k = 0
        for t in turns where t.outcome == .comment {
            k += 1
            placed.append(Placed(turn: t, depth: max(seedCount, 1) - 1 + k, isModerator: t.role == .moderator))
        }
        return placed
    }
}
