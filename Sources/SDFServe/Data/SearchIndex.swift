import Foundation
import GRDB
import SDFStore

/// Full-text search over a store's comments (SQLite FTS5), kept in a side file next to the store.
///
/// The index is never written into the store itself: it lives in `<store>.search.sqlite` beside it, or, when
/// that folder cannot be written (a read-only folder or medium), in a temporary folder — ``note`` then says so.
/// It is built on first use and brought up to date before every search: comments committed since the last
/// search (a run still writing the store) are added; if rows were deleted or replaced (a resume restarted a
/// discussion, a re-import), the index is rebuilt from scratch.
actor SearchIndex {
    /// The store searched.
    let store: Store
    /// Where the side file goes when the store's folder is writable.
    let preferredPath: String
    /// The side file in use, once opened.
    private(set) var path: String?
    /// Why the side file is not beside the store, or why search is unavailable; `nil` when all is normal.
    private(set) var note: String?
    private var queue: DatabaseQueue?
    private var unavailable: String?

    static let schemaVersion = 1

    init(store: Store, preferredPath: String) {
        self.store = store
        self.preferredPath = preferredPath
    }

    /// Opens (creating if needed) the side file: beside the store, else in a temporary folder.
    private func open() throws -> DatabaseQueue {
        if let queue { return queue }
        if let unavailable { throw ServeError(unavailable) }
        var attempts: [(String, String?)] = [(preferredPath, nil)]
        let fallbackFolder = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-serve-search")
        let fallback = fallbackFolder.appendingPathComponent(
            URL(fileURLWithPath: store.path).lastPathComponent + "-" + Self.fnv1a(URL(fileURLWithPath: store.path).standardizedFileURL.path)
                + ".search.sqlite"
        ).path
        attempts.append((fallback, "the folder of \(store.path) cannot be written; the search index is in \(fallback)"))
        var lastError = ""
        for (candidate, why) in attempts {
            do {
                if why != nil { try FileManager.default.createDirectory(at: fallbackFolder, withIntermediateDirectories: true) }
                let folder = URL(fileURLWithPath: candidate).deletingLastPathComponent().path
                if !FileManager.default.fileExists(atPath: candidate), !FileManager.default.isWritableFile(atPath: folder) {
                    lastError = "\(folder) is not writable"
                    continue
                }
                var configuration = GRDB.Configuration()
                configuration.busyMode = .timeout(5)
                let queue = try DatabaseQueue(path: candidate, configuration: configuration)
                try queue.write { db in
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
                    let version = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'version'")
                    if version != Self.schemaVersion {
                        try db.execute(sql: "DROP TABLE IF EXISTS comment_fts")
                        try db.execute(sql: "DELETE FROM meta")
                    }
                    try db.execute(
                        sql: """
                            CREATE VIRTUAL TABLE IF NOT EXISTS comment_fts USING fts5(
                                text, commentId UNINDEXED, discussionId UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')
                            """)
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)", arguments: [Self.schemaVersion])
                }
                self.queue = queue
                self.path = candidate
                self.note = why
                return queue
            } catch {
                lastError = "\(error)"
                if "\(error)".contains("no such module") {
                    unavailable = "full-text search is unavailable: this SQLite library has no FTS5 module"
                    note = unavailable
                    throw ServeError(unavailable!)
                }
            }
        }
        unavailable = "full-text search is unavailable: no writable place for its index (\(lastError))"
        note = unavailable
        throw ServeError(unavailable!)
    }

    private struct Watermark {
        var turnRowid: Int64 = 0
        var turnCount: Int = 0
        var discussionRowid: Int64 = 0
        var discussionCount: Int = 0
    }

    /// Adds comments committed since the last refresh; rebuilds when the store lost or replaced rows.
    func refresh() async throws {
        let queue = try open()
        var mark = try await queue.read { db in
            var m = Watermark()
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") {
                let key: String = row["key"]
                switch key {
                case "turnRowid": m.turnRowid = row["value"]
                case "turnCount": m.turnCount = row["value"]
                case "discussionRowid": m.discussionRowid = row["value"]
                case "discussionCount": m.discussionCount = row["value"]
                default: break
                }
            }
            return m
        }
        let previous = mark
        let (turns, seeds, consistent) = try await store.writer.read { db in
            let turnsSoFar = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM turn WHERE rowid <= ? AND outcome = 'comment'", arguments: [previous.turnRowid]) ?? 0
            let seedsSoFar = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM discussion WHERE rowid <= ? AND seedComment <> ''", arguments: [previous.discussionRowid])
                ?? 0
            let consistent = turnsSoFar == previous.turnCount && seedsSoFar == previous.discussionCount
            let turnFloor = consistent ? previous.turnRowid : 0
            let seedFloor = consistent ? previous.discussionRowid : 0
            let turns = try Row.fetchAll(
                db,
                sql: "SELECT rowid AS r, id, discussionId, text FROM turn WHERE rowid > ? AND outcome = 'comment' ORDER BY rowid",
                arguments: [turnFloor]
            ).map { (rowid: $0["r"] as Int64, id: $0["id"] as String, discussion: $0["discussionId"] as String, text: ($0["text"] as String?) ?? "") }
            let seeds = try Row.fetchAll(
                db,
                sql: "SELECT rowid AS r, id, seedCommentId, seedComment FROM discussion WHERE rowid > ? AND seedComment <> '' ORDER BY rowid",
                arguments: [seedFloor]
            ).map { (rowid: $0["r"] as Int64, id: $0["seedCommentId"] as String, discussion: $0["id"] as String, text: $0["seedComment"] as String) }
            return (turns, seeds, consistent)
        }
        if consistent && turns.isEmpty && seeds.isEmpty { return }
        if !consistent { mark = Watermark() }
        for t in turns {
            mark.turnRowid = max(mark.turnRowid, t.rowid)
            mark.turnCount += 1
        }
        for s in seeds {
            mark.discussionRowid = max(mark.discussionRowid, s.rowid)
            mark.discussionCount += 1
        }
        let final = mark
        try await queue.write { db in
            if !consistent { try db.execute(sql: "DELETE FROM comment_fts") }
            let insert = try db.makeStatement(sql: "INSERT INTO comment_fts (text, commentId, discussionId) VALUES (?, ?, ?)")
            for t in turns { try insert.execute(arguments: [t.text, t.id, t.discussion]) }
            for s in seeds { try insert.execute(arguments: [s.text, s.id, s.discussion]) }
            for (key, value) in [
                ("turnRowid", final.turnRowid), ("turnCount", Int64(final.turnCount)),
                ("discussionRowid", final.discussionRowid), ("discussionCount", Int64(final.discussionCount)),
            ] {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
    }

    /// The discussions with a comment matching `query` (every word must occur; `word*` matches a prefix), each
    /// with a snippet of its best-ranked matching comment.
    ///
    /// - Returns: `nil` when the query has no words.
    /// - Throws: ``ServeError`` when search is unavailable.
    func search(_ query: String) async throws -> [String: SearchHit]? {
        guard let match = Self.matchExpression(query) else { return nil }
        try await refresh()
        let queue = try open()
        return try await queue.read { db in
            var hits: [String: SearchHit] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT discussionId, commentId, snippet(comment_fts, 0, char(57344), char(57345), '…', 16) AS s
                    FROM comment_fts WHERE comment_fts MATCH ? ORDER BY rank
                    """,
                arguments: [match])
            for row in rows {
                let discussion: String = row["discussionId"]
                if hits[discussion] == nil {
                    hits[discussion] = SearchHit(commentId: row["commentId"], snippet: row["s"] ?? "")
                } else {
                    hits[discussion]!.matches += 1
                }
            }
            return hits
        }
    }

    /// Turns free text into an FTS5 query: each word quoted (so operators and punctuation are literal), all words
    /// required; a trailing `*` keeps prefix matching.
    static func matchExpression(_ query: String) -> String? {
        let words = query.split(whereSeparator: { $0.isWhitespace }).compactMap { word -> String? in
            let prefix = word.hasSuffix("*")
            let bare = word.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "*", with: "")
            guard bare.contains(where: { $0.isLetter || $0.isNumber }) else { return nil }
            return "\"" + bare + "\"" + (prefix ? "*" : "")
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// A 64-bit FNV-1a hash as hex, to name fallback files after a store's absolute path.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}

/// One discussion's match in a full-text search.
struct SearchHit: Sendable, Hashable {
    /// The best-ranked matching comment.
    var commentId: String
    /// Its text around the match, with U+E000 / U+E001 around matched words (turned into `<mark>` after escaping).
    var snippet: String
    /// How many comments of the discussion matched.
    var matches = 1
}
