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
///   and the records decode the text from them (``RawTextStorage``), so every read of a ``TurnRecord`` or
///   ``AnnotationRecord`` returns the exact text, with no extra query. A `␀` in `rawText` with `rawTextBytes` NULL is a real U+2400 the model wrote.
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
}
