import Foundation
import GRDB
import SDFCore

/// Raw model output stored exactly, whatever Unicode it holds.
///
/// SQLite's C API (as GRDB binds and reads text) ends TEXT at the first U+0000, so an answer such as
/// `"hello\u{0} world"` would be stored as `hello`. The mapping, documented and lossless:
/// - the `rawText` column holds the text, except that each U+0000 is shown as `␀` (U+2400), so SQL readers see
///   where it was;
/// - when, and only when, the text contains U+0000, the `rawTextBytes` column (BLOB) holds its exact UTF-8 bytes,
///   and ``Store``'s readers (``Store/turns(of:)``, ``Store/allTurns()``, ``Store/annotations()``) return the text
///   decoded from them. A `␀` in `rawText` with `rawTextBytes` NULL is a real U+2400 the model wrote.
///
/// Clean text never holds U+0000 (the cleaner's `nulCharacters` step removes it and records that).
extension Store {
    /// The columns added by migration `v5-runtime-raw-text-bytes`.
    static func registerRuntimeMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-runtime-raw-text-bytes") { db in
            try db.alter(table: "turn") { t in t.add(column: "rawTextBytes", .blob) }
            try db.alter(table: "annotation") { t in t.add(column: "rawTextBytes", .blob) }
        }
        m.registerMigration("v5-runtime-store-identity") { db in
            // One row: the store's identity, named in export markers (a copy of the file is the same store).
            try db.create(table: "store_identity") { t in
                t.primaryKey("id", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.execute(
                sql: "INSERT INTO store_identity (id, createdAt) VALUES (?, ?)", arguments: [UUID().uuidString.lowercased(), Date()])
        }
    }

    /// `text` as the `rawText` column shows it, and its exact bytes when the column cannot hold it.
    static func storable(_ text: String?) -> (column: String?, bytes: Data?) {
        guard let text, text.unicodeScalars.contains("\u{0}") else { return (text, nil) }
        let shown = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{2400}" : $0 }))
        return (shown, Data(text.utf8))
    }

    /// Inserts a turn, keeping its raw text exactly (see the extension's discussion).
    static func insert(_ turn: TurnRecord, _ db: Database) throws {
        var stored = turn
        let (column, bytes) = storable(turn.rawText)
        stored.rawText = column
        try stored.insert(db)
        if let bytes {
            try db.execute(sql: "UPDATE turn SET rawTextBytes = ? WHERE id = ?", arguments: [bytes, turn.id])
        }
    }

    /// Inserts an annotation, keeping its raw answer exactly.
    static func insert(_ annotation: AnnotationRecord, _ db: Database) throws {
        var stored = annotation
        let (column, bytes) = storable(annotation.rawText)
        stored.rawText = column
        try stored.insert(db)
        if let bytes {
            try db.execute(sql: "UPDATE annotation SET rawTextBytes = ? WHERE id = ?", arguments: [bytes, annotation.id])
        }
    }

    /// The exact raw texts of `table`'s rows that have `rawTextBytes`, by id (empty on a store not yet migrated).
    static func exactRawTexts(_ db: Database, table: String, discussionId: String? = nil) throws -> [String: String] {
        guard try db.columns(in: table).contains(where: { $0.name == "rawTextBytes" }) else { return [:] }
        var result: [String: String] = [:]
        let filter = discussionId == nil ? "" : " AND discussionId = ?"
        let arguments: StatementArguments = discussionId.map { [$0] } ?? []
        for row in try Row.fetchAll(
            db, sql: "SELECT id, rawTextBytes FROM \(table) WHERE rawTextBytes IS NOT NULL" + filter, arguments: arguments)
        {
            let id: String = row["id"]
            let bytes: Data = row["rawTextBytes"]
            result[id] = String(decoding: bytes, as: UTF8.self)
        }
        return result
    }

    /// `turns` with their exact raw texts restored.
    static func restoringRawText(_ turns: [TurnRecord], _ db: Database, discussionId: String? = nil) throws -> [TurnRecord] {
        let exact = try exactRawTexts(db, table: "turn", discussionId: discussionId)
        guard !exact.isEmpty else { return turns }
        return turns.map { turn in
            var t = turn
            if let text = exact[t.id] { t.rawText = text }
            return t
        }
    }

    /// `annotations` with their exact raw answers restored.
    static func restoringRawText(_ annotations: [AnnotationRecord], _ db: Database) throws -> [AnnotationRecord] {
        let exact = try exactRawTexts(db, table: "annotation")
        guard !exact.isEmpty else { return annotations }
        return annotations.map { annotation in
            var a = annotation
            if let text = exact[a.id] { a.rawText = text }
            return a
        }
    }
}
