import Foundation

/// One comment of a seed thread: its author (a non-participant) and its text.
public struct SeedThreadComment: Codable, Sendable, Hashable {
    /// Who wrote it: `OP` for today's one-comment seeds, any name that is not a participant's or the moderator's.
    public var author: String
    /// The text, trimmed of surrounding whitespace by the loader.
    public var text: String

    /// Creates a seed thread comment.
    public init(author: String, text: String) {
        self.author = author
        self.text = text
    }
}

/// A seed: what opens a discussion before any participant speaks — one comment by `OP`, or a short thread of
/// comments by named non-participant authors (e.g. a comment and its reply), shown in order.
public struct SeedThread: Codable, Sendable, Hashable {
    /// The thread's id from its file (`t1`); `nil` for seeds given as plain text.
    public var id: String?
    /// The comments in thread order (≥ 1).
    public var comments: [SeedThreadComment]

    /// Creates a seed thread.
    public init(id: String? = nil, comments: [SeedThreadComment]) {
        self.id = id
        self.comments = comments
    }

    /// A one-comment seed by `OP` (today's form: a plain string).
    public static func single(_ text: String) -> SeedThread {
        SeedThread(id: nil, comments: [SeedThreadComment(author: "OP", text: text)])
    }

    /// Whether this is a plain one-comment seed by `OP` without an id: it renders, hashes and is stored exactly as
    /// seeds did before threads existed.
    public var isSingleOP: Bool { id == nil && comments.count == 1 && comments[0].author == "OP" }

    /// The first comment's text (the discussion record's `seedComment`).
    public var firstText: String { comments.first?.text ?? "" }

    /// A short label for listings: the id, or the first comment's first eight words (`…` when cut).
    public var label: String {
        if let id { return id }
        let words = firstText.split(whereSeparator: \.isWhitespace)
        return words.prefix(8).joined(separator: " ") + (words.count > 8 ? " …" : "")
    }

    /// The thread as the context window shows comments: `author: text` blocks separated by a blank line. For a
    /// one-comment seed by `OP` it is the text alone (so prompts of such seeds are unchanged).
    public var block: String {
        if isSingleOP { return firstText }
        return comments.map { "\($0.author): \($0.text)" }.joined(separator: "\n\n")
    }
}

/// One entry of an inline `seedComments:` list: a plain comment by `OP` or a thread.
public enum SeedCommentEntry: Codable, Sendable, Hashable {
    /// A one-comment seed by `OP`.
    case text(String)
    /// A thread `{id, comments: [{author, text}]}`.
    case thread(SeedThreadSpec)

    /// Decodes a string as ``text(_:)``, a mapping as ``thread(_:)``.
    ///
    /// - Throws: `DecodingError` when the entry is neither.
    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let text = try? single.decode(String.self) {
            self = .text(text)
        } else {
            self = .thread(try single.decode(SeedThreadSpec.self))
        }
    }

    /// Encodes a text as a string, a thread as a mapping.
    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .text(let text): try single.encode(text)
        case .thread(let thread): try single.encode(thread)
        }
    }
}

/// A thread as written in a file: an optional id and its comments; fields are optional so that the loader can name
/// what is missing.
public struct SeedThreadSpec: Codable, Sendable, Hashable {
    /// The thread id (required for threads; unique among the experiment's seeds).
    public var id: String?
    /// The comments in thread order.
    public var comments: [Comment]?

    /// One comment as written.
    public struct Comment: Codable, Sendable, Hashable {
        /// The author (required, not a participant).
        public var author: String?
        /// The text (required, non-empty).
        public var text: String?

        /// Creates a comment.
        public init(author: String?, text: String?) {
            self.author = author
            self.text = text
        }
    }

    /// Creates a thread spec.
    public init(id: String?, comments: [Comment]?) {
        self.id = id
        self.comments = comments
    }
}

/// A minimal RFC 4180 CSV reader (quoted fields, doubled quotes, CR LF or LF line ends), for seed thread files.
enum SeedCSV {
    /// The records of `text`, each with the 1-based line it starts on; a trailing empty line is dropped.
    static func parse(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRecord() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                inQuotes = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" {
                // CR LF: the LF ends the record.
            } else if c == "\n" {
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}

extension SeedCommentEntry: ExpressibleByStringLiteral {
    /// A string literal is a one-comment seed by `OP`.
    public init(stringLiteral value: String) { self = .text(value) }
}
